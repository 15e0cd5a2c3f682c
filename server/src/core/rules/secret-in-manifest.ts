import { isMap, isPair, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import type { ManifestRule } from './meta';
import type { Finding, Span } from '../types';
import { lineContentEnd } from '../text';
import type { YamlSource } from '../yamlDoc';

export interface SecretPattern {
  /** What the message calls it ("a JWT"): never the value itself. */
  name: string;
  /** A global expression whose every attempt is bounded or runs to the end of what it matched (linear time). */
  re?: RegExp;
  /** A further check of a match, for shapes a regular expression cannot tell from ordinary text. */
  valid?: (match: string) => boolean;
  /** Finds the matches itself, where a regular expression would backtrack (a JWT's dotted parts). */
  find?: (text: string) => { index: number; text: string }[];
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
  { name: 'a JWT', find: jwtMatches },
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

function hasJwtHeader(header: string): boolean {
  // Cheap refusals first (no exceptions on the common path: a long run of `eyJ…` parts must stay fast).
  if (header.length % 4 === 1 || !/^[A-Za-z0-9_-]+$/.test(header)) return false;
  try {
    const json = atob(header.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (header.length % 4)) % 4));
    if (!/^\s*\{[^]*\}\s*$/.test(json)) return false;
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/**
 * JWTs: `header.payload.signature`, base64url, the header at least `eyJ` and 8 more characters starting a
 * word and decoding to a JSON object, the payload at least 8 characters. Found by splitting each run of
 * base64url characters and dots at its dots (linear: a regular expression would retry every `eyJ` of a long
 * run to its end).
 */
function jwtMatches(text: string): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  const run = /[A-Za-z0-9_.-]+/g;
  for (let m = run.exec(text); m; m = run.exec(text)) {
    if (!m[0].includes('eyJ')) continue;
    const parts = m[0].split('.');
    let offset = m.index;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const header = i + 2 < parts.length && parts[i + 1]!.length >= 8 ? jwtHeaderIn(part) : undefined;
      if (header !== undefined) {
        const token = `${part.slice(header)}.${parts[i + 1]}.${parts[i + 2]}`;
        out.push({ index: offset + header, text: token });
        offset += part.length + parts[i + 1]!.length + parts[i + 2]!.length + 3;
        i += 2;
        continue;
      }
      offset += part.length + 1;
    }
  }
  return out;
}

/** Where a JWT header starts in one dot-free part (at a word start: the part's start or after a `-`). */
function jwtHeaderIn(part: string): number | undefined {
  const first = part.startsWith('eyJ') ? 0 : part.indexOf('-eyJ') + 1 || -1;
  if (first < 0) return undefined;
  const last = part.lastIndexOf('-eyJ') + 1 || first;
  for (const k of first === last ? [first] : [first, last]) if (part.length - k >= 11 && hasJwtHeader(part.slice(k))) return k;
  return undefined;
}

/** Every match of one pattern in `text` that is not a placeholder. */
function matchesOf(p: SecretPattern, text: string): { index: number; text: string }[] {
  let found: { index: number; text: string }[];
  if (p.find) found = p.find(text);
  else {
    found = [];
    const re = p.re!;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) found.push({ index: m.index, text: m[0] });
  }
  return found.filter((m) => !PLACEHOLDER.test(m.text) && (!p.valid || p.valid(m.text)));
}

/** The kinds of secret in `value`, each once. */
export function secretKinds(value: string): string[] {
  if (!ANY_PREFIX.test(value)) return [];
  return SECRET_PATTERNS.filter((p) => matchesOf(p, value).length > 0).map((p) => p.name);
}

/** Every match in `text`, with its span. */
function secretMatches(text: string): { name: string; span: Span }[] {
  return SECRET_PATTERNS.flatMap((p) => matchesOf(p, text).map((m) => ({ name: p.name, span: { start: m.index, end: m.index + m.text.length } })));
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

const scanned = new WeakMap<YamlSource, Finding[]>();

export const rule: ManifestRule = {
  kind: 'manifest',
  meta: {
    id: 'secret-in-manifest',
    defaultLevel: 'error',
    category: 'security',
    scope: 'manifest',
    description: 'A string in a manifest or an imported tool list that looks like a live secret (cloud keys, provider tokens, private keys).',
    rationale:
      'Manifests are committed, reviewed and copied into CI logs. A credential written into one is a credential leaked: rotate it and reference it from a secret store instead.',
  },
  check({ sources }) {
    const out: Finding[] = [];
    for (const [file, source] of sources) {
      // An imported list is parsed once per text (its source object is kept), so it is scanned once too.
      let found = scanned.get(source);
      if (!found) scanned.set(source, (found = findSecrets(source)));
      for (const f of found) out.push({ ...f, file });
    }
    return out;
  },
};
