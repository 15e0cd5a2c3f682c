/**
 * Hand-written Cedar schemas (`*.cedarschema`, `cedarschema.json`, `*.cedarschema.json`): read with Cedar itself, so
 * that a plain Cedar project (policies and a schema, no agent manifest) is validated as Cedar would, and the schema
 * file gets Cedar's own errors at the place they are about. Pure: text in, data out.
 */
import { hashText, nextBoundary, utf8ToUtf16Many } from '../text';
import type { Finding, Span } from '../types';
import { isPlainObject, keySpanAt, parseYaml, spanAt, type JsonPath, type YamlSource } from '../yamlDoc';
import { checkSchema, resolvedSchemaOf, schemaJsonOf, schemaToText, type EngineError, type SchemaJson } from './engine';

export const SCHEMA_CODE = 'cedar-schema';

/** Whether a file is a Cedar schema, by the names the official Cedar extension recognises. */
export function isCedarSchemaFile(path: string): boolean {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name.endsWith('.cedarschema') || name.endsWith('.cedarschema.json') || name === 'cedarschema.json';
}

/** Whether a schema file holds the JSON form (else the Cedar text form). */
export function isJsonSchemaFile(path: string): boolean {
  return path.endsWith('.json');
}

export interface CedarSchemaFile {
  file: string;
  /** The schema as Cedar reads it (JSON form), when Cedar accepts the file: what policies are validated against. */
  schema?: SchemaJson;
  /** The same with every type name resolved and qualified (`PhotoApp::User`, `String`): what completion and hover read. */
  resolved?: SchemaJson;
  /** Changes with the text (cache key of validations against it). */
  key: string;
  /** Cedar's errors and warnings, placed in the file (UTF-16 offsets). */
  findings: Finding[];
}

/** Reads a Cedar schema file with Cedar. Never throws: what Cedar rejects becomes findings, and no schema. */
export function loadCedarSchema(file: string, text: string): CedarSchemaFile {
  const out: CedarSchemaFile = { file, key: `s${hashText(text)}`, findings: [] };
  if (isJsonSchemaFile(file)) {
    const parsed = parseYaml(text, SCHEMA_CODE, 'json');
    out.findings.push(...parsed.findings);
    const value = parsed.source.value;
    if (parsed.findings.length || value === undefined) return out;
    if (!isPlainObject(value)) {
      out.findings.push({ code: SCHEMA_CODE, message: 'a Cedar schema in JSON form is an object whose keys are namespaces (`""` for none)', span: firstLine(text) });
      return out;
    }
    const schema = value as SchemaJson;
    const errors = checkSchema(schema);
    // Cedar's offsets in a JSON schema point into its own rendering, not into this file: each error is placed on the
    // name it is about when the file holds it, else on the first namespace.
    for (const e of errors) out.findings.push({ code: SCHEMA_CODE, message: messageOf(e), span: locateInJson(parsed.source, e) ?? firstKey(parsed.source, text) });
    if (errors.length) return out;
    out.schema = schema;
    const rendered = schemaToText(schema);
    const resolved = 'text' in rendered ? resolvedSchemaOf(rendered.text) : undefined;
    if (resolved && 'json' in resolved) out.resolved = resolved.json;
    return out;
  }
  const errors = checkSchema(text);
  for (const e of errors) out.findings.push({ code: SCHEMA_CODE, message: messageOf(e), span: spanOfText(text, e) });
  if (errors.length) return out;
  const json = schemaJsonOf(text);
  if ('errors' in json) {
    for (const e of json.errors) out.findings.push({ code: SCHEMA_CODE, message: messageOf(e), span: spanOfText(text, e) });
    return out;
  }
  for (const w of json.warnings) out.findings.push({ code: SCHEMA_CODE, severity: 'warning', message: messageOf(w), span: spanOfText(text, w) });
  out.schema = json.json;
  const resolved = resolvedSchemaOf(text);
  if ('json' in resolved) out.resolved = resolved.json;
  return out;
}

function messageOf(e: EngineError): string {
  const clean = (m: string) => m.replace(/^failed to parse schema from string: /, '').replace(/^error parsing schema: /, '');
  const label = e.spans[0]?.label ? ` (${e.spans[0].label})` : '';
  return `${clean(e.message)}${label}${e.help ? `\nhelp: ${e.help}` : ''}`;
}

/** Cedar's byte offsets into a schema text, as a span of UTF-16 offsets; an empty span is widened to one character. */
function spanOfText(text: string, e: EngineError): Span {
  const loc = e.spans[0];
  if (!loc) return firstLine(text);
  const [start, end] = utf8ToUtf16Many(text, [loc.start, loc.end]) as [number, number];
  if (end > start) return { start, end };
  if (start < text.length) return { start, end: nextBoundary(text, start) };
  // At the end of the text: the last character that is not white space (an error "at the end of input").
  let k = text.length;
  while (k > 0 && /\s/.test(text[k - 1]!)) k--;
  return k > 0 ? { start: k - 1, end: k } : { start: 0, end: 0 };
}

function firstLine(text: string): Span {
  const nl = text.search(/\r?\n/);
  return { start: 0, end: nl < 0 ? text.length : nl };
}

function firstKey(source: YamlSource, text: string): Span {
  const value = source.value;
  const first = isPlainObject(value) ? Object.keys(value)[0] : undefined;
  return first !== undefined ? keySpanAt(source, [first]) : firstLine(text);
}

/** The place in a JSON schema of a name an error quotes (`failed to resolve type: Strin`, `` `User` ``), if it is there. */
function locateInJson(source: YamlSource, e: EngineError): Span | undefined {
  const text = `${e.message}\n${e.help ?? ''}`;
  const names = new Set<string>();
  for (const m of text.matchAll(/`([^`\s]+)`/g)) names.add(m[1]!);
  const tail = /:\s*([A-Za-z_][A-Za-z0-9_:]*)\s*$/m.exec(e.message);
  if (tail) names.add(tail[1]!);
  for (const name of names) {
    const short = name.includes('::') ? name.slice(name.lastIndexOf('::') + 2) : name;
    const found = findPath(source.value, (v) => v === name || v === short, []);
    if (found) return found.key ? keySpanAt(source, found.path) : spanAt(source, found.path);
  }
  return undefined;
}

/** The first path (depth first, in document order) whose key or string value satisfies `match`. */
function findPath(value: unknown, match: (s: string) => boolean, path: JsonPath, depth = 0): { path: JsonPath; key: boolean } | undefined {
  if (depth > 64) return undefined;
  if (typeof value === 'string') return match(value) ? { path, key: false } : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = findPath(value[i], match, [...path, i], depth + 1);
      if (r) return r;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const k of Object.keys(value)) {
      if (match(k)) return { path: [...path, k], key: true };
      const r = findPath(value[k], match, [...path, k], depth + 1);
      if (r) return r;
    }
  }
  return undefined;
}

/** Entity types a schema declares, qualified (`PhotoApp::User`, or `User` without a namespace). */
export function declaredEntityTypes(schema: SchemaJson): string[] {
  const out: string[] = [];
  for (const [ns, body] of Object.entries(schema)) {
    const types = isPlainObject(body) && isPlainObject(body.entityTypes) ? Object.keys(body.entityTypes) : [];
    for (const t of types) out.push(ns ? `${ns}::${t}` : t);
  }
  return out;
}
