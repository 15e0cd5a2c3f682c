import type { RuleMeta } from './meta';

/** Reported by the manifest model (manifest/references.ts). */
export const meta: RuleMeta = {
  id: 'unknown-reference',
  defaultLevel: 'error',
  category: 'manifest',
  scope: 'manifest',
  description: 'An agent, role, tool or server is named but not declared.',
  rationale:
    'A role or delegation that points at nothing silently changes who may do what: the agent loses a grant it was meant to have, or a scenario tests a call that can never happen.',
};
