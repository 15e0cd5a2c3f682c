import type { Position, Range } from '../../server/src/core/types';

/**
 * Why `range` is not a valid LSP range of `text`, or undefined when it is. Written independently of the
 * core's LineIndex: lines end at `\r\n`, `\r` or `\n`; a position must name an existing line, a character
 * within that line's content (not past it, so never between `\r` and `\n`), must not fall between the two
 * halves of a surrogate pair, and start must not come after end.
 */
export function rangeProblem(text: string, range: Range): string | undefined {
  const lines: { start: number; length: number }[] = [];
  const breaks = /\r\n|\r|\n/g;
  let start = 0;
  for (let m = breaks.exec(text); m; m = breaks.exec(text)) {
    lines.push({ start, length: m.index - start });
    start = m.index + m[0].length;
  }
  lines.push({ start, length: text.length - start });
  const problemOf = (p: Position, which: string): string | undefined => {
    if (!Number.isInteger(p.line) || !Number.isInteger(p.character)) return `${which} is not integral: ${JSON.stringify(p)}`;
    const line = lines[p.line];
    if (p.line < 0 || !line) return `${which} line ${p.line} is not in the document (${lines.length} lines)`;
    if (p.character < 0 || p.character > line.length) return `${which} character ${p.character} is past the end of line ${p.line} (length ${line.length})`;
    const o = line.start + p.character;
    const hi = text.charCodeAt(o - 1);
    const lo = text.charCodeAt(o);
    if (o > 0 && hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff) return `${which} ${JSON.stringify(p)} splits a surrogate pair`;
    return undefined;
  };
  const problem = problemOf(range.start, 'start') ?? problemOf(range.end, 'end');
  if (problem) return problem;
  if (range.start.line > range.end.line || (range.start.line === range.end.line && range.start.character > range.end.character)) return `start ${JSON.stringify(range.start)} is after end ${JSON.stringify(range.end)}`;
  return undefined;
}

/** A small seeded PRNG (mulberry32): property tests replay exactly from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
