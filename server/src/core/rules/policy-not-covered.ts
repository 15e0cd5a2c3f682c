import type { RuleMeta } from './meta';

/** Reported by the project model (project.ts) once per policy file that no manifest covers, or whose manifest cannot produce a schema. */
export const meta: RuleMeta = {
  id: 'policy-not-covered',
  defaultLevel: 'info',
  category: 'manifest',
  scope: 'any',
  description: 'A Cedar file that gets syntax checks only: no agent manifest covers it and no Cedar schema applies to it, or its manifest or schema has errors.',
  rationale:
    'Without a schema, the names, attributes and types in the file cannot be checked. Add the file to a manifest\'s `policies` globs, or put a Cedar schema beside it (a plain Cedar project), to validate it.',
};
