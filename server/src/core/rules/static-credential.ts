import { ruleOption } from '../config';
import { parseDuration } from '../manifest/model';
import type { ManifestRule } from './meta';
import type { Finding } from '../types';

export const rule: ManifestRule = {
  kind: 'manifest',
  meta: {
    id: 'static-credential',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    description: 'An agent whose identity is a shared service account or a static API key, or whose credential lives longer than `maxCredentialTtl`.',
    rationale:
      'An agent is a workload with its own, short-lived identity. A shared service account makes every agent that uses it indistinguishable to the policies; a static key or a long-lived token keeps working long after it leaked.',
    options: { maxCredentialTtl: { description: 'The longest acceptable credential lifetime (a duration such as 15m, 1h, 1d).', default: '1h', format: 'duration' } },
  },
  check({ manifest, config }) {
    if (!manifest) return [];
    const maxText = String(ruleOption(config, 'static-credential', 'maxCredentialTtl'));
    const max = parseDuration(maxText) ?? 3_600_000;
    const out: Finding[] = [];
    for (const a of manifest.agents) {
      const id = a.identity;
      if (!id) continue;
      if ((id.kind === 'api-key' || id.kind === 'service-account') && id.kindSpan) {
        out.push({
          code: 'static-credential',
          message:
            id.kind === 'api-key'
              ? `agent \`${a.id}\` authenticates with a static API key: give it a workload identity (\`kind: workload\`) or OAuth with a short \`ttl\``
              : `agent \`${a.id}\` runs as a shared service account, so policies cannot tell it from the other agents that use it: give it its own workload identity`,
          span: id.kindSpan,
        });
      }
      if (id.ttlMs !== undefined && id.ttlMs > max && id.ttlSpan) {
        out.push({ code: 'static-credential', message: `agent \`${a.id}\` has a credential that lives ${id.ttl}, longer than the ${maxText} allowed (maxCredentialTtl)`, span: id.ttlSpan });
      }
    }
    return out;
  },
};
