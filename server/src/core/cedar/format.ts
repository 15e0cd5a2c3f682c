/**
 * Formatting with Cedar's own formatter, one policy at a time.
 *
 * `formatPolicies` keeps comments, but given a whole file it also rewrites what lies between policies: it drops blank
 * lines between a comment and the policy below it, which would attach a detached comment to that policy — and so turn
 * an unused `// agent-policy-ignore` into an active one. So each policy's body (from its first annotation through its
 * `;`) is formatted on its own, and everything between bodies — leading comments, suppression comments, blank lines,
 * a comment after a `;` — stays as written. A policy is rewritten only when the formatted text has the same comments
 * and parses to the same policy (Cedar's JSON form) as the original.
 */
import { LineIndex } from '../text';
import type { Span } from '../types';
import { formatPolicies, parsePolicy } from './engine';
import { splitPolicies, tokenize, type PolicySlice } from './split';

export interface FormatOptions {
  /** Spaces per indentation level (the editor's tab size). */
  indentWidth?: number;
  /** The line width the formatter aims for. */
  lineWidth?: number;
}

export interface FormatEdit {
  span: Span;
  newText: string;
}

export type FormatResult = { edits: FormatEdit[] } | { error: string; span?: Span };

const DEFAULT_LINE_WIDTH = 80;

/**
 * The edits that format the policies of `text` (those that overlap `range`, or all), or why it cannot be formatted:
 * a policy that does not parse refuses the whole request, so that a half-formatted file never results.
 */
export function formatPolicyText(text: string, options: FormatOptions = {}, range?: Span): FormatResult {
  const tokens = tokenize(text);
  const slices = splitPolicies(text, tokens);
  const chosen = range ? slices.filter((s) => s.bodySpan.start <= Math.max(range.end, range.start) && s.bodySpan.end >= range.start) : slices;
  const edits: FormatEdit[] = [];
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  let lines: LineIndex | undefined;
  const where = (s: PolicySlice) => {
    lines ??= new LineIndex(text);
    return `the policy at line ${lines.positionAt(s.bodySpan.start).line + 1}${s.id ? ` (${s.id.value})` : ''}`;
  };
  for (const s of chosen) {
    const body = text.slice(s.bodySpan.start, s.bodySpan.end);
    if (!s.terminated) return { error: `${where(s)} does not end with \`;\`, so it cannot be formatted; fix it first.`, span: s.bodySpan };
    const formatted = formatPolicies(body, { indentWidth: options.indentWidth, lineWidth: options.lineWidth ?? DEFAULT_LINE_WIDTH });
    if ('errors' in formatted) {
      const reason = formatted.errors[0]?.message.replace(/^cannot parse input policies: /, '') ?? 'it does not parse';
      return { error: `${where(s)} does not parse (${reason}), so the file is left as it is; fix it first.`, span: s.bodySpan };
    }
    let out = withIndent(formatted.text.replace(/\s+$/, ''), indentOf(text, s.bodySpan.start));
    if (eol === '\r\n') out = out.replace(/\n/g, '\r\n');
    if (out === body) continue;
    const why = unsafe(body, out, s.isTemplate);
    if (why) return { error: `${where(s)} was not formatted: ${why}.`, span: s.bodySpan };
    edits.push({ span: s.bodySpan, newText: out });
  }
  return { edits };
}

/** The whitespace before `offset` on its line, when only whitespace is there (an indented policy stays indented). */
function indentOf(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  const before = text.slice(lineStart, offset);
  return /^[ \t]*$/.test(before) ? before : '';
}

function withIndent(text: string, indent: string): string {
  return indent ? text.replace(/\n(?=[^\n])/g, `\n${indent}`) : text;
}

/** Why the formatted text may not replace the original: a lost comment, or a different policy. */
function unsafe(before: string, after: string, template: boolean): string | undefined {
  const comments = (t: string) =>
    tokenize(t)
      .filter((x) => x.kind === 'comment')
      .map((x) => x.value.trimEnd());
  const a = comments(before);
  const b = comments(after);
  if (a.length !== b.length || a.some((c, i) => c !== b[i])) return "Cedar's formatter would move or drop a comment";
  const pa = parsePolicy(before, template);
  const pb = parsePolicy(after, template);
  if (!('json' in pa) || !('json' in pb) || JSON.stringify(pa.json) !== JSON.stringify(pb.json)) return "Cedar's formatter would change the policy";
  return undefined;
}
