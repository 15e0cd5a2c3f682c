import { TimeSlice } from '../timeSlice';
import { detach } from '../text';
import type { Span } from '../types';

function runSteps<T>(gen: Generator<void, T>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

export type TokenKind = 'ident' | 'string' | 'number' | 'punct' | 'slot' | 'comment' | 'unknown';

export interface Token {
  kind: TokenKind;
  start: number;
  end: number;
  /** Identifier or punctuation text; for strings, the text between the quotes, still escaped. */
  value: string;
  /** A string whose closing `"` is missing: it runs to the end of the text. */
  unterminated?: boolean;
}

const PUNCT2 = ['::', '==', '!=', '<=', '>=', '&&', '||'];

/** Tokenizes Cedar text. Never fails: anything unexpected becomes an `unknown` token. */
export function tokenize(text: string): Token[] {
  return runSteps(tokenizeSteps(text));
}

/** `tokenize` in time slices (see TimeSlice). */
export function* tokenizeSteps(text: string, slice = new TimeSlice()): Generator<void, Token[]> {
  const out: Token[] = [];
  for (let t = lexAt(text, 0); t; t = lexAt(text, t.end)) {
    if (slice.due()) yield;
    out.push(t);
  }
  return out;
}

/**
 * The token at or after `i` (whitespace skipped), or undefined at the end. The lexer keeps no state between tokens:
 * from the start of a token, what follows depends only on the text from there on (which `resplit` relies on).
 */
function lexAt(text: string, i: number): Token | undefined {
  const n = text.length;
  for (;;) {
    if (i >= n) return undefined;
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) i++;
    else break;
  }
  const start = i;
  const c = text.charCodeAt(i);
  if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
    while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
    return { kind: 'comment', start, end: i, value: text.slice(start, i) };
  }
  if (c === 34 /* " */) {
    i++;
    let closed = false;
    while (i < n) {
      const d = text.charCodeAt(i);
      if (d === 92 /* \ */) i += 2;
      else if (d === 34) {
        i++;
        closed = true;
        break;
      } else i++;
    }
    i = Math.min(i, n);
    const tok: Token = { kind: 'string', start, end: i, value: text.slice(start + 1, closed ? i - 1 : i) };
    if (!closed) tok.unterminated = true;
    return tok;
  }
  if (isIdentStart(c)) {
    while (i < n && isIdentPart(text.charCodeAt(i))) i++;
    return { kind: 'ident', start, end: i, value: text.slice(start, i) };
  }
  if (c === 63 /* ? */ && i + 1 < n && isIdentStart(text.charCodeAt(i + 1))) {
    i++;
    while (i < n && isIdentPart(text.charCodeAt(i))) i++;
    return { kind: 'slot', start, end: i, value: text.slice(start, i) };
  }
  if (c >= 48 && c <= 57) {
    while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    return { kind: 'number', start, end: i, value: text.slice(start, i) };
  }
  const two = text.slice(i, i + 2);
  if (PUNCT2.includes(two)) {
    i += 2;
  } else if ('(){}[];,.@<>!=+-*:'.includes(text[i]!)) {
    i += 1;
  } else {
    // A whole code point, so that a surrogate pair is never split.
    i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    return { kind: 'unknown', start, end: i, value: text.slice(start, i) };
  }
  return { kind: 'punct', start, end: i, value: text.slice(start, i) };
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdentPart(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}

export interface PolicySlice {
  /** 0-based position of the policy in its file; default ids are `policy<index>`. */
  index: number;
  /** From the first leading comment (or annotation, or effect) through the `;`. */
  span: Span;
  /** From the first annotation (or effect) through the `;` (no leading comments). */
  bodySpan: Span;
  effect?: 'permit' | 'forbid';
  effectSpan?: Span;
  /** Spans of the three scope elements, e.g. `principal in Role::"x"`, when the head is well formed. */
  scope?: { principal: Span; action: Span; resource: Span };
  /** Through the `)` that closes the scope. */
  headSpan?: Span;
  /** `@id("...")`, unescaped, with the span of the string literal. */
  id?: { value: string; span: Span };
  annotations: { name: string; span: Span }[];
  /** Comments directly above the policy (no blank line between), in order. */
  leadingComments: { text: string; span: Span }[];
  isTemplate: boolean;
  /** True when the policy ends with its own `;` (false for a trailing policy or when a `;` is missing). */
  terminated: boolean;
  /** Whether a condition (`when`/`unless`) follows the head. */
  hasConditions: boolean;
}

