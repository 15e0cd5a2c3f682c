/**
 * Positions in a YAML (or JSON) manifest or tool list: the node under the cursor with its path, the span of a scalar's
 * text, and how to write a new value in place of a scalar without changing its quoting style.
 */
import { isMap, isPair, isScalar, isSeq, type Node as YamlNode, type Scalar } from 'yaml';
import type { Span } from '../types';
import { findNode, type JsonPath, type YamlSource } from '../yamlDoc';

export interface YamlHit {
  /** The path of the value (for a key: of the value the key holds). */
  path: JsonPath;
  /** The cursor is on a map key (the last path segment), not on a value. */
  isKey: boolean;
  /** The scalar's text without its quotes. */
  span: Span;
  value: string;
}

/** The scalar (key or value) at `offset`, with its path. Never throws; undefined between nodes. */
export function scalarAt(source: YamlSource, offset: number): YamlHit | undefined {
  let node: unknown = source.doc.contents;
  const path: JsonPath = [];
  for (let depth = 0; depth < 10_000; depth++) {
    if (isMap(node)) {
      let next: unknown;
      for (const it of node.items) {
        if (!isPair(it)) continue;
        const key = it.key as YamlNode | null;
        if (isScalar(key) && contains(key, offset)) return hit(source, key, [...path, String(key.value)], true);
        const value = it.value as YamlNode | null;
        if (value && contains(value, offset) && isScalar(key)) {
          path.push(String(key.value));
          next = value;
          break;
        }
      }
      if (next === undefined) return undefined;
      node = next;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => contains(it as YamlNode, offset));
      if (i < 0) return undefined;
      path.push(i);
      node = node.items[i];
    } else if (isScalar(node)) {
      return contains(node, offset) ? hit(source, node, path, false) : undefined;
    } else return undefined;
  }
  return undefined;
}

function contains(node: YamlNode | null | undefined, offset: number): boolean {
  const r = node?.range;
  return !!r && r[0] <= offset && offset <= r[1];
}

function hit(source: YamlSource, node: Scalar, path: JsonPath, isKey: boolean): YamlHit | undefined {
  const span = scalarSpan(node);
  if (!span) return undefined;
  return { path, isKey, span, value: typeof node.value === 'string' ? node.value : String(node.value ?? source.text.slice(span.start, span.end)) };
}

/** The text of a scalar without its quotes. */
export function scalarSpan(node: YamlNode | null | undefined): Span | undefined {
  if (!isScalar(node) || !node.range) return undefined;
  const [start, end] = node.range;
  const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
  return quoted && end - start >= 2 ? { start: start + 1, end: end - 1 } : { start, end };
}

/** The span (without quotes) of the value at `path`, or of its key with `key`. */
export function spanOfPath(source: YamlSource, path: JsonPath, key = false): Span | undefined {
  const found = findNode(source, path);
  return scalarSpan((key ? found.key : found.node) as YamlNode | undefined);
}

/** The node at `path` (for edits that replace a whole scalar). */
export function scalarNode(source: YamlSource, path: JsonPath, key = false): Scalar | undefined {
  const found = findNode(source, path);
  const n = key ? found.key : found.node;
  return isScalar(n) ? n : undefined;
}

const PLAIN_SAFE = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null|~|y|n)$/i;

/**
 * The edit that writes `value` in place of a scalar, keeping its style: double-quoted and JSON stay double-quoted,
 * single-quoted stays single-quoted, a plain scalar stays plain when the new value can be (else it is double-quoted).
 */
export function scalarEdit(node: Scalar, value: string, json: boolean): { span: Span; newText: string } | undefined {
  if (!node.range) return undefined;
  const span = { start: node.range[0], end: node.range[1] };
  if (json || node.type === 'QUOTE_DOUBLE') return { span, newText: JSON.stringify(value) };
  if (node.type === 'QUOTE_SINGLE') return { span, newText: `'${value.replace(/'/g, "''")}'` };
  return { span, newText: PLAIN_SAFE.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value) };
}
