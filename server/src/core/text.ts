import type { Position, Range, Span } from './types';

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * `offset` made a valid place in `text`: an integer within [0, text.length], not between the `\r` and `\n`
 * of a line break (it moves back to the end of the line's content) and not between the two halves of a
 * surrogate pair (it moves to the start of the character for the start of a span, past it for the end).
 */
export function clampOffset(text: string, offset: number, side: 'start' | 'end' = 'start'): number {
  let o = Number.isFinite(offset) ? Math.trunc(offset) : 0;
  o = Math.max(0, Math.min(o, text.length));
  if (o > 0 && o < text.length) {
    const before = text.charCodeAt(o - 1);
    const at = text.charCodeAt(o);
    if (before === 13 && at === 10) return o - 1;
    if (isHighSurrogate(before) && isLowSurrogate(at)) return side === 'start' ? o - 1 : o + 1;
  }
  return o;
}

/** A span of `text` whose ends are valid places (see clampOffset), start ≤ end. */
export function clampSpan(text: string, span: Span): Span {
  const a = clampOffset(text, span.start, 'start');
  const b = clampOffset(text, span.end, 'end');
  return a <= b ? { start: a, end: b } : { start: clampOffset(text, span.end, 'start'), end: clampOffset(text, span.start, 'end') };
}

/** The offset just past the character (a whole surrogate pair, a whole `\r\n`) that starts at `offset`. */
export function nextBoundary(text: string, offset: number): number {
  const o = clampOffset(text, offset);
  if (o >= text.length) return o;
  const c = text.charCodeAt(o);
  if ((c === 13 && text.charCodeAt(o + 1) === 10) || (isHighSurrogate(c) && isLowSurrogate(text.charCodeAt(o + 1)))) return o + 2;
  return o + 1;
}

/** Where the content of the line holding `from` ends: at its `\r`, `\n` or `\r\n`, or at the end of the text. */
export function lineContentEnd(text: string, from: number): number {
  const re = /[\r\n]/g;
  re.lastIndex = Math.max(0, from);
  const m = re.exec(text);
  return m ? m.index : text.length;
}

/** Maps UTF-16 offsets of one text to 0-based line/character positions and back. */
export class LineIndex {
  private readonly starts: number[];
  /** Where each line's content ends (before its line break). */
  private readonly ends: number[];

  constructor(readonly text: string) {
    const starts = [0];
    const ends: number[] = [];
    // Line breaks found natively (indexOf), not char by char: a 5 MB text is indexed on every keystroke.
    let nl = text.indexOf('\n');
    let cr = text.indexOf('\r');
    while (nl !== -1 || cr !== -1) {
      const at = cr !== -1 && (nl === -1 || cr < nl) ? cr : nl;
      const next = at === cr && text.charCodeAt(cr + 1) === 10 ? at + 2 : at + 1;
      ends.push(at);
      starts.push(next);
      if (nl !== -1 && nl < next) nl = text.indexOf('\n', next);
      if (cr !== -1 && cr < next) cr = text.indexOf('\r', next);
    }
    ends.push(text.length);
    this.starts = starts;
    this.ends = ends;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  /** The position of `offset`, always a valid one (see clampOffset: `side` says which way to leave a surrogate pair). */
  positionAt(offset: number, side: 'start' | 'end' = 'start'): Position {
    const o = clampOffset(this.text, offset, side);
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: Math.min(o, this.ends[lo]!) - this.starts[lo]! };
  }

  /** The offset of a position; a character past the end of its line means the end of the line's content (as in LSP). */
  offsetAt(pos: Position): number {
    if (pos.line < 0) return 0;
    if (pos.line >= this.starts.length) return this.text.length;
    const start = this.starts[pos.line]!;
    return Math.min(start + Math.max(0, pos.character), this.ends[pos.line]!);
  }

  /**
   * THE conversion of a span into an LSP range: every diagnostic, related place and fix edit goes through it.
   * Whatever the span (past the end, reversed, inside a `\r\n` or a surrogate pair, not an integer), the
   * range is valid for the text: each end on an existing line, within its content, on a character
   * boundary, and start ≤ end.
   */
  range(span: Span): Range {
    const s = clampSpan(this.text, span);
    return { start: this.positionAt(s.start, 'start'), end: this.positionAt(s.end, 'end') };
  }
}

/**
 * Converts a UTF-8 byte offset into `text` (as Cedar reports them) into a UTF-16 offset (as JS strings
 * and editors count). Offsets past the end clamp to the end; an offset inside a multi-byte character
 * maps to the start of that character.
 */
export function utf8ToUtf16(text: string, byteOffset: number): number {
  if (byteOffset <= 0) return 0;
  let bytes = 0;
  let i = 0;
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + width > byteOffset) return i;
    bytes += width;
    i += cp >= 0x10000 ? 2 : 1;
    if (bytes === byteOffset) return i;
  }
  return text.length;
}

/** Converts several byte offsets of one text at once (one pass). */
export function utf8ToUtf16Many(text: string, byteOffsets: number[]): number[] {
  const order = byteOffsets.map((b, i) => [b, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(byteOffsets.length);
  let bytes = 0;
  let i = 0;
  for (const [target, idx] of order) {
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const width = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (bytes + width > target) break;
      bytes += width;
      i += cp >= 0x10000 ? 2 : 1;
    }
    out[idx] = target <= 0 ? 0 : i;
  }
  return out;
}

/** Stable, fast 53-bit string hash (cyrb53) for cache keys. */
/**
 * A copy of `s` that does not keep the text it was cut from alive. V8 represents a slice of 13 or more characters as a
 * view into its parent: a policy's text or a token kept from one version of a 2.5 MB file would keep that whole
 * version in memory, one per edit. Joining forces a flat copy, of `s` alone.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

export function hashText(text: string, seed = 0): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36) + ':' + text.length.toString(36);
}

/** Levenshtein distance, bounded: returns `max + 1` as soon as the distance exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest candidate to `name`, if one is close enough to be a plausible typo. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const max = Math.max(1, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestD = max + 1;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    if (c === name) continue;
    const d = c.toLowerCase() === lower ? 0 : editDistance(lower, c.toLowerCase(), max);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= max ? best : undefined;
}

/** Joins a folder and a relative path, POSIX-style, resolving `.` and `..`. Returns undefined if it climbs above `/`. */
export function joinPath(dir: string, rel: string): string | undefined {
  const parts = (rel.startsWith('/') ? rel : `${dir}/${rel}`).split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length === 0) return undefined;
      out.pop();
    } else out.push(p);
  }
  return '/' + out.join('/');
}

export function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** `child` relative to `parent`, or undefined when `child` is not inside `parent`. */
export function relativeTo(parent: string, child: string): string | undefined {
  const base = parent.endsWith('/') ? parent : parent + '/';
  if (child === parent) return '';
  return child.startsWith(base) ? child.slice(base.length) : undefined;
}

/**
 * Where a part of a request value is, in the one style every request error and redaction note uses:
 * `args.filter.state`, `args.items[0]`. Keys are written as they are (a key with a `.` in it is not quoted).
 */
export function valuePath(root: string, path: readonly (string | number)[]): string {
  let out = root;
  for (const seg of path) out = typeof seg === 'number' ? `${out}[${seg}]` : out ? `${out}.${seg}` : seg;
  return out;
}
