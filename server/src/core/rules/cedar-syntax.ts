import type { RuleMeta } from './meta';

/** Reported by the policy checker (engine/policyCheck.ts): Cedar could not parse a policy. */
export const meta: RuleMeta = {
  id: 'cedar-syntax',
  defaultLevel: 'error',
  category: 'engine',
  scope: 'any',
  description: 'A Cedar policy does not parse.',
  rationale:
    'A policy that does not parse is not loaded at all: the permits it was meant to grant are missing and the forbids it was meant to enforce are not enforced. Each policy is parsed on its own, so one broken policy never hides the others.',
};
