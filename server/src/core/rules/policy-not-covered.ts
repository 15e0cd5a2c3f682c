import type { RuleMeta } from './meta';

/** Reported by the project model (project.ts) once per policy file that no manifest covers, or whose manifest cannot produce a schema. */
export const meta: RuleMeta = {
  id: 'policy-not-covered',
  defaultLevel: 'info',
  category: 'manifest',
  description: 'A Cedar file that gets syntax checks only: no agent manifest covers it, or its manifest has errors.',
  rationale:
    'Without a manifest there is no schema, so tool names, arguments and types in the file cannot be checked. Add the file to a manifest\'s `policies` globs to validate it.',
};
