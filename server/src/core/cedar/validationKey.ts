/**
 * The part of a schema a policy's strict validation depends on, as a cache key: the entity types and common types,
 * and the actions its scope can match (with their descendants), plus any action it names elsewhere. Cedar validates
 * a policy once per request environment of the actions its scope matches, so a change to another action (a tool
 * gaining an argument) leaves its result as it was: a manifest edit revalidates only the policies it can affect.
 * A policy whose action scope is unconstrained, a group, or of another namespace depends on the whole schema.
 */
import { hashText } from '../text';
import { entityLiterals, type Uid } from './ast';
import type { PolicyJson, SchemaJson } from './engine';

interface SchemaParts {
  whole: string;
  /** Everything but the actions. */
  base: string;
  namespace: string | undefined;
  /** Action id → hash of its definition. */
  actions: Map<string, string>;
  /** Action id → the actions that are directly `memberOf` it. */
  children: Map<string, string[]>;
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
  if (def) {
    for (const [id, a] of Object.entries(def.actions ?? {})) {
      actions.set(id, hashText(JSON.stringify(a)));
      for (const parent of (a as { memberOf?: { id?: unknown; type?: unknown }[] }).memberOf ?? []) {
        if (typeof parent.id !== 'string') continue;
        const list = children.get(parent.id) ?? [];
        list.push(id);
        children.set(parent.id, list);
      }
    }
  }
  const base = def ? hashText(JSON.stringify({ ns, entityTypes: def.entityTypes, commonTypes: def.commonTypes ?? null, annotations: (def as { annotations?: unknown }).annotations ?? null })) : whole;
  parts = { whole, base, namespace: ns, actions, children };
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
  if (!scoped) return schemaKey;
  const named: Uid[] = [];
  for (const e of scoped) {
    const uid = (e && typeof e === 'object' && '__entity' in e ? (e as { __entity: unknown }).__entity : e) as { type?: unknown; id?: unknown };
    if (!uid || typeof uid.type !== 'string' || typeof uid.id !== 'string') return schemaKey;
    named.push({ type: uid.type, id: uid.id });
  }
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
  return hashText(`${parts.base}|${[...ids].sort().map((id) => `${id}=${parts.actions.get(id) ?? '-'}`).join('|')}`);
}
