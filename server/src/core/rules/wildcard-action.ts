import { actionScope } from '../cedar/ast';
import type { PolicyRule } from './meta';
import { actionSpan, everyTool } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'wildcard-action',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    description: 'A permit that covers every tool: its action is unconstrained or only `in Action::"call_tool"`, and no condition looks at the action.',
    rationale:
      'Tools are added to MCP servers all the time. A grant over every tool silently extends to each new one — including destructive ones nobody reviewed for this agent.',
  },
  check({ policy, namespace: ns }) {
    if (policy.json.effect !== 'permit' || !everyTool(policy)) return [];
    const group = actionScope(policy.json).kind === 'group';
    return [
      {
        code: 'wildcard-action',
        message: `this permit covers every tool (${group ? '`action in Action::"call_tool"` is the group of all tools' : 'the action is unconstrained'}), including tools added later: list the tools it is meant for (\`action in [${ns}::Action::"…", …]\`)`,
        span: actionSpan(policy),
      },
    ];
  },
};
