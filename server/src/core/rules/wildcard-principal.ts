import type { PolicyRule } from './meta';
import { anyAgent ,principalSpan } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'wildcard-principal',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    description: 'A permit that any agent satisfies: its principal is unconstrained (or only `is Agent`) and no condition looks at the principal.',
    rationale:
      'Each agent is a workload with its own identity and its own job. A grant that holds for any agent also holds for the next agent someone deploys, and for a compromised one.',
  },
  check({ policy, namespace: ns }) {
    if (policy.json.effect !== 'permit' || !anyAgent(policy)) return [];
    const isOnly = policy.json.principal.op === 'is';
    return [
      {
        code: 'wildcard-principal',
        message: `any agent satisfies this permit (${isOnly ? '`principal is Agent` matches every agent' : 'the principal is unconstrained'}): name the agent (\`principal == ${ns}::Agent::"…"\`) or its role (\`principal in ${ns}::Role::"…"\`), or add a condition on the principal`,
        span: principalSpan(policy),
      },
    ];
  },
};
