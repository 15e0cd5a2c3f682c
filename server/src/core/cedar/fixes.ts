import type { Finding, Fix, Span } from '../types';
import { decimalComparison } from './decimalCompare';
import type { Token } from './split';

/**
 * Quick fixes for engine findings, derived from Cedar's own help text:
 *  - "expected Long but saw decimal" on `x < 100` rewrites it to `x.lessThan(decimal("100.0"))`;
 *  - "did you mean `X`?" replaces the misspelt tool, argument, attribute or type;
 *  - "try testing for the attribute's presence with `… has x && ..`" inserts the guard before the condition.
 */
export function engineFixes(f: Finding, file: string, text: string, tokens: Token[]): Fix[] {
  const decimal = decimalComparison(f, file, text, tokens);
  if (decimal) return [decimal.fix];
  if (f.code !== 'cedar-validation') return [];
  const wrong = text.slice(f.span.start, f.span.end);
  const mean = /did you mean `([^`]+)`\?/.exec(f.message);
  if (mean) {
    const suggestion = mean[1]!;
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(suggestion)) {
      // An attribute: replace the last segment of `a.b.wrong` (or `a["wrong"]`).
      const dot = /\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(wrong);
      if (dot) return [replace(file, { start: f.span.end - dot[1]!.length, end: f.span.end }, suggestion)];
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(wrong)) return [replace(file, f.span, suggestion)];
      return [];
    }
    // A qualified name or an entity reference: replace the whole span.
    if (suggestion.includes('::')) return [replace(file, f.span, suggestion)];
    return [];
  }
  const guard = /testing for the attribute's presence with `.* has ([^ ]+) && \.\.`/.exec(f.message);
  if (guard) {
    const m = /^([\s\S]+?)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\])$/.exec(wrong);
    if (!m) return [];
    const attr = m[2] ?? m[3]!;
    const insertion = `${m[1]} has ${attr} && `;
    const at = conjunctStart(tokens, f.span.start);
    return [{ title: `Guard with \`${m[1]} has ${attr}\``, preferred: true, edits: [{ file, span: { start: at, end: at }, newText: insertion }] }];
  }
  return [];
}

/**
 * An engine finding with what the product adds to Cedar's words: the help for a comparison of a `decimal` with an
 * integer (after Cedar's own message and help), and the quick fixes.
 */
export function withEngineHelp(f: Finding, file: string, text: string, tokens: Token[]): Finding {
  const decimal = decimalComparison(f, file, text, tokens);
  const message = decimal ? `${f.message}\nhelp: ${decimal.help}` : f.message;
  return { ...f, message, fixes: [...(f.fixes ?? []), ...engineFixes(f, file, text, tokens)] };
}

function replace(file: string, span: Span, newText: string): Fix {
  return { title: `Change to '${newText}'`, preferred: true, edits: [{ file, span, newText }] };
}

/** Where the `&&`/`||` operand holding `offset` starts: after the nearest `&&`, `||`, `{`, `(`, `!` or `unless`/`when` at the same depth. */
export function conjunctStart(tokens: Token[], offset: number): number {
  let i = tokens.findIndex((t) => t.start >= offset);
  if (i < 0) i = tokens.length;
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.kind === 'comment') continue;
    if (t.kind === 'punct' && (t.value === ')' || t.value === ']' || t.value === '}')) depth++;
    else if (t.kind === 'punct' && (t.value === '(' || t.value === '[' || t.value === '{')) {
      if (depth === 0) return tokens[k + 1]?.start ?? offset;
      depth--;
    } else if (depth === 0 && t.kind === 'punct' && (t.value === '&&' || t.value === '||' || t.value === ';')) {
      return tokens[k + 1]?.start ?? offset;
    } else if (depth === 0 && t.kind === 'ident' && (t.value === 'then' || t.value === 'else' || t.value === 'if')) {
      return tokens[k + 1]?.start ?? offset;
    }
  }
  return offset;
}
