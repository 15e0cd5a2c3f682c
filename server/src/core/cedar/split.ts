import { TimeSlice } from '../timeSlice';
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
  let i = 0;
  const n = text.length;
  while (i < n) {
    if (slice.due()) yield;
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) {
      i++;
      continue;
    }
    const start = i;
    if (c === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      out.push({ kind: 'comment', start, end: i, value: text.slice(start, i) });
      continue;
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
      out.push(tok);
      continue;
    }
    if (isIdentStart(c)) {
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      out.push({ kind: 'ident', start, end: i, value: text.slice(start, i) });
      continue;
    }
    if (c === 63 /* ? */ && i + 1 < n && isIdentStart(text.charCodeAt(i + 1))) {
      i++;
      while (i < n && isIdentPart(text.charCodeAt(i))) i++;
      out.push({ kind: 'slot', start, end: i, value: text.slice(start, i) });
      continue;
    }
    if (c >= 48 && c <= 57) {
      while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
      out.push({ kind: 'number', start, end: i, value: text.slice(start, i) });
      continue;
    }
    const two = text.slice(i, i + 2);
    if (PUNCT2.includes(two)) {
      i += 2;
    } else if ('(){}[];,.@<>!=+-*:'.includes(text[i]!)) {
      i += 1;
    } else {
      // A whole code point, so that a surrogate pair is never split.
      i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      out.push({ kind: 'unknown', start, end: i, value: text.slice(start, i) });
      continue;
    }
    out.push({ kind: 'punct', start, end: i, value: text.slice(start, i) });
  }
  return out;
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
  const slices: PolicySlice[] = [];
  let cur: Token[] = [];
  let depth = 0;
  let effectSeen = false;
  let pendingComments: Token[] = [];

  const flush = (terminated: boolean) => {
    if (cur.length === 0) return;
    slices.push(makeSlice(cur, pendingComments, slices.length, terminated));
    cur = [];
    depth = 0;
    effectSeen = false;
    pendingComments = [];
  };

  for (let k = 0; k < tokens.length; k++) {
    if (slice.due()) yield;
    const t = tokens[k]!;
    if (t.kind === 'comment') {
      if (cur.length === 0) {
        // A blank line between comments detaches the earlier ones from the policy below.
        const prev = pendingComments[pendingComments.length - 1];
        if (prev && hasBlankLine(text, prev.end, t.start)) pendingComments = [];
        const lastSliceEnd = slices.length ? slices[slices.length - 1]!.span.end : -1;
        if (lastSliceEnd >= 0 && !text.slice(lastSliceEnd, t.start).includes('\n')) continue; // trailing comment on the `;` line
        pendingComments.push(t);
      }
      continue;
    }
    if (cur.length === 0) {
      const prev = pendingComments[pendingComments.length - 1];
      if (prev && hasBlankLine(text, prev.end, t.start)) pendingComments = [];
    }
    const prevTok = cur[cur.length - 1];
    const afterDot = prevTok?.kind === 'punct' && prevTok.value === '.';
    if (depth === 0 && effectSeen && !afterDot && ((t.kind === 'ident' && (t.value === 'permit' || t.value === 'forbid')) || (t.kind === 'punct' && t.value === '@'))) {
      flush(false);
    } else if (depth > 0 && !afterDot && startsPolicyAtLineStart(text, tokens, k)) {
      // An unclosed bracket would swallow the policies after it. Neither `@id(` nor `permit (`/`forbid (` can
      // occur inside a policy, so at the start of a line they begin the next one: each gets its own diagnostics.
      // (The simulator does not rely on this guess: see `blockingReason` in policyCheck.)
      flush(false);
    }
    cur.push(t);
    if (t.kind === 'punct') {
      if (t.value === '(' || t.value === '{' || t.value === '[') depth++;
      else if (t.value === ')' || t.value === '}' || t.value === ']') depth = Math.max(0, depth - 1);
      else if (t.value === ';') {
        // `;` only ever ends a policy in Cedar, so it ends one even inside an unclosed `(` or `{`.
        flush(true);
        continue;
      }
    }
    if (depth === 0 && t.kind === 'ident' && (t.value === 'permit' || t.value === 'forbid') && !afterDot) effectSeen = true;
  }
  flush(false);
  return slices;
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
