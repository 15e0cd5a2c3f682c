// The "Deliberate mistakes" table of examples/README.md, parsed without the `vscode` API (so the UI tests,
// which run in plain Node, share it with the extension-host suite). Positions are 0-based, columns in UTF-16.
import * as fs from 'node:fs';

export type Severity = 'error' | 'warning' | 'info' | 'hint';
export interface Pos {
  line: number;
  character: number;
}
export interface PlainRange {
  start: Pos;
  end: Pos;
}
export interface MistakeRow {
  /** Path relative to the examples root, `/`-separated. */
  file: string;
  range: PlainRange;
  severity: Severity;
  code: string;
  /** The "mistake" column, as written. */
  mistake: string;
  /** The row as written, for messages. */
  row: string;
}

/** Parses `line:col-line:col` (1-based) into a 0-based range. */
export function parsePlainRange(text: string): PlainRange {
  const m = /^(\d+):(\d+)-(\d+):(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`not a line:col-line:col range: "${text}"`);
  const [a, b, c, d] = m.slice(1).map(Number);
  return { start: { line: a - 1, character: b - 1 }, end: { line: c - 1, character: d - 1 } };
}

export function formatPlainRange(r: PlainRange): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

/** Parses the "Deliberate mistakes" table of a README (file | range | severity | code | mistake). */
export function parseMistakesTable(markdown: string, where = 'README.md'): MistakeRow[] {
  const lines = markdown.split(/\r?\n/);
  const start = lines.findIndex((l) => /^#+\s+Deliberate mistakes/i.test(l));
  if (start < 0) throw new Error(`${where} has no "Deliberate mistakes" heading`);
  const rows: MistakeRow[] = [];
  let header: string[] | undefined;
  for (const line of lines.slice(start + 1)) {
    if (/^#+\s/.test(line)) break;
    if (!line.trim().startsWith('|')) {
      if (header && rows.length) break; // the table ended
      continue;
    }
    const cells = line.trim().replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
    if (!header) {
      header = cells.map((c) => c.toLowerCase());
      const want = ['file', 'range', 'severity', 'code'];
      if (want.some((w, i) => header![i] !== w)) throw new Error(`unexpected table header in ${where}: ${line}`);
      continue;
    }
    if (cells.every((c) => /^:?-+:?$/.test(c))) continue;
    const [file, range, severity, code, ...rest] = cells;
    if (!['error', 'warning', 'info', 'hint'].includes(severity)) throw new Error(`bad severity "${severity}" in row: ${line}`);
    rows.push({ file, range: parsePlainRange(range), severity: severity as Severity, code, mistake: rest.join('|').trim(), row: line.trim() });
  }
  if (!rows.length) throw new Error(`the "Deliberate mistakes" table of ${where} has no rows`);
  return rows;
}

export function readMistakesFile(readme: string): MistakeRow[] {
  return parseMistakesTable(fs.readFileSync(readme, 'utf8'), readme);
}

/** The text a 0-based single- or multi-line range covers in `text`. */
export function textAt(text: string, r: PlainRange): string {
  const lines = text.split('\n');
  if (r.start.line === r.end.line) return (lines[r.start.line] ?? '').slice(r.start.character, r.end.character);
  return [lines[r.start.line].slice(r.start.character), ...lines.slice(r.start.line + 1, r.end.line), lines[r.end.line].slice(0, r.end.character)].join('\n');
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length][b.length];
}

export interface PlainFix {
  /** Offset (in UTF-16 units) and length of the text to replace, inside the row's range. */
  offsetInRange: number;
  length: number;
  wrong: string;
  newText: string;
}

/**
 * The edit a person would make to fix a row's mistake, derived from its "mistake" text:
 * "`W` instead of `R`" replaces W by R inside the range; "did you mean `R`" / "a typo for `R`" replaces the word of
 * the range closest to R. Undefined when the text says no such thing (tests then skip the row).
 */
export function derivePlainFix(rangeText: string, mistake: string): PlainFix | undefined {
  const instead = /`([^`]+)` instead of `([^`]+)`/.exec(mistake);
  if (instead) {
    const [, wrong, right] = instead;
    const i = rangeText.indexOf(wrong);
    if (i >= 0) return { offsetInRange: i, length: wrong.length, wrong, newText: right };
  }
  const suggestion = /(?:did you mean|a typo for)\s+`([^`]+)`/i.exec(mistake);
  if (suggestion) {
    const right = suggestion[1];
    let best: { index: number; word: string; dist: number } | undefined;
    for (const m of rangeText.matchAll(/[A-Za-z0-9_-]+/g)) {
      const dist = editDistance(m[0], right);
      if (dist > 0 && dist <= 3 && (!best || dist < best.dist)) best = { index: m.index!, word: m[0], dist };
    }
    if (best) return { offsetInRange: best.index, length: best.word.length, wrong: best.word, newText: right };
  }
  return undefined;
}
