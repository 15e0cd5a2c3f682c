import type { RuleMeta } from './meta';

/** Reported by the schema reader (cedar/cedarSchema.ts) on a hand-written Cedar schema file, and on a manifest's `schema` entries. */
export const meta: RuleMeta = {
  id: 'cedar-schema',
  defaultLevel: 'error',
  category: 'engine',
  scope: 'any',
  description: 'A Cedar schema file (`*.cedarschema`, `cedarschema.json`, `*.cedarschema.json`) that Cedar rejects: a parse error, an undeclared type, a type declared twice.',
  rationale:
    'Policies are validated against the schema. A schema Cedar cannot read validates nothing: every policy of the project is then checked for its syntax only.',
};
