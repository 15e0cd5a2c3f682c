import { readsContext } from '../cedar/ast';
import { toolsInScope } from '../cedar/inCedar';
import type { PolicyRule } from './meta';
import { actionSpan, plural } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'unconditioned-destructive-grant',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    description: 'A permit that covers a destructive tool with no condition on the call (`context.input` or `context.session`).',
    rationale:
      'A destructive tool (MCP: `destructiveHint` is true unless the tool says `readOnlyHint: true` or `destructiveHint: false`) deletes, pays, sends or restarts. Granting it without looking at the arguments or the task means any call the agent is talked into goes through.',
  },
  check({ policy, manifest }) {
    if (policy.json.effect !== 'permit' || !manifest) return [];
    // A permit scoped to one server only covers that server's tools.
    const destructive = toolsInScope(policy.json, manifest).filter((t) => t.destructive).map((t) => t.action);
    if (destructive.length === 0 || readsContext(policy.json, 'input') || readsContext(policy.json, 'session')) return [];
    const shown = destructive.slice(0, 5).map((n) => `\`${n}\``).join(', ') + (destructive.length > 5 ? `, and ${destructive.length - 5} more` : '');
    return [
      {
        code: 'unconditioned-destructive-grant',
        message: `this permit covers the destructive ${plural(destructive.length, 'tool')} ${shown} with no condition on the call: add conditions on its arguments (\`context.input.…\`) or on its task (\`context.session.…\`)`,
        span: actionSpan(policy),
      },
    ];
  },
};
