import type { PolicyRule } from './meta';
import { headSpan, isWildcardGrant } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'wildcard-grant',
    defaultLevel: 'error',
    category: 'security',
    description: 'A permit whose principal and action are both unconstrained and that has no condition: it allows every agent every tool.',
    rationale:
      'An unconditional `permit (principal, action, resource);` turns the policy set into deny-list-only: every tool call of every agent is allowed unless a forbid happens to match. Agents must be granted specific tools, for specific purposes.',
  },
  check({ policy, namespace: ns }) {
    if (!isWildcardGrant(policy)) return [];
    return [
      {
        code: 'wildcard-grant',
        message: `this permit allows every agent to call every tool, with no condition: everything is allowed unless a forbid matches. Name the agent or role (\`principal in ${ns}::Role::"…"\`), the tools (\`action in [...]\`), and add conditions on the call (\`when { context.session.purpose == "…" }\`)`,
        span: headSpan(policy),
      },
    ];
  },
};
