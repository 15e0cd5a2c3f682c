import type { RuleMeta } from './meta';

/** Reported by the scenario runner (scenarios.ts) on a manifest scenario whose simulated decision is not the expected one. */
export const meta: RuleMeta = {
  id: 'scenario-failed',
  defaultLevel: 'error',
  category: 'simulation',
  scope: 'manifest',
  description: 'A scenario of the manifest: the simulated decision (or the policies that determined it) is not the one it expects.',
  rationale:
    'Scenarios are the tests of a policy set: "support may refund small amounts", "nobody emails confidential data". A change to a policy or a tool that flips one of them changes what an agent may do.',
};
