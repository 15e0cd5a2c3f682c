import { isMap, isPair, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import type { ManifestRule } from './meta';
import type { Finding, Span } from '../types';
import { lineContentEnd } from '../text';
import type { YamlSource } from '../yamlDoc';

export interface SecretPattern {
  /** What the message calls it ("a JWT"): never the value itself. */
  name: string;
  re: RegExp;
  /** A further check of a match, for shapes a regular expression cannot tell from ordinary text. */
  valid?: (match: string) => boolean;
}

/**
 * High-confidence patterns only: formats with a fixed prefix and length (or a checked structure) that
 * ordinary prose, ids and hashes do not match. Well-known documentation placeholders are skipped.
 */
export const SECRET_PATTERNS: SecretPattern[] = [
  { name: 'an AWS access key id', re: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { name: 'a GitHub token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9_]{82}\b/g },
  { name: 'a GitLab token', re: /\bglpat-[A-Za-z0-9_-]{20}\b/g },
  { name: 'a Slack webhook URL', re: /\bhooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{16,}/g },
  { name: 'a Slack token', re: /\bxox[abposre]-[0-9]{6,}-[0-9A-Za-z-]{10,}\b|\bxapp-[0-9]+-[A-Z0-9]+-[0-9]+-[a-f0-9]{32,}\b/g },
  { name: 'a Stripe live key', re: /\b(?:sk|rk)_live_[0-9A-Za-z]{24,}\b/g },
  // Project, service-account and admin keys are long; the marker `T3BlbkFJ` is in many keys but not all.
  { name: 'an OpenAI API key', re: /\bsk-(?!ant-)(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{32,}/g, valid: looksLikeOpenAiKey },
  { name: 'an Anthropic API key', re: /\bsk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,}\b/g },
  { name: 'a Google API key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { name: 'a Google OAuth client secret', re: /\bGOCSPX-[A-Za-z0-9_-]{24,40}(?![A-Za-z0-9_-])/g },
  { name: 'an npm token', re: /\bnpm_[A-Za-z0-9]{36}\b/g },
  // Three base64url parts; the header (`eyJ` is `{"`) must decode to a JSON object.
  { name: 'a JWT', re: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, valid: hasJwtHeader },
  { name: 'a private key', re: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----/g },
];

/** Something every pattern above needs (a cheap test before running them all on each of many scalars). */
const ANY_PREFIX = /A(?:KIA|SIA|BIA|CCA|Iza)|gh[pousr]_|github_pat_|glpat-|hooks\.slack\.com|xox|xapp-|_live_|sk-|GOCSPX-|npm_|eyJ|PRIVATE KEY/;

const PLACEHOLDER = /EXAMPLE|example|XXXXXXXX|xxxxxxxx|0000000000000000/;

/** A key without the marker must look random: upper case, lower case and digits, few separators. */
function looksLikeOpenAiKey(match: string): boolean {
  if (match.includes('T3BlbkFJ')) return true;
  const body = match.replace(/^sk-(?:(?:proj|svcacct|admin)-)?/, '');
  const separators = (body.match(/[-_]/g) ?? []).length;
  return /[A-Z]/.test(body) && /[a-z]/.test(body) && /[0-9]/.test(body) && separators * 10 <= body.length;
}

function hasJwtHeader(match: string): boolean {
  const header = match.slice(0, match.indexOf('.'));
  try {
    const json = atob(header.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (header.length % 4)) % 4));
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The kinds of secret in `value`, each once. */
export function secretKinds(value: string): string[] {
  const kinds: string[] = [];
  if (!ANY_PREFIX.test(value)) return kinds;
  for (const { name, re, valid } of SECRET_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(value); m; m = re.exec(value)) {
      if (PLACEHOLDER.test(m[0]) || (valid && !valid(m[0]))) continue;
      kinds.push(name);
      break;
    }
  }
  return kinds;
}

/** Every match in `text`, with its span. */
function secretMatches(text: string): { name: string; span: Span }[] {
  const out: { name: string; span: Span }[] = [];
  for (const { name, re, valid } of SECRET_PATTERNS) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (PLACEHOLDER.test(m[0]) || (valid && !valid(m[0]))) continue;
      out.push({ name, span: { start: m.index, end: m.index + m[0].length } });
    }
  }
  return out;
}

/**
 * What a program reading the file gets from a scalar, and the same with its line folds removed when it spans
 * several lines (a key folded over lines reads `AKIA… …` with a space, or as two halves).
 */
function scalarValues(node: Scalar, text: string): string[] {
  const [start, end] = node.range ?? [0, 0];
  const value = typeof node.value === 'string' ? node.value : typeof node.source === 'string' ? node.source : '';
  const source = text.slice(start, end);
  if (!/[\r\n]/.test(source.trimEnd())) return [value];
  const unfold = (s: string) => s.replace(/[ \t]*(?:\r\n|\r|\n)[ \t]*/g, '');
  let joined: string | undefined;
  switch (node.type) {
    case 'PLAIN':
      joined = unfold(source.trimEnd());
      break;
    case 'BLOCK_FOLDED':
    case 'BLOCK_LITERAL':
      // Without the header line (`>-`, `|2 # comment`).
      joined = unfold(source.replace(/^[^\r\n]*(?:\r\n|\r|\n)/, '').trimEnd());
      break;
    case 'QUOTE_SINGLE':
      joined = unfold(source).slice(1, -1).replace(/''/g, "'");
      break;
    case 'QUOTE_DOUBLE': {
      // The escapes decoded on the joined source (an escaped line break joins without a space already).
      const doc = parseDocument(unfold(source.replace(/\\(?:\r\n|\r|\n)[ \t]*/g, '')), { strict: true });
      joined = doc.errors.length === 0 && isScalar(doc.contents) && typeof doc.contents.value === 'string' ? doc.contents.value : undefined;
      break;
    }
  }
  return joined === undefined || joined === value ? [value] : [value, joined];
}

/** Whether `span` overlaps one of `sorted` (spans sorted by start, not overlapping each other). */
function overlapsAny(sorted: Span[], span: Span): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const s = sorted[mid]!;
    if (s.end <= span.start) lo = mid + 1;
    else if (s.start >= span.end) hi = mid - 1;
    else return true;
  }
  return false;
}

