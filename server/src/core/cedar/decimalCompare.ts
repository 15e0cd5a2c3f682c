/**
 * JSON Schema `number` is Cedar's `decimal`, which has no `<`: `context.input.issue_number < 100` fails validation with
 * "expected Long but saw decimal". For such a comparison of an attribute with an integer literal, this finds the
 * comparison in the tokens and gives the rewrite Cedar accepts, `context.input.issue_number.lessThan(decimal("100.0"))`,
 * for the message and for a quick fix.
 */
import type { Finding, Fix, Span } from '../types';
import type { Token } from './split';

const METHOD: Record<string, string> = { '<': 'lessThan', '<=': 'lessThanOrEqual', '>': 'greaterThan', '>=': 'greaterThanOrEqual' };
/** `a < b` is `b > a`. */
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };
/** The largest integer part a Cedar decimal holds. */
const MAX_DECIMAL_INT = 922337203685477n;

interface Operand {
  /** Token indexes, inclusive. */
  from: number;
  to: number;
}

/** The rewrite of the comparison a decimal-vs-Long finding is about, or undefined when it is not a plain `path op integer`. */
export function decimalComparison(f: Finding, file: string, text: string, tokens: Token[]): { help: string; fix: Fix } | undefined {
  if (f.code !== 'cedar-validation') return undefined;
  const relational = /^unexpected type: expected Long but saw decimal/.test(f.message);
  const equality = /^the types (Long and decimal|decimal and Long) are not compatible/.test(f.message);
  if (!relational && !equality) return undefined;
  const first = tokens.findIndex((t) => t.start >= f.span.start);
  let last = first;
  while (last + 1 < tokens.length && tokens[last + 1]!.end <= f.span.end) last++;
  if (first < 0 || tokens[last]!.end > f.span.end) return undefined;

  let path: Operand;
  let literal: Operand;
  let op: string;
  if (relational) {
    // The span is the decimal operand; the integer is on the other side of the operator.
    path = { from: first, to: last };
    const after = tokens[last + 1]?.value;
    const before = tokens[first - 1]?.value;
    if (after !== undefined && after in METHOD) {
      literal = integerAt(tokens, last + 2) ?? { from: -1, to: -1 };
      op = after;
    } else if (before !== undefined && before in METHOD) {
      literal = integerEndingAt(tokens, first - 2) ?? { from: -1, to: -1 };
      op = FLIPPED[before]!;
    } else return undefined;
  } else {
    // The span is the whole `a == b`.
    const at = tokens.findIndex((t, i) => i >= first && i <= last && t.kind === 'punct' && (t.value === '==' || t.value === '!='));
    if (at < 0) return undefined;
    op = tokens[at]!.value;
    const left = { from: first, to: at - 1 };
    const right = { from: at + 1, to: last };
    const lit = (o: Operand) => (integerAt(tokens, o.from)?.to === o.to ? o : undefined);
    if (lit(right)) [path, literal] = [left, right];
    else if (lit(left)) [path, literal] = [right, left];
    else return undefined;
  }
  if (literal.from < 0 || !isAccessPath(tokens, path) || TIGHTER.has(tokens[path.to + 1]?.value ?? '') || TIGHTER.has(tokens[path.from - 1]?.value ?? '')) return undefined;
  const value = tokens.slice(literal.from, literal.to + 1).map((t) => t.value).join('');
  if (BigInt(value.replace('-', '')) > MAX_DECIMAL_INT) return undefined;
  const attr = text.slice(tokens[path.from]!.start, tokens[path.to]!.end);
  const dec = `decimal("${value}.0")`;
  const rewrite = op in METHOD ? `${attr}.${METHOD[op]}(${dec})` : `${attr} ${op} ${dec}`;
  const span: Span = { start: tokens[Math.min(path.from, literal.from)]!.start, end: tokens[Math.max(path.to, literal.to)]!.end };
  const argument = /^context\.input\./.test(attr) ? ' (the tool\'s JSON Schema says `number`)' : '';
  const long = argument ? ', or, if the tool only ever sends integers, map the argument to Long with `number_as_long` in the manifest' : '';
  return {
    help: `\`${attr}\` is a \`decimal\`${argument}: compare it with a decimal, \`${rewrite}\`${long}`,
    fix: { title: `Compare as decimals: ${rewrite}`, preferred: true, edits: [{ file, span, newText: rewrite }] },
  };
}

/** Tokens that bind tighter than a comparison: an operand next to one is part of a larger expression. */
const TIGHTER = new Set(['+', '-', '*', '!', '.', '[']);
const endsOperand = (t: Token | undefined) => !!t && (t.kind === 'ident' || t.kind === 'number' || t.kind === 'string' || t.value === ')' || t.value === ']');

/** An integer literal (`100`, `-5`) starting at token `i` and standing alone up to the next comparison or `&&`. */
function integerAt(tokens: Token[], i: number): Operand | undefined {
  const lit = tokens[i]?.kind === 'number' ? { from: i, to: i } : tokens[i]?.value === '-' && tokens[i + 1]?.kind === 'number' ? { from: i, to: i + 1 } : undefined;
  return lit && !TIGHTER.has(tokens[lit.to + 1]?.value ?? '') ? lit : undefined;
}

/** An integer literal ending at token `i`, standing alone after the previous comparison or `&&`. */
function integerEndingAt(tokens: Token[], i: number): Operand | undefined {
  if (tokens[i]?.kind !== 'number') return undefined;
  let from = i;
  if (tokens[i - 1]?.value === '-') {
    if (endsOperand(tokens[i - 2])) return undefined; // `a - 5 < x`: the operand is `a - 5`
    from = i - 1;
  }
  return TIGHTER.has(tokens[from - 1]?.value ?? '') ? undefined : { from, to: i };
}

/** `a.b.c` or `a["b"].c`: a variable and its attributes, nothing else. */
function isAccessPath(tokens: Token[], o: Operand): boolean {
  if (tokens[o.from]?.kind !== 'ident') return false;
  for (let i = o.from + 1; i <= o.to; ) {
    if (tokens[i]?.value === '.' && tokens[i + 1]?.kind === 'ident') i += 2;
    else if (tokens[i]?.value === '[' && tokens[i + 1]?.kind === 'string' && tokens[i + 2]?.value === ']') i += 3;
    else return false;
  }
  return true;
}
