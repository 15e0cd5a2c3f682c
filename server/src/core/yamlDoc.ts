import { isMap, isPair, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode, type Pair } from 'yaml';
import { clampSpan as clampToText, lineContentEnd, nextBoundary } from './text';
import type { Finding, Span } from './types';

/** A YAML (or JSON) document parsed with every node's position kept. */
export interface YamlSource {
  text: string;
  doc: Document.Parsed;
  /** The plain JS value; undefined when the document could not be converted (errors, alias bomb). */
  value: unknown;
}

export type JsonPath = (string | number)[];

const MAX_ALIASES = 100;

/**
 * Parses YAML or JSON text. Syntax errors, duplicate keys and resource-exhaustion attempts (alias bombs)
 * become findings with `code`; this function never throws.
 */
export function parseYaml(text: string, code: string, format: 'yaml' | 'json' = 'yaml'): { source: YamlSource; findings: Finding[] } {
  const findings: Finding[] = [];
  if (format === 'json') {
    // JSON's own parser gives JSON-worded errors; YAML's would talk about flow sequences.
    try {
      JSON.parse(text);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const pos = /at position (\d+)/.exec(message);
      const at = pos ? Number(pos[1]) : text.length;
      // V8 may quote the text around the error (`Unexpected token 'x', "…" is not valid JSON`): never repeat a file's content.
      const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '').replace(/, .*is not valid JSON$/s, '');
      findings.push({ code, message: `JSON: ${reason}`, span: clampSpan(text, at, nextBoundary(text, at)) });
      const doc = parseDocument('', {});
      return { source: { text, doc, value: undefined }, findings };
    }
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, strict: true });
  let fatal = false;
  for (const e of doc.errors) {
    const span = clampSpan(text, e.pos[0], Math.max(e.pos[1], nextBoundary(text, e.pos[0])));
    if (e.code === 'DUPLICATE_KEY') {
      // Not fatal: report it and go on (the later value wins, as in most YAML readers).
      const key = keyAt(text, e.pos[0]);
      findings.push({ code, message: `duplicate key${key ? ` \`${key}\`` : ''}: keys must be unique (the later entry would silently replace the earlier one)`, span: key ? { start: e.pos[0], end: e.pos[0] + key.length } : span });
      continue;
    }
    fatal = true;
    findings.push({ code, message: `YAML: ${firstLine(e.message).replace(/ at line \d+, column \d+:?$/, '')}`, span });
  }
  let value: unknown;
  if (!fatal) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (err) {
      findings.push({
        code,
        message: `YAML: ${err instanceof Error ? firstLine(err.message) : String(err)} (aliases are limited to ${MAX_ALIASES} expansions)`,
        span: { start: 0, end: Math.min(text.length, lineEndOf(text, 0)) },
      });
    }
  }
  return { source: { text, doc, value }, findings };
}

/** The plain or quoted key that starts at `offset` (for messages). */
function keyAt(text: string, offset: number): string | undefined {
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:\n,{}[\]]+?)\s*:/.exec(text.slice(offset, offset + 200));
  return m ? m[1]!.trim() : undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function lineEndOf(text: string, from: number): number {
  return lineContentEnd(text, from);
}

/** The parser's positions made boundaries of `text` (never inside a `\r\n` or a surrogate pair). */
function clampSpan(text: string, start: number, end: number): Span {
  return clampToText(text, { start, end });
}

function nodeSpan(node: YamlNode | null | undefined): Span | undefined {
  const r = node?.range;
  return r ? { start: r[0], end: r[1] } : undefined;
}

/** The node at `path`, with the key node of the pair that holds it (for maps). */
export function findNode(source: YamlSource, path: JsonPath): { node?: YamlNode; key?: YamlNode; pair?: Pair } {
  let node: unknown = source.doc.contents;
  let key: YamlNode | undefined;
  let pair: Pair | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const p = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(seg));
      if (!p) return {};
      pair = p as Pair;
      key = p.key as YamlNode;
      node = p.value;
    } else if (isSeq(node)) {
      const idx = typeof seg === 'number' ? seg : Number(seg);
      const item = node.items[idx];
      if (item === undefined) return {};
      key = undefined;
      pair = undefined;
      node = item;
    } else return {};
  }
  return { node: (node ?? undefined) as YamlNode | undefined, key, pair };
}

/** Span of the value at `path`; falls back to the closest ancestor that exists, then the document start. */
export function spanAt(source: YamlSource, path: JsonPath, prefer: 'value' | 'key' = 'value'): Span {
  for (let n = path.length; n >= 0; n--) {
    const found = findNode(source, path.slice(0, n));
    if (n < path.length && found.key) return nodeSpan(found.key)!; // ancestor: point at its key, not the whole block
    const span = prefer === 'key' && found.key ? nodeSpan(found.key) : nodeSpan(found.node) ?? nodeSpan(found.key);
    if (span) return span;
  }
  return { start: 0, end: Math.min(source.text.length, lineEndOf(source.text, 0)) };
}

/** Span of a map key at `path` (the last segment names the key). */
export function keySpanAt(source: YamlSource, path: JsonPath): Span {
  return spanAt(source, path, 'key');
}

/**
 * The edit that adds `key: value` (a string) to the mapping at `path`, keeping the rest of the text as it is: first in
 * a block mapping, on a line of its own at the indentation of its keys; first in a flow mapping (`{ … }`, and so in
 * JSON). Undefined when the node is not a mapping or its layout is not one of these.
 */
export function addKeyEdit(source: YamlSource, path: JsonPath, key: string, value: string, json: boolean): { span: Span; newText: string } | undefined {
  const { node } = findNode(source, path);
  if (!isMap(node) || !node.range) return undefined;
  const text = source.text;
  const entry = `${json ? JSON.stringify(key) : key}: ${JSON.stringify(value)}`;
  if (node.flow) {
    const open = node.range[0];
    if (text[open] !== '{') return undefined;
    return { span: { start: open + 1, end: open + 1 }, newText: node.items.length ? ` ${entry},` : ` ${entry} ` };
  }
  const first = node.items[0]?.key as YamlNode | undefined;
  if (!first?.range) return undefined;
  const at = first.range[0];
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  const indent = text.slice(lineStart, at);
  if (!/^[ \t]*$/.test(indent)) return undefined;
  return { span: { start: lineStart, end: lineStart }, newText: `${indent}${entry}${text.includes('\r\n') ? '\r\n' : '\n'}` };
}

/** Converts a JSON pointer ("/agents/a~1b/roles/0") to path segments. */
export function pointerToPath(pointer: string): JsonPath {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