/**
 * Splits a policy file into its policies without parsing them: `;` inside strings and comments does not
 * separate, an unclosed bracket does not swallow the next policy (a `;` always ends one, and so does an
 * `@id(`, `permit (` or `forbid (` at the start of a line), and a policy whose `;` is missing does not
 * swallow the next one either (a new `@annotation`, `permit` or `forbid` at the top level starts a new policy).
 */
export function splitPolicies(text: string, tokens: Token[] = tokenize(text)): PolicySlice[] {
  return runSteps(splitPoliciesSteps(text, tokens));
}

/** `splitPolicies` in time slices (see TimeSlice). */
export function* splitPoliciesSteps(text: string, tokens: Token[], slice = new TimeSlice()): Generator<void, PolicySlice[]> {
  const state = new SplitState(text, tokens, []);
  for (let k = 0; k < tokens.length; k++) {
    if (slice.due()) yield;
    state.feed(k);
  }
  state.flush(false);
  return state.slices;
}

/** The splitter, one token at a time. Right after a policy that ends with its `;`, its state is that `;` alone. */
class SplitState {
  private cur: Token[] = [];
  private depth = 0;
  private effectSeen = false;
  private pendingComments: Token[] = [];

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
    readonly slices: PolicySlice[],
  ) {}

  flush(terminated: boolean) {
    if (this.cur.length === 0) return;
    this.slices.push(makeSlice(this.cur, this.pendingComments, this.slices.length, terminated));
    this.cur = [];
    this.depth = 0;
    this.effectSeen = false;
    this.pendingComments = [];
  }

  /** Takes token `k`; true when it ended a policy (its `;`). */
  feed(k: number): boolean {
    const { text, tokens } = this;
    const t = tokens[k]!;
    if (t.kind === 'comment') {
      if (this.cur.length === 0) {
        // A blank line between comments detaches the earlier ones from the policy below.
        const prev = this.pendingComments[this.pendingComments.length - 1];
        if (prev && hasBlankLine(text, prev.end, t.start)) this.pendingComments = [];
        const lastSliceEnd = this.slices.length ? this.slices[this.slices.length - 1]!.span.end : -1;
        if (lastSliceEnd >= 0 && !text.slice(lastSliceEnd, t.start).includes('\n')) return false; // trailing comment on the `;` line
        this.pendingComments.push(t);
      }
      return false;
    }
    if (this.cur.length === 0) {
      const prev = this.pendingComments[this.pendingComments.length - 1];
      if (prev && hasBlankLine(text, prev.end, t.start)) this.pendingComments = [];
    }
    const prevTok = this.cur[this.cur.length - 1];
    const afterDot = prevTok?.kind === 'punct' && prevTok.value === '.';
    if (this.depth === 0 && this.effectSeen && !afterDot && ((t.kind === 'ident' && (t.value === 'permit' || t.value === 'forbid')) || (t.kind === 'punct' && t.value === '@'))) {
      this.flush(false);
    } else if (this.depth > 0 && !afterDot && startsPolicyAtLineStart(text, tokens, k)) {
      // An unclosed bracket would swallow the policies after it. Neither `@id(` nor `permit (`/`forbid (` can
      // occur inside a policy, so at the start of a line they begin the next one: each gets its own diagnostics.
      // (The simulator does not rely on this guess: see `blockingReason` in policyCheck.)
      this.flush(false);
    }
    this.cur.push(t);
    if (t.kind === 'punct') {
      if (t.value === '(' || t.value === '{' || t.value === '[') this.depth++;
      else if (t.value === ')' || t.value === '}' || t.value === ']') this.depth = Math.max(0, this.depth - 1);
      else if (t.value === ';') {
        // `;` only ever ends a policy in Cedar, so it ends one even inside an unclosed `(` or `{`.
        this.flush(true);
        return true;
      }
    }
    if (this.depth === 0 && t.kind === 'ident' && (t.value === 'permit' || t.value === 'forbid') && !afterDot) this.effectSeen = true;
    return false;
  }
}

