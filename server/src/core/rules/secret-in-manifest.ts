import type { ManifestRule } from './meta';
import type { Finding } from '../types';

/**
 * High-confidence patterns only: formats with a fixed prefix and length that ordinary prose, ids and
 * hashes do not match. Well-known documentation placeholders are skipped.
 */
export const SECRET_PATTERNS: { name: string; re: RegExp }[] = [
  { name: 'an AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { name: 'a GitHub token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b/g },
  { name: 'a GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20}\b/g },
  { name: 'a Slack token', re: /\bxox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{10,}\b/g },
  { name: 'a Stripe live key', re: /\b(?:sk|rk)_live_[0-9A-Za-z]{24,}\b/g },
  { name: 'an OpenAI API key', re: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b/g },
  { name: 'an Anthropic API key', re: /\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}\b/g },
  { name: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'an npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { name: 'a private key', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g },
];

const PLACEHOLDER = /EXAMPLE|example|XXXXXXXX|0000000000000000/;

export const rule: ManifestRule = {
  kind: 'manifest',
  meta: {
    id: 'secret-in-manifest',
    defaultLevel: 'error',
    category: 'security',
    description: 'A string in a manifest or an imported tool list that looks like a live secret (cloud keys, provider tokens, private keys).',
    rationale:
      'Manifests are committed, reviewed and copied into CI logs. A credential written into one is a credential leaked: rotate it and reference it from a secret store instead.',
  },
  check({ sources }) {
    const out: Finding[] = [];
    for (const [file, source] of sources) {
      const text = source.text;
      for (const { name, re } of SECRET_PATTERNS) {
        re.lastIndex = 0;
        for (let m = re.exec(text); m; m = re.exec(text)) {
          if (PLACEHOLDER.test(m[0])) continue;
          out.push({
            code: 'secret-in-manifest',
            file,
            message: `this looks like ${name}: a secret must not live in a manifest. Rotate it, and reference it from your secret store instead`,
            span: { start: m.index, end: m.index + m[0].length },
          });
        }
      }
    }
    return out;
  },
};
