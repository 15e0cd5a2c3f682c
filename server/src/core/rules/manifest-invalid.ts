import type { RuleMeta } from './meta';

/** Reported by the manifest model (manifest/*.ts). */
export const meta: RuleMeta = {
  id: 'manifest-invalid',
  defaultLevel: 'error',
  category: 'manifest',
  scope: 'manifest',
  description: 'An agent manifest or an imported MCP tool list breaks its format, or an input schema is not valid JSON Schema.',
  rationale:
    'Policies are validated and simulated against the schema generated from the manifest. A manifest that cannot be read leaves every policy that depends on it unchecked.',
};
