import type { RuleMeta } from './meta';

/** Reported by the policy checker (engine/policyCheck.ts): Cedar strict validation against the generated schema. */
export const meta: RuleMeta = {
  id: 'cedar-validation',
  defaultLevel: 'error',
  category: 'engine',
  scope: 'any',
  description: 'A policy fails Cedar strict validation against its schema: the one generated from the agent manifest, or the Cedar schema file of a plain Cedar project.',
  rationale:
    'A typo in a tool, argument or agent attribute is a hole: a permit that names a tool that does not exist never applies, and a forbid that reads an argument the tool does not have errors at run time and is skipped.',
};
