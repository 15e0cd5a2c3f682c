import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './memoryHost';

export interface DocumentedMistake {
  file: string;
  /** 1-based `line:col-line:col`, as in the README. */
  range: string;
  severity: string;
  code: string;
}

/** The "Deliberate mistakes" table of examples/README.md: the single list of what the examples must report. */
export function documentedMistakes(readme = path.join(REPO, 'examples', 'README.md')): DocumentedMistake[] {
  const rows: DocumentedMistake[] = [];
  for (const line of fs.readFileSync(readme, 'utf8').split(/\r?\n/)) {
    const m = /^\|\s*([^|]+?)\s*\|\s*(\d+:\d+-\d+:\d+)\s*\|\s*(error|warning|info)\s*\|\s*([a-z-]+)\s*\|/.exec(line);
    if (m) rows.push({ file: m[1]!, range: m[2]!, severity: m[3]!, code: m[4]! });
  }
  return rows;
}

export function rangeText(r: { start: { line: number; character: number }; end: { line: number; character: number } }): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

/** Copies examples/ (or another folder) to a fresh temporary folder, so tests never edit the committed files. */
export function copyToTemp(src = path.join(REPO, 'examples'), prefix = 'apol-'): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(require('node:os').tmpdir()), prefix));
  fs.cpSync(src, dir, { recursive: true });
  return dir;
}
