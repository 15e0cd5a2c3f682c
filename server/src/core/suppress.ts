import { knownRuleIds } from './config';
import type { PolicyInfo } from './cedar/policyCheck';
import type { Token } from './cedar/split';
import { didYouMean } from './text';
import type { Finding, Fix, Span } from './types';

const CEDAR_DIRECTIVE = /^\/\/\s*agent-policy-ignore\b[ \t]*(.*)$/;
const YAML_DIRECTIVE = /#\s*agent-policy-ignore\b[ \t]*(.*)$/;

interface Suppression {
  ids: { id: string; span: Span }[];
  /** The comment itself. */
  span: Span;
  /** What it silences. */
  scope: Span;
  used: Set<string>;
  /** A Cedar directive that is not among the comments directly above a policy: it silences nothing. */
  detached?: boolean;
}

function parseIds(list: string, offset: number): { id: string; span: Span }[] {
  const out: { id: string; span: Span }[] = [];
  const re = /[A-Za-z0-9_-]+/g;
  for (let m = re.exec(list); m; m = re.exec(list)) out.push({ id: m[0], span: { start: offset + m.index, end: offset + m.index + m[0].length } });
  return out;
}

/** `// agent-policy-ignore a, b` among the comments directly above a policy silences those rules for that policy. */
export function cedarSuppressions(text: string, policies: PolicyInfo[], tokens: Token[]): Suppression[] {
  const out: Suppression[] = [];
  if (!text.includes('agent-policy-ignore')) return out;
  const attached = new Set(policies.flatMap((p) => p.slice.leadingComments.map((c) => c.span.start)));
  for (const t of tokens) {
    if (t.kind !== 'comment' || attached.has(t.start)) continue;
    const m = CEDAR_DIRECTIVE.exec(t.value);
    if (m) out.push({ ids: parseIds(m[1]!, t.start + t.value.length - m[1]!.length), span: { start: t.start, end: t.end }, scope: { start: -1, end: -1 }, used: new Set(), detached: true });
  }
  for (const p of policies) {
    for (const c of p.slice.leadingComments) {
      const m = CEDAR_DIRECTIVE.exec(c.text);
      if (!m) continue;
      const listStart = c.span.start + c.text.length - m[1]!.length;
      out.push({ ids: parseIds(m[1]!, listStart), span: c.span, scope: p.slice.span, used: new Set() });
    }
  }
  return out;
}

/**
 * `# agent-policy-ignore a, b` on its own line silences those rules in the YAML block that follows it (the
 * next line and every more-indented line after it); at the end of a line, it silences that line.
 */
export function yamlSuppressions(text: string): Suppression[] {
  const out: Suppression[] = [];
  const lines: { start: number; end: number; text: string }[] = [];
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lines.push({ start, end, text: text.slice(start, end).replace(/\r$/, '') });
    start = end + 1;
    if (end === text.length) break;
  }
  const indent = (s: string) => /^[ \t]*/.exec(s)![0].length;
  lines.forEach((line, i) => {
    const m = YAML_DIRECTIVE.exec(line.text);
    if (!m || isInsideQuotes(line.text, m.index)) return;
    const listStart = line.start + line.text.length - m[1]!.length;
    const span = { start: line.start + m.index, end: line.start + line.text.length };
    const ids = parseIds(m[1]!, listStart);
    if (line.text.slice(0, m.index).trim() !== '') {
      out.push({ ids, span, scope: { start: line.start, end: line.end }, used: new Set() });
      return;
    }
    let k = i + 1;
    while (k < lines.length && (lines[k]!.text.trim() === '' || lines[k]!.text.trim().startsWith('#'))) k++;
    if (k >= lines.length) return void out.push({ ids, span, scope: { start: span.end, end: span.end }, used: new Set() });
    const head = lines[k]!;
    const base = indent(head.text);
    let last = k;
    for (let j = k + 1; j < lines.length; j++) {
      const t = lines[j]!.text;
      if (t.trim() === '' || t.trim().startsWith('#')) continue;
      if (indent(t) <= base) break;
      last = j;
    }
    out.push({ ids, span, scope: { start: head.start, end: lines[last]!.end }, used: new Set() });
  });
  return out;
}

function isInsideQuotes(line: string, at: number): boolean {
  const before = line.slice(0, at);
  return (before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1;
}

/**
 * Drops the findings that a suppression silences, and reports the suppressions that silence nothing (or
 * name an unknown rule) as `unused-suppression`.
 */
export function applySuppressions(findings: Finding[], suppressions: Suppression[], file: string, text: string, notRun: ReadonlySet<string> = new Set()): Finding[] {
  if (suppressions.length === 0) return findings;
  const kept = findings.filter((f) => {
    if (f.file && f.file !== file) return true;
    const s = suppressions.find((x) => f.span.start >= x.scope.start && f.span.start <= x.scope.end && x.ids.some((i) => i.id === f.code));
    if (!s) return true;
    s.used.add(f.code);
    return false;
  });
  const known = knownRuleIds();
  for (const s of suppressions) {
    for (const { id, span } of s.ids) {
      // A rule whose findings this check did not compute (the access rules, while their map is out of date) may still
      // use the suppression: it is not reported as unused.
      if (s.used.has(id) || notRun.has(id)) continue;
      const hint = known.includes(id) ? undefined : didYouMean(id, known);
      const removal = removeFix(s, id, span, text, file);
      kept.push({
        code: 'unused-suppression',
        message: s.detached
          ? `this suppression is not on the lines directly above a policy, so it silences nothing: put it above the policy's annotations, with no blank line in between`
          : known.includes(id)
          ? `\`${id}\` is suppressed here but reports nothing: remove the suppression`
          : `unknown rule \`${id}\` in a suppression${hint ? `; did you mean \`${hint}\`?` : ''}`,
        span,
        fixes: [...(hint ? [{ title: `Change to '${hint}'`, preferred: true, edits: [{ file, span, newText: hint }] }] : []), removal],
      });
    }
  }
  return kept;
}

/** Removes one rule id from a suppression comment, or the whole comment line when it is the only id. */
function removeFix(s: Suppression, id: string, span: Span, text: string, file: string): Fix {
  if (s.ids.length === 1) {
    const lineStart = text.lastIndexOf('\n', s.span.start - 1) + 1;
    const ownLine = text.slice(lineStart, s.span.start).trim() === '';
    let end = s.span.end;
    if (ownLine && text[end] === '\r') end++;
    if (ownLine && text[end] === '\n') end++;
    const start = ownLine ? lineStart : s.span.start - (/[ \t]*$/.exec(text.slice(0, s.span.start))![0].length);
    return { title: 'Remove the suppression', edits: [{ file, span: { start, end }, newText: '' }] };
  }
  const i = s.ids.findIndex((x) => x.span.start === span.start);
  const next = s.ids[i + 1];
  const prev = s.ids[i - 1];
  const cut = next ? { start: span.start, end: next.span.start } : { start: prev!.span.end, end: span.end };
  return { title: `Remove \`${id}\` from the suppression`, edits: [{ file, span: cut, newText: '' }] };
}
