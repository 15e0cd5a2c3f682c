import type { RuleMeta } from './meta';

/** Reported by the suppression pass (suppress.ts). */
export const meta: RuleMeta = {
  id: 'unused-suppression',
  defaultLevel: 'info',
  category: 'hygiene',
  scope: 'any',
  description: 'An `agent-policy-ignore` comment that silences nothing, or names a rule that does not exist.',
  rationale:
    'A suppression outlives the finding it was written for. Left in place, it will silently hide the next, real finding of that rule on the same policy.',
};
