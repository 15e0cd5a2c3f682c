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
import { accessPath, children, entityLiterals, type Uid } from './ast';
import type { CedarExpr, PolicyJson, SchemaJson } from './engine';
import { own } from '../own';

interface SchemaParts {
  whole: string;
  /** Everything but the actions. */
  base: string;
  namespace: string | undefined;
  /** Action id → the actions that are directly `memberOf` it. */
  children: Map<string, string[]>;
  /** Action id → its definition as the schema holds it. */
  defs: Map<string, unknown>;
  /** `h\u0000id` → hash of an action's principal and resource types and groups; `p\u0000id\u0000path` → of its types along the path. */
  views: Map<string, string>;
  /** The actions a policy's validation sees and the context paths it reads (as a key) → its key. */
  joined: Map<string, string>;
}

const partsBySchema = new WeakMap<SchemaJson, SchemaParts>();

function partsOf(schema: SchemaJson, whole: string): SchemaParts {
  let parts = partsBySchema.get(schema);
  if (parts) return parts;
  const namespaces = Object.keys(schema);
  const ns = namespaces.length === 1 ? namespaces[0] : undefined;
  const def = ns !== undefined ? schema[ns] : undefined;
  const children = new Map<string, string[]>();
  const defs = new Map<string, unknown>();
  if (def) {
    for (const [id, a] of Object.entries(def.actions ?? {})) {
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
  parts = { whole, base, namespace: ns, children, defs, views: new Map(), joined: new Map() };
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
  // An unconstrained scope is validated against every action (listed once per schema, below).
  const every = !scoped;
  // Actions named in the conditions are checked to exist too.
  for (const u of entityLiterals(json)) if (/(^|::)Action$/.test(u.type)) named.push(u);
  for (const u of named) {
    // An action of another namespace, or one the schema lacks (Cedar's "did you mean" looks at every action).
    if (u.type !== actionType || !parts.defs.has(u.id)) return schemaKey;
    if (every) continue;
    // The action and every action under it (`in` matches descendants).
    const todo = [u.id];
    while (todo.length) {
      const id = todo.pop()!;
      if (ids.has(id)) continue;
      ids.add(id);
      todo.push(...(parts.children.get(id) ?? []));
    }
  }
  const { paths, key: pathsKey } = contextPaths(json);
  // Each action's part, and each path's, hashed once per schema: the key of a policy is then a short string.
  const view = (id: string): string => {
    const def = parts.defs.get(id);
    let head = parts.views.get(`h\u0000${id}`);
    if (head === undefined) parts.views.set(`h\u0000${id}`, (head = hashText(actionHead(def))));
    let out = head;
    for (const p of paths) {
      const k = `p\u0000${id}\u0000${JSON.stringify(p)}`;
      let v = parts.views.get(k);
      if (v === undefined) parts.views.set(k, (v = hashText(JSON.stringify(alongPath(own(own(def, 'appliesTo'), 'context'), p)))));
      out += `,${v}`;
    }
    return out;
  };
  // The key depends on the actions and the paths only: worked out once per schema for each pair met (guardrails open
  // to every tool share one; the policies of a tool reading the same arguments share one).
  const all = every || ids.size === parts.defs.size;
  const sorted = all ? undefined : [...ids].sort();
  const memo = sorted ? `${sorted.join('\u0000')}\u0000\u0000${pathsKey}` : `*\u0000${pathsKey}`;
  let key = parts.joined.get(memo);
  if (key === undefined) {
    const list = sorted ?? [...parts.defs.keys()].sort();
    parts.joined.set(memo, (key = hashText(`${parts.base}|${pathsKey}|${list.map((id) => `${id}=${view(id)}`).join('|')}`)));
  }
  return key;
}

/**
 * The attribute paths under `context` the conditions read (`context.input.a` → ['input','a'], `context.input has b` →
 * ['input','b']), sorted and without repeats; [] for a bare `context` (the whole context type matters). Kept per
 * parsed policy (the parse cache hands back the same JSON for the same text), with their key.
 */
function contextPaths(json: PolicyJson): { paths: string[][]; key: string } {
  const hit = pathsOf.get(json);
  if (hit) return hit;
  const found = new Map<string, string[]>();
  const record = (path: string[]) => found.set(JSON.stringify(path), path);
  const visit = (e: CedarExpr): void => {
    const has = own(e, 'has') as { left?: unknown; attr?: unknown } | undefined;
    if (has && typeof has === 'object') {
      const base = accessPath(has.left as CedarExpr);
      if (base?.[0] === 'context') {
        const attrs = Array.isArray(has.attr) ? has.attr : [has.attr];
        record(attrs.every((x): x is string => typeof x === 'string') ? [...base.slice(1), ...attrs] : []);
        return;
      }
    }
    // An access chain rooted at a variable holds nothing else to visit.
    const path = accessPath(e);
    if (path) {
      if (path[0] === 'context') record(path.slice(1));
      return;
    }
    for (const c of children(e)) visit(c);
  };
  for (const c of json.conditions) visit(c.body);
  const paths = [...found.keys()].sort().map((k) => found.get(k)!);
  const out = { paths, key: JSON.stringify(paths) };
  pathsOf.set(json, out);
  return out;
}
const pathsOf = new WeakMap<PolicyJson, { paths: string[][]; key: string }>();

/**
 * What a policy's validation can see of an action besides its context: its principal and resource types, its groups,
 * and whether it declares a context at all.
 */
function actionHead(def: unknown): string {
  const appliesTo = own(def, 'appliesTo');
  return JSON.stringify({
    principal: own(appliesTo, 'principalTypes') ?? null,
    resource: own(appliesTo, 'resourceTypes') ?? null,
    memberOf: own(def, 'memberOf') ?? null,
    hasContext: own(appliesTo, 'context') !== undefined,
  });
}

/**
 * What a policy's validation can see of an action's context along one path it reads: the type of each attribute on the
 * way (required or not), down to the whole type at its end. Where the path leaves the declared type (the record lacks
 * the attribute: Cedar's "did you mean" lists the others; or the type is not a record declared in place, e.g. a common
 * type, whose definition is in the key's base), that type whole.
 */
function alongPath(type: unknown, path: string[]): unknown {
  if (!path.length || own(type, 'type') !== 'Record') return type ?? null;
  const attrs = own(type, 'attributes');
  const attr = own(attrs, path[0]!);
  if (attr === undefined) return { lacks: path[0], record: type };
  return { [path[0]!]: { required: own(attr, 'required') ?? true, additional: own(type, 'additionalAttributes') ?? null, type: alongPath(attr, path.slice(1)) } };
}
