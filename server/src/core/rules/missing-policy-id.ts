import { actionScope, principalScope } from '../cedar/ast';
import type { PolicyRule } from './meta';
import type { ParsedPolicy } from './util';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'missing-policy-id',
    defaultLevel: 'info',
    category: 'hygiene',
    scope: 'any',
    description: 'A policy without an `@id` annotation: decisions and logs then name it by position (`policy3`).',
    rationale:
      'When an agent is denied at 3 a.m., the decision log should say which guardrail fired. Positional names change whenever a policy is added above, and mean nothing to the reader.',
  },
  check({ policy, text, file, manifest }) {
    if (policy.slice.id) return [];
    const at = policy.slice.bodySpan.start;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart, at))![0];
    const onOwnLine = text.slice(lineStart, at).trim() === '';
    const id = suggestId(policy, !manifest);
    return [
      {
        code: 'missing-policy-id',
        message: `this policy has no \`@id\`: decisions and logs will call it \`${policy.id}\`, which changes when policies move. Add \`@id("${id}")\``,
        span: policy.slice.effectSpan ?? policy.slice.bodySpan,
        fixes: [{ title: `Add @id("${id}")`, preferred: true, edits: [{ file, span: { start: at, end: at }, newText: onOwnLine ? `@id("${id}")\n${indent}` : `@id("${id}") ` }] }],
      },
    ];
  },
};

/** A readable id from the policy's scope: `permit-support-issue_refund`, `forbid-any-send_email` (`…-any-action` in plain Cedar). */
export function suggestId(p: ParsedPolicy, plain = false): string {
  const ps = principalScope(p.json);
  const who = ps.kind === 'agent' || ps.kind === 'role' ? ps.uid.id : ps.kind === 'slot' ? 'template' : 'any';
  const as = actionScope(p.json);
  const what = as.kind === 'tools' ? (as.tools.length === 1 ? as.tools[0]! : `${as.tools[0]}-and-more`) : plain ? 'any-action' : 'any-tool';
  return `${p.json.effect}-${who}-${what}`.replace(/[^A-Za-z0-9_.-]+/g, '-');
}
