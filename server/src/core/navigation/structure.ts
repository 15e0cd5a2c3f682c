/** The bracket structure of a policy, from its tokens: the pairs `( )`, `[ ]`, `{ }` and the `when`/`unless` blocks. */
import type { Span } from '../types';
import type { PolicySlice, Token } from '../cedar/split';

export interface BracketPair {
  open: number;
  /** -1 when the bracket is not closed within the policy. */
  close: number;
}

const OPEN: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The bracket pairs among `tokens[from..to)` (indices into `tokens`), outermost first. Unclosed brackets get close -1. */
export function bracketPairs(tokens: Token[], from = 0, to = tokens.length): BracketPair[] {
  const out: BracketPair[] = [];
  const stack: number[] = [];
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'punct') continue;
    if (OPEN[t.value]) {
      stack.push(out.length);
      out.push({ open: i, close: -1 });
    } else if (t.value === ')' || t.value === ']' || t.value === '}') {
      // Close the nearest bracket of the same kind; brackets opened after it stay unclosed.
      for (let s = stack.length - 1; s >= 0; s--) {
        const pair = out[stack[s]!]!;
        if (OPEN[tokens[pair.open]!.value] === t.value) {
          pair.close = i;
          stack.length = s;
          break;
        }
      }
    }
  }
  return out;
}

/** The token indices `[first, end)` of a policy's body (from its first annotation through its `;`). */
export function tokenRange(tokens: Token[], span: Span): [number, number] {
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < span.start) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < tokens.length && tokens[end]!.end <= span.end) end++;
  return [lo, end];
}

export interface ConditionBlock {
  keyword: 'when' | 'unless';
  /** From the keyword through the closing `}` (or the end of the policy when it is missing). */
  span: Span;
  /** Between the braces. */
  inner: Span;
  open: number;
  close: number;
}

/** The `when { … }` and `unless { … }` blocks of a policy. */
export function conditionBlocks(tokens: Token[], slice: PolicySlice): ConditionBlock[] {
  if (!slice.headSpan) return [];
  const [from, to] = tokenRange(tokens, slice.bodySpan);
  const out: ConditionBlock[] = [];
  const pairs = bracketPairs(tokens, from, to);
  for (const p of pairs) {
    const open = tokens[p.open]!;
    const kw = tokens[p.open - 1];
    if (open.value !== '{' || kw?.kind !== 'ident' || (kw.value !== 'when' && kw.value !== 'unless') || kw.start < slice.headSpan.end) continue;
    const close = p.close >= 0 ? tokens[p.close]! : tokens[to - 1]!;
    out.push({
      keyword: kw.value,
      span: { start: kw.start, end: close.end },
      inner: { start: open.end, end: p.close >= 0 ? close.start : close.end },
      open: p.open,
      close: p.close,
    });
  }
  return out;
}
