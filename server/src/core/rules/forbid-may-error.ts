import { nonLiteralConstructorCalls, unguardedTagReads } from '../cedar/ast';
import type { PolicyRule } from './meta';
import { headSpan } from './util';

const CONSEQUENCE = 'Cedar skips a forbid that errors, so the call it should block can be allowed: it fails open';

export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'forbid-may-error',
    defaultLevel: 'error',
    category: 'security',
    scope: 'any',
    description: 'A forbid that can error at run time: it fails validation, reads an optional attribute or a tag without a `has`/`hasTag` guard, or calls an extension constructor on a non-literal.',
    rationale:
      'When a policy errors, Cedar ignores it. For a permit that means a denial; for a forbid it means the guardrail is gone and the request may be allowed. Guardrails must not be able to error.',
  },
  check({ policy, validated }) {
    if (policy.json.effect !== 'forbid') return [];
    if (validated) {
      // With a schema, Cedar's strict validation finds every way the forbid can error (unguarded optional
      // attributes and tags, non-literal extension constructors, type errors, unknown names).
      return policy.validationErrors
        .filter((e) => e.severity === undefined || e.severity === 'error')
        .map((e) => ({
          code: 'forbid-may-error',
          message: `this forbid can fail at run time (${e.message.split('\n')[0]}). ${CONSEQUENCE}`,
          span: e.span,
          policyId: policy.id,
        }));
    }
    const reasons = [
      ...nonLiteralConstructorCalls(policy.json).map((fn) => `\`${fn}(…)\` is called on a value that is not a literal, and errors when it is malformed`),
      ...unguardedTagReads(policy.json).map((what) => `a tag of ${what} is read without a \`hasTag\` guard`),
    ];
    return reasons.map((r) => ({ code: 'forbid-may-error', message: `this forbid can fail at run time: ${r}. ${CONSEQUENCE}`, span: headSpan(policy), policyId: policy.id }));
  },
};
