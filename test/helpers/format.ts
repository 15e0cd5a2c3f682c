import type { CoreDiagnostic } from '../../server/src/core/types';

/**
 * One line per diagnostic, as fixtures write them: `file L:C-L:C severity code | message`, lines and
 * columns 1-based (what an editor shows), columns in UTF-16 code units.
 */
export function diagnosticLine(d: CoreDiagnostic, root: string): string {
  const r = d.range;
  const file = d.file.startsWith(root + '/') ? d.file.slice(root.length + 1) : d.file;
  return `${file} ${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1} ${d.severity} ${d.code} | ${d.message.split('\n').join(' ⏎ ')}`;
}

/**
 * Compares actual diagnostic lines with expected ones. An expected line holds the location, severity and
 * code exactly, then `|` and a fragment that the message must contain (or nothing).
 */
export function compareLines(actual: string[], expected: string[]): string[] {
  const problems: string[] = [];
  const remaining = [...actual];
  for (const exp of expected) {
    const [head, fragment = ''] = exp.split(' | ').map((s) => s.trim()) as [string, string?];
    const i = remaining.findIndex((a) => a.split(' | ')[0] === head && a.split(' | ').slice(1).join(' | ').includes(fragment));
    if (i < 0) problems.push(`missing:    ${exp}`);
    else remaining.splice(i, 1);
  }
  for (const a of remaining) problems.push(`unexpected: ${a}`);
  return problems;
}