export interface SplitResult {
  tokens: Token[];
  slices: PolicySlice[];
}

/**
 * Tokens and policies of `text`, from those of an earlier version of it: only the policies around the change are
 * lexed and split again; the ones before it are kept as they are, the ones after it shifted. `carried[i]` is the index
 * in the earlier version of new policy `i` when its text is the same (else undefined). Identical to `tokenize` +
 * `splitPolicies` on the new text (a test compares them on random edits).
 *
 * Why it is exact: the change starts at `pre` and the texts agree again on their last `suf` characters. Lexing
 * restarts at the `;` that ends the last terminated policy before the change (the lexer and the splitter keep no
 * state past a terminated policy but where it ended); the lexer is in step again at the first token that starts in
 * the common suffix where an old token started, and the splitter at the first `;` after that which ended an old policy.
 */
export function resplit(oldText: string, old: SplitResult, text: string, inPlace = false): SplitResult & { carried: (number | undefined)[] } {
  const oldLen = oldText.length;
  const n = text.length;
  const lim = Math.min(oldLen, n);
  const pre = commonPrefix(oldText, text, lim);
  if (pre === oldLen && pre === n) return { ...old, carried: old.slices.map((_, i) => i) };
  const suf = commonSuffix(oldText, text, lim - pre);
  const delta = n - oldLen;

  // The policies before the change that end with their own `;` are kept.
  let j = lowerBound(old.slices.length, (i) => old.slices[i]!.span.end > pre);
  while (j > 0 && !old.slices[j - 1]!.terminated) j--;
  const startPos = j > 0 ? old.slices[j - 1]!.span.end : 0;
  const kStart = lowerBound(old.tokens.length, (i) => old.tokens[i]!.start >= startPos);

  // Lex from there until a token starts in the common suffix where an old token started: the rest is the old tokens.
  const fresh: Token[] = [];
  let syncOld = -1;
  for (let t = lexAt(text, startPos); t; t = lexAt(text, t.end)) {
    if (t.start >= n - suf) {
      const at = t.start - delta;
      const o = lowerBound(old.tokens.length, (i) => old.tokens[i]!.start >= at);
      if (o < old.tokens.length && old.tokens[o]!.start === at) {
        syncOld = o;
        break;
      }
    }
    // Kept across versions (shifted): a value cut from this version's text would keep all of it alive.
    if (t.value.length >= 13) t.value = detach(t.value);
    fresh.push(t);
  }
  const syncNew = kStart + fresh.length;
  let tokens: Token[];
  if (inPlace && syncOld >= 0 && fresh.length <= 10_000) {
    // In place, the old tokens after the change are moved and the array is spliced rather than copied: at 10,000
    // policies a copy is half a million objects a keystroke (the old result no longer describes its text after this).
    for (let k = syncOld; k < old.tokens.length; k++) {
      const t = old.tokens[k]!;
      t.start += delta;
      t.end += delta;
    }
    tokens = old.tokens;
    tokens.splice(kStart, syncOld - kStart, ...fresh);
  } else {
    tokens = old.tokens.slice(0, kStart);
    for (const t of fresh) tokens.push(t);
    if (syncOld >= 0) for (let k = syncOld; k < old.tokens.length; k++) tokens.push(shiftToken(old.tokens[k]!, delta));
  }

  // Split from the kept policies until a `;` in step with the old tokens ended an old policy: the rest is the old policies.
  const state = new SplitState(text, tokens, old.slices.slice(0, j));
  let synced = -1;
  for (let k = kStart; k < tokens.length; k++) {
    if (!state.feed(k) || syncOld < 0 || k < syncNew) continue;
    const end = tokens[k]!.end - delta;
    const m = lowerBound(old.slices.length, (i) => old.slices[i]!.span.end >= end);
    if (m < old.slices.length && old.slices[m]!.span.end === end && old.slices[m]!.terminated) {
      synced = m;
      break;
    }
  }
  const carried: (number | undefined)[] = old.slices.slice(0, j).map((_, i) => i);
  if (synced < 0) {
    state.flush(false);
    for (let i = j; i < state.slices.length; i++) carried.push(undefined);
    return { tokens, slices: state.slices, carried };
  }
  const slices = state.slices;
  for (let i = j; i < slices.length; i++) carried.push(undefined);
  const indexShift = slices.length - (synced + 1);
  for (let m = synced + 1; m < old.slices.length; m++) {
    carried.push(m);
    slices.push(shiftSlice(old.slices[m]!, delta, m + indexShift));
  }
  return { tokens, slices, carried };
}

