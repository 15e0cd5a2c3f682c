import { principalScope, readsContext } from '../cedar/ast';
import type { PolicyRule } from './meta';
import { principalSpan } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'role-only-grant',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    description: 'A permit that depends on nothing but role membership: the principal is scoped by `in Role`, and no condition reads `context`.',
    rationale:
      '"Is this agent in role X?" is not the question to ask at the moment of action. The question is whether this agent should make this call, with these arguments, on this data, for this purpose, now — and only `context` carries that.',
  },
  check({ policy }) {
    if (policy.json.effect !== 'permit') return [];
    const scope = principalScope(policy.json);
    if (scope.kind !== 'role' || readsContext(policy.json)) return [];
    return [
      {
        code: 'role-only-grant',
        message: `this permit depends only on membership of role \`${scope.uid.id}\`: any agent in the role may make the call for any purpose, with any arguments. Add a condition on the call's purpose, data or destination (\`context.session.…\`, such as \`context.session.purpose == "…"\`) or on its arguments (\`context.input.…\`)`,
        span: principalSpan(policy),
      },
    ];
  },
};
