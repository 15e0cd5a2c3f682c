import type { Span } from '../types';
import { unescapeCedarString, type Token } from './split';

/** An attribute access written in a policy (`context.input.sort`, `context.input["sort"]`, `context.input has sort`), read from its tokens. */
export interface TokenPath {
  /** The variable and the attribute names, as written: `['context', 'input', 'sort']`. */
  names: string[];
  /** Index of the token of each name, the variable's first. */
  at: number[];
  /** The last name is the operand of `has`. */
  viaHas: boolean;
}

const VARIABLES = new Set(['principal', 'action', 'resource', 'context']);

/**
 * Every access path that starts at a variable inside `span`. The Cedar AST has no positions: rules find a path there,
 * then its place here (the policy's own tokens, so no other policy's text is read).
 */
export function tokenPaths(tokens: readonly Token[], span: Span): TokenPath[] {
  const out: TokenPath[] = [];
  // The first token of the span (tokens are in file order: a file of thousands of policies is not walked per policy).
  let lo = 0;
  for (let hi = tokens.length; lo < hi; ) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < span.start) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < tokens.length && tokens[i]!.start < span.end; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !VARIABLES.has(t.value) || tokens[i - 1]?.value === '.') continue;
    const path: TokenPath = { names: [t.value], at: [i], viaHas: false };
    let k = i + 1;
    for (;;) {
      const a = tokens[k];
      const b = tokens[k + 1];
      // `.contains(` is a method call, not an attribute.
      if (a?.value === '.' && b?.kind === 'ident' && tokens[k + 2]?.value !== '(') {
        path.names.push(b.value);
        path.at.push(k + 1);
        k += 2;
      } else if (a?.value === '[' && b?.kind === 'string' && tokens[k + 2]?.value === ']') {
        path.names.push(unescapeCedarString(b.value));
        path.at.push(k + 1);
        k += 3;
      } else if (a?.kind === 'ident' && a.value === 'has' && (b?.kind === 'ident' || b?.kind === 'string')) {
        path.names.push(b.kind === 'string' ? unescapeCedarString(b.value) : b.value);
        path.at.push(k + 1);
        path.viaHas = true;
        break;
      } else break;
    }
    out.push(path);
  }
  return out;
}

/** The span of a path up to and including its `n`-th name (0: the variable). */
export function pathSpan(tokens: readonly Token[], p: TokenPath, n: number): Span {
  const at = p.at[n]!;
  const closing = tokens[at - 1]?.value === '[' && tokens[at + 1]?.value === ']' ? tokens[at + 1]! : tokens[at]!;
  return { start: tokens[p.at[0]!]!.start, end: closing.end };
}