/** Block size for comparing texts: whole blocks are compared natively, only the block that differs char by char. */
const BLOCK = 1024;

function commonPrefix(a: string, b: string, lim: number): number {
  let i = 0;
  while (i + BLOCK <= lim && a.slice(i, i + BLOCK) === b.slice(i, i + BLOCK)) i += BLOCK;
  while (i < lim && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function commonSuffix(a: string, b: string, lim: number): number {
  const an = a.length;
  const bn = b.length;
  let i = 0;
  while (i + BLOCK <= lim && a.slice(an - i - BLOCK, an - i) === b.slice(bn - i - BLOCK, bn - i)) i += BLOCK;
  while (i < lim && a.charCodeAt(an - 1 - i) === b.charCodeAt(bn - 1 - i)) i++;
  return i;
}

/** The first index in [0, n) for which `ok` holds (it must hold for every index after it), else n. */
function lowerBound(n: number, ok: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function shiftToken(t: Token, d: number): Token {
  const out: Token = { kind: t.kind, start: t.start + d, end: t.end + d, value: t.value };
  if (t.unterminated) out.unterminated = true;
  return out;
}

const shiftSpan = (s: Span, d: number): Span => ({ start: s.start + d, end: s.end + d });

function shiftSlice(s: PolicySlice, d: number, index: number): PolicySlice {
  if (d === 0 && index === s.index) return s;
  const out: PolicySlice = {
    ...s,
    index,
    span: shiftSpan(s.span, d),
    bodySpan: shiftSpan(s.bodySpan, d),
    annotations: s.annotations.map((a) => ({ name: a.name, span: shiftSpan(a.span, d) })),
    leadingComments: s.leadingComments.map((c) => ({ text: c.text, span: shiftSpan(c.span, d) })),
  };
  if (s.effectSpan) out.effectSpan = shiftSpan(s.effectSpan, d);
  if (s.headSpan) out.headSpan = shiftSpan(s.headSpan, d);
  if (s.scope) out.scope = { principal: shiftSpan(s.scope.principal, d), action: shiftSpan(s.scope.action, d), resource: shiftSpan(s.scope.resource, d) };
  if (s.id) out.id = { value: s.id.value, span: shiftSpan(s.id.span, d) };
  return out;
}

/** `@id(`, `permit (` or `forbid (` whose first token is the first thing on its line. */
function startsPolicyAtLineStart(text: string, tokens: Token[], k: number): boolean {
  const t = tokens[k]!;
  const next = tokens[k + 1];
  const starts =
    t.kind === 'punct' && t.value === '@'
      ? next?.kind === 'ident' && next.value === 'id' && tokens[k + 2]?.kind === 'punct' && tokens[k + 2]!.value === '('
      : t.kind === 'ident' && (t.value === 'permit' || t.value === 'forbid') && next?.kind === 'punct' && next.value === '(';
  if (!starts) return false;
  for (let i = t.start - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9 && c !== 0xfeff) return false;
  }
  return true;
}

function hasBlankLine(text: string, from: number, to: number): boolean {
  return /\n[ \t]*\r?\n/.test(text.slice(from, to));
}

function makeSlice(toks: Token[], comments: Token[], index: number, terminated: boolean): PolicySlice {
  const first = toks[0]!;
  const last = toks[toks.length - 1]!;
  const span = { start: comments.length ? comments[0]!.start : first.start, end: last.end };
  const slice: PolicySlice = {
    index,
    span,
    bodySpan: { start: first.start, end: last.end },
    annotations: [],
    leadingComments: comments.map((c) => ({ text: c.value, span: { start: c.start, end: c.end } })),
    isTemplate: toks.some((t) => t.kind === 'slot'),
    terminated,
    hasConditions: false,
  };
  let k = 0;
  // Annotations: @name or @name("value")
  while (k < toks.length && toks[k]!.kind === 'punct' && toks[k]!.value === '@') {
    const nameTok = toks[k + 1];
    if (!nameTok || nameTok.kind !== 'ident') break;
    let end = nameTok.end;
    let value: Token | undefined;
    if (toks[k + 2]?.value === '(' && toks[k + 3]?.kind === 'string' && toks[k + 4]?.value === ')') {
      value = toks[k + 3];
      end = toks[k + 4]!.end;
      k += 5;
    } else k += 2;
    slice.annotations.push({ name: nameTok.value, span: { start: toks[k - (value ? 5 : 2)]!.start, end } });
    if (nameTok.value === 'id' && value && !slice.id) slice.id = { value: unescapeCedarString(value.value), span: { start: value.start, end: value.end } };
  }
  const eff = toks[k];
  if (eff?.kind === 'ident' && (eff.value === 'permit' || eff.value === 'forbid')) {
    slice.effect = eff.value;
    slice.effectSpan = { start: eff.start, end: eff.end };
    if (toks[k + 1]?.value === '(') {
      // Scope: three comma-separated elements at depth 1, closed by `)`.
      const parts: Span[] = [];
      let depth = 0;
      let partStart: number | undefined;
      let partEnd = 0;
      let m = k + 2;
      for (; m < toks.length; m++) {
        const t = toks[m]!;
        if (t.kind === 'punct' && (t.value === '(' || t.value === '[' || t.value === '{')) depth++;
        if (t.kind === 'punct' && (t.value === ')' || t.value === ']' || t.value === '}')) {
          if (depth === 0) {
            if (partStart !== undefined) parts.push({ start: partStart, end: partEnd });
            break;
          }
          depth--;
        }
        if (depth === 0 && t.kind === 'punct' && t.value === ',') {
          if (partStart !== undefined) parts.push({ start: partStart, end: partEnd });
          partStart = undefined;
          continue;
        }
        if (partStart === undefined) partStart = t.start;
        partEnd = t.end;
      }
      if (m < toks.length) {
        slice.headSpan = { start: eff.start, end: toks[m]!.end };
        if (parts.length === 3) slice.scope = { principal: parts[0]!, action: parts[1]!, resource: parts[2]! };
        const next = toks[m + 1];
        slice.hasConditions = next?.kind === 'ident' && (next.value === 'when' || next.value === 'unless');
      }
    }
  }
  return slice;
}

/** A Cedar string literal for `s` (JSON's escapes, but `\u{…}` for a code unit JSON would write as `\uXXXX`). */
export function cedarStringLiteral(s: string): string {
  return JSON.stringify(s).replace(/\\(u([0-9a-fA-F]{4})|.)/g, (all: string, _esc: string, hex?: string) => (hex ? `\\u{${hex}}` : all));
}

/** Unescapes the body of a Cedar string literal (\n, \t, \", \\, \u{...}). Invalid escapes are kept as written. */
export function unescapeCedarString(body: string): string {
  return body.replace(/\\(u\{([0-9a-fA-F]{1,6})\}|.)/g, (all, esc: string, hex?: string) => {
    if (hex) {
      const cp = parseInt(hex, 16);
      return cp <= 0x10ffff ? String.fromCodePoint(cp) : all;
    }
    switch (esc) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
        return '\0';
      case '\\':
        return '\\';
      case '"':
        return '"';
      case "'":
        return "'";
      case '*':
        return '\\*';
      default:
        return all;
    }
  });
}
