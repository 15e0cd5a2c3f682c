/**
 * The part of a schema a policy's strict validation depends on, as a cache key: the entity types and common types,
 * and, for each action its scope can match (with their descendants; every action when the scope is unconstrained) and
 * each action it names elsewhere, the action's principal and resource types, its groups, and the part of its context
 * type the policy reads. Cedar validates a policy once per request environment of the actions its scope matches, and
 * types `context` only through the attribute paths the conditions read (`context.input.priority`, `context has x`): a
 * tool gaining an argument no policy reads leaves every result as it was, so a manifest edit revalidates only the
 * policies it can affect. Where a path leaves the declared type (an attribute the record lacks: Cedar's "did you mean"
 * lists the others) the whole record is part of the key; a bare `context` makes the whole context type part of it. A
 * policy whose scope names an action of another namespace or one the schema lacks depends on the whole schema.
 */
import { hashText } from '../text';
import { entityLiterals, walkConditions, type Uid } from './ast';
import type { CedarExpr, PolicyJson, SchemaJson } from './engine';
import { own } from '../own';

interface SchemaParts {
  whole: string;
  /** Everything but the actions. */
  base: string;
  namespace: string | undefined;
  /** Action id → hash of its definition. */
  actions: Map<string, string>;
  /** Action id → the actions that are directly `memberOf` it. */
  children: Map<string, string[]>;
  /** Action id → its definition as the schema holds it. */
  defs: Map<string, unknown>;
  /** Context paths read (as a key) → action id → what of the action those paths depend on. */
  views: Map<string, Map<string, string>>;
}

const partsBySchema = new WeakMap<SchemaJson, SchemaParts>();

function partsOf(schema: SchemaJson, whole: string): SchemaParts {
  let parts = partsBySchema.get(schema);
  if (parts) return parts;
  const namespaces = Object.keys(schema);
  const ns = namespaces.length === 1 ? namespaces[0] : undefined;
  const def = ns !== undefined ? schema[ns] : undefined;
  const actions = new Map<string, string>();
  const children = new Map<string, string[]>();
  const defs = new Map<string, unknown>();
  if (def) {
    for (const [id, a] of Object.entries(def.actions ?? {})) {
      actions.set(id, hashText(JSON.stringify(a)));
      defs.set(id, a);
      for (const parent of (a as { memberOf?: { id?: unknown; type?: unknown }[] }).memberOf ?? []) {
        if (typeof parent.id !== 'string') continue;
        const list = children.get(parent.id) ?? [];
        list.push(id);
        children.set(parent.id, list);
      }
    }
  }
  const base = def ? hashText(JSON.stringify({ ns, entityTypes: def.entityTypes, commonTypes: def.commonTypes ?? null, annotations: (def as { annotations?: unknown }).annotations ?? null })) : whole;
  parts = { whole, base, namespace: ns, actions, children, defs, views: new Map() };
  partsBySchema.set(schema, parts);
  return parts;
}

const lastKey = new WeakMap<PolicyJson, { schema: SchemaJson; key: string }>();

/** The key under which a policy's validation against `schema` (whose own key is `schemaKey`) can be cached. */
export function validationKey(schema: SchemaJson, schemaKey: string, json: PolicyJson | undefined): string {
  if (!json) return schemaKey;
  // The parse cache hands back the same JSON for the same text: a policy's key is computed once per schema.
  const last = lastKey.get(json);
  if (last?.schema === schema) return last.key;
  const key = computeKey(schema, schemaKey, json);
  lastKey.set(json, { schema, key });
  return key;
}

