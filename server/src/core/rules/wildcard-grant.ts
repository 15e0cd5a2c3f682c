import type { PolicyRule } from './meta';
import { headSpan, isWildcardGrant } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'wildcard-grant',
    defaultLevel: 'error',
    category: 'security',
    scope: 'any',
    description: 'A permit whose principal and action are both unconstrained and that has no condition: it allows every agent every tool.',
    rationale:
      'An unconditional `permit (principal, action, resource);` turns the policy set into deny-list-only: every tool call of every agent is allowed unless a forbid happens to match. Agents must be granted specific tools, for specific purposes.',
  },
  check({ policy, namespace: ns, manifest }) {
    if (!isWildcardGrant(policy, !manifest)) return [];
    // Without a manifest there are no agents or tools: say it in Cedar's words.
    if (!manifest) {
      return [
        {
          code: 'wildcard-grant',
          message: 'this permit applies to every principal, every action and every resource, with no condition: every request is allowed unless a forbid matches. Constrain the principal (`principal == …`, `principal in …`) and the action (`action == …`, `action in [...]`), and add a `when` condition',
          span: headSpan(policy),
        },
      ];
    }
    return [
      {
        code: 'wildcard-grant',
        message: `this permit allows every agent to call every tool, with no condition: everything is allowed unless a forbid matches. Name the agent or role (\`principal in ${ns}::Role::"…"\`), the tools (\`action in [...]\`), and add conditions on the call (\`when { context.session.purpose == "…" }\`)`,
        span: headSpan(policy),
      },
    ];
  },
};
