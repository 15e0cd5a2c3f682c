import type { PolicySetRule } from './meta';
import type { Finding } from '../types';

export const rule: PolicySetRule = {
  kind: 'set',
  meta: {
    id: 'duplicate-policy-id',
    defaultLevel: 'error',
    category: 'hygiene',
    scope: 'any',
    description: 'Two policies of one policy set (the files a manifest covers) have the same `@id`.',
    rationale:
      'A decision names the policies that determined it by id. With two policies under one id, a log or a test that says `support-refund-small` allowed the call does not say which one did — and tools that load policies by id keep only one.',
  },
  check({ policies }) {
    const first = new Map<string, { file: string; span: { start: number; end: number } }>();
    const out: Finding[] = [];
    for (const { file, id, policyId, parsed } of policies) {
      if (!id) continue;
      const prev = first.get(id.value);
      if (!prev) {
        first.set(id.value, { file, span: id.span });
        continue;
      }
      if (!parsed) continue; // no rule fires on a policy that does not parse
      out.push({
        code: 'duplicate-policy-id',
        file,
        message: `another policy already has the id \`${id.value}\`: ids must be unique in a policy set`,
        span: id.span,
        policyId,
        related: [{ file: prev.file, span: prev.span, message: `first policy with the id \`${id.value}\`` }],
      });
    }
    return out;
  },
};