function computeKey(schema: SchemaJson, schemaKey: string, json: PolicyJson): string {
  const parts = partsOf(schema, schemaKey);
  if (parts.namespace === undefined) return schemaKey;
  const actionType = `${parts.namespace}::Action`;
  const ids = new Set<string>();
  const a = json.action as { op?: unknown; entity?: unknown; entities?: unknown };
  const scoped: unknown[] | undefined = a.op === '==' || (a.op === 'in' && a.entity !== undefined) ? [a.entity] : a.op === 'in' && Array.isArray(a.entities) ? a.entities : undefined;
  if (!scoped && a.op !== 'All') return schemaKey;
  const named: Uid[] = [];
  for (const e of scoped ?? []) {
    const uid = (e && typeof e === 'object' && '__entity' in e ? (e as { __entity: unknown }).__entity : e) as { type?: unknown; id?: unknown };
    if (!uid || typeof uid.type !== 'string' || typeof uid.id !== 'string') return schemaKey;
    named.push({ type: uid.type, id: uid.id });
  }
  // An unconstrained scope is validated against every action.
  if (!scoped) for (const id of parts.actions.keys()) ids.add(id);
  // Actions named in the conditions are checked to exist too.
  for (const u of entityLiterals(json)) if (/(^|::)Action$/.test(u.type)) named.push(u);
  for (const u of named) {
    // An action of another namespace, or one the schema lacks (Cedar's "did you mean" looks at every action).
    if (u.type !== actionType || !parts.actions.has(u.id)) return schemaKey;
    // The action and every action under it (`in` matches descendants).
    const todo = [u.id];
    while (todo.length) {
      const id = todo.pop()!;
      if (ids.has(id)) continue;
      ids.add(id);
      todo.push(...(parts.children.get(id) ?? []));
    }
  }
  const paths = contextPaths(json);
  const pathsKey = JSON.stringify(paths);
  let views = parts.views.get(pathsKey);
  if (!views) parts.views.set(pathsKey, (views = new Map()));
  const view = (id: string): string => {
    let v = views!.get(id);
    if (v === undefined) views!.set(id, (v = actionView(parts.defs.get(id), paths)));
    return v;
  };
  return hashText(`${parts.base}|${pathsKey}|${[...ids].sort().map((id) => `${id}=${view(id)}`).join('|')}`);
}

/**
 * The attribute paths under `context` the conditions read (`context.input.a` → ['input','a'], `context.input has b` →
 * ['input','b']), sorted and without repeats; [] for a bare `context` (the whole context type matters).
 */
function contextPaths(json: PolicyJson): string[][] {
  const found = new Map<string, string[]>();
  walkConditions(json, (e, parents) => {
    if (own(e, 'Var') !== 'context') return;
    const path: string[] = [];
    let child: CedarExpr = e;
    for (let i = parents.length - 1; i >= 0; i--) {
      const dot = own(parents[i], '.') as { left?: unknown; attr?: unknown } | undefined;
      if (!dot || dot.left !== child || typeof dot.attr !== 'string') break;
      path.push(dot.attr);
      child = parents[i]!;
    }
    const up = parents.length - 1 - path.length;
    const has = up >= 0 ? (own(parents[up], 'has') as { left?: unknown; attr?: unknown } | undefined) : undefined;
    if (has && has.left === child) {
      const attrs = Array.isArray(has.attr) ? has.attr : [has.attr];
      if (attrs.every((x): x is string => typeof x === 'string')) path.push(...attrs);
      else path.length = 0;
    }
    found.set(JSON.stringify(path), path);
  });
  return [...found.keys()].sort().map((k) => found.get(k)!);
}

/**
 * What a policy's validation can see of an action, given the context paths it reads: the action's principal and
 * resource types and groups, and along each path the type of each attribute (required or not), down to the whole type
 * at its end. Where the path leaves the declared type (the record lacks the attribute, or the type is not a record
 * declared in place, e.g. a common type, whose definition is in the key's base), that type whole.
 */
function actionView(def: unknown, paths: string[][]): string {
  const appliesTo = own(def, 'appliesTo');
  const context = own(appliesTo, 'context');
  const along = (type: unknown, path: string[]): unknown => {
    if (!path.length || own(type, 'type') !== 'Record') return type ?? null;
    const attrs = own(type, 'attributes');
    const attr = own(attrs, path[0]!);
    if (attr === undefined) return { lacks: path[0], record: type };
    return { [path[0]!]: { required: own(attr, 'required') ?? true, additional: own(type, 'additionalAttributes') ?? null, type: along(attr, path.slice(1)) } };
  };
  return hashText(
    JSON.stringify({
      principal: own(appliesTo, 'principalTypes') ?? null,
      resource: own(appliesTo, 'resourceTypes') ?? null,
      memberOf: own(def, 'memberOf') ?? null,
      hasContext: context !== undefined,
      context: paths.map((p) => along(context, p)),
    }),
  );
}