function message(name: string): string {
  return `this looks like ${name}: a secret must not live in a manifest. Rotate it, and reference it from your secret store instead`;
}

/**
 * Secrets in one parsed file: every scalar (keys too) is checked by its decoded value and reported at its
 * range; the text outside the scalars (comments, and whatever the parser did not reach: a later document,
 * the rest of a broken file) is scanned as written and reported at the match.
 */
export function findSecrets(source: YamlSource): Finding[] {
  const { text, doc } = source;
  const out: Finding[] = [];
  const scalars: Span[] = [];
  // Every scalar, keys included (an explicit stack: nesting depth is the user's).
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node) || isSeq(node)) for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
    else if (isPair(node)) stack.push(node.value, node.key);
    else if (isScalar(node) && node.range) {
      const [start, valueEnd] = node.range;
      const end = start + text.slice(start, valueEnd).trimEnd().length;
      if (end <= start) continue;
      // A block scalar's header line (`| # comment`) is not its value: its comment is scanned as text.
      const block = node.type === 'BLOCK_FOLDED' || node.type === 'BLOCK_LITERAL';
      scalars.push({ start: block ? Math.min(end, lineContentEnd(text, start)) : start, end });
      const kinds = new Set(scalarValues(node, text).flatMap(secretKinds));
      for (const name of kinds) out.push({ code: 'secret-in-manifest', message: message(name), span: { start, end } });
    }
  }
  // The text outside the scalars (comments, and what the parser did not reach), as written.
  scalars.sort((a, b) => a.start - b.start);
  for (const { name, span } of secretMatches(text)) if (!overlapsAny(scalars, span)) out.push({ code: 'secret-in-manifest', message: message(name), span });
  return out.sort((a, b) => a.span.start - b.span.start);
}

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
    for (const [file, source] of sources) for (const f of findSecrets(source)) out.push({ ...f, file });
    return out;
  },
};
