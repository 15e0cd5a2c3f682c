import type { RuleMeta } from './meta';

/** Reported by the schema generator (cedar/schemaGen.ts) for argument shapes Cedar cannot express. */
export const meta: RuleMeta = {
  id: 'argument-not-in-cedar',
  defaultLevel: 'info',
  category: 'manifest',
  description: 'A tool argument or context field has a JSON Schema type that Cedar cannot express, so policies cannot read it.',
  rationale:
    'Union types (`anyOf`, `oneOf`), `null`, untyped values and mixed arrays have no Cedar type. Such a field is still checked against its JSON Schema before a request reaches Cedar, but no policy condition can look at it.',
};
