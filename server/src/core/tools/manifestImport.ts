/**
 * Adds or updates `servers: { <name>: { tools: { $import: <path> } } }` in an agent manifest, changing only the
 * lines that must change: comments, blank lines, quoting and the order of everything else stay as they are.
 */
import { applyEdits, modify, parse as parseJsonc, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, parseDocument, type Pair, type YAMLMap } from 'yaml';

export type ImportEdit = { text: string; changed: boolean; previous?: string } | { error: string };

/** The manifest's text with server `server` importing `importPath` (relative to the manifest, `/`-separated). Never throws. */
export function setServerImport(file: string, text: string, server: string, importPath: string): ImportEdit {
  try {
    return file.endsWith('.json') ? jsonEdit(text, server, importPath) : yamlEdit(text, server, importPath);
  } catch (err) {
    return { error: `the manifest could not be edited (${err instanceof Error ? err.name : 'error'})` };
  }
}

function jsonEdit(text: string, server: string, importPath: string): ImportEdit {
  const errors: ParseError[] = [];
  const v = parseJsonc(text, errors, { allowTrailingComma: false }) as unknown;
  if (errors.length || typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'the manifest is not a valid JSON object: fix it first' };
  const servers = (v as Record<string, unknown>).servers;
  const entry = typeof servers === 'object' && servers !== null && Object.hasOwn(servers, server) ? (servers as Record<string, unknown>)[server] : undefined;
  const tools = typeof entry === 'object' && entry !== null && Object.hasOwn(entry, 'tools') ? (entry as Record<string, unknown>).tools : undefined;
  if (Array.isArray(tools)) return { error: inlineToolsError(server) };
  const previous = typeof tools === 'object' && tools !== null && typeof (tools as Record<string, unknown>).$import === 'string' ? ((tools as Record<string, unknown>).$import as string) : undefined;
  if (previous === importPath) return { text, changed: false, previous };
  // The deepest part that exists is edited, and what is inserted is written on its own line at its siblings' indentation.
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const hasServers = typeof servers === 'object' && servers !== null && !Array.isArray(servers);
  const hasEntry = typeof entry === 'object' && entry !== null && !Array.isArray(entry);
  const [at, value]: [(string | number)[], unknown] = previous !== undefined
    ? [['servers', server, 'tools', '$import'], importPath]
    : hasEntry ? [['servers', server, 'tools'], { $import: importPath }]
    : hasServers ? [['servers', server], { tools: { $import: importPath } }]
    : [['servers'], { [server]: { tools: { $import: importPath } } }];
  const key = at[at.length - 1] as string;
  const edits = modify(text, at, value, {}).map((e) => {
    if (previous !== undefined) return { ...e, content: JSON.stringify(importPath) };
    // On its own line, unless the manifest is written on one line.
    const comma = e.content.startsWith(',') ? ',' : '';
    const ownLine = comma && text.slice(0, e.offset).includes('\n');
    const lineStart = text.lastIndexOf('\n', e.offset - 1) + 1;
    const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
    return { ...e, content: `${comma}${ownLine ? eol + indent : ' '}${JSON.stringify(key)}: ${flowJson(value)}${comma ? '' : ' '}` };
  });
  return { text: applyEdits(text, edits), changed: true, ...(previous ? { previous } : {}) };
}

/** `{ "tools": { "$import": "x" } }`: JSON on one line, spaced as people write it. */
function flowJson(v: unknown): string {
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  return `{ ${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${flowJson(x)}`).join(', ')} }`;
}

function inlineToolsError(server: string): string {
  return `server \`${server}\` lists its tools inline in the manifest: move them out, or import under another name (--name)`;
}

function yamlScalar(s: string): string {
  return /^[A-Za-z0-9_][A-Za-z0-9_./-]*$/.test(s) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(s) ? s : JSON.stringify(s);
}

function yamlKey(s: string): string {
  return yamlScalar(s);
}

/** The start of the line after the one `offset` is on (or `offset` itself when it starts a line). */
function nextLineStart(text: string, offset: number): number {
  if (offset === 0 || text[offset - 1] === '\n') return offset;
  const nl = text.indexOf('\n', offset);
  return nl === -1 ? text.length : nl + 1;
}

function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function insertLines(text: string, at: number, lines: string[], eol: string): string {
  const prefix = at === text.length && text.length > 0 && !text.endsWith('\n') ? eol : '';
  return text.slice(0, at) + prefix + lines.map((l) => l + eol).join('') + text.slice(at);
}

/** The offset after the last item of a block map (its last value's end), on a line boundary. */
function mapEnd(text: string, map: YAMLMap): number {
  const last = map.items[map.items.length - 1] as Pair<{ range?: [number, number, number] }, { range?: [number, number, number] } | null> | undefined;
  const end = last?.value?.range?.[1] ?? last?.key?.range?.[1] ?? map.range?.[1] ?? text.length;
  return nextLineStart(text, end);
}

function yamlEdit(text: string, server: string, importPath: string): ImportEdit {
  const doc = parseDocument(text, { uniqueKeys: true, keepSourceTokens: false });
  if (doc.errors.length) return { error: 'the manifest has YAML errors: fix them first' };
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const value = `{ $import: ${yamlScalar(importPath)} }`;
  const root = doc.contents;
  if (root !== null && !(isMap(root) && !root.flow)) return fallback(doc, server, importPath);
  const servers = root ? root.get('servers', true) : undefined;
  if (servers === undefined) {
    const sep = text.length === 0 || text.endsWith('\n') ? '' : eol;
    return { text: `${text}${sep}${text.trim() ? eol : ''}servers:${eol}  ${yamlKey(server)}:${eol}    tools: ${value}${eol}`, changed: true };
  }
  if (!isMap(servers) || servers.flow) return fallback(doc, server, importPath);
  const pair = servers.items.find((p) => isScalar(p.key) && p.key.value === server);
  if (!pair) {
    const firstKey = servers.items[0]?.key as { range?: [number, number, number] } | undefined;
    const indent = firstKey?.range ? indentAt(text, firstKey.range[0]) : '  ';
    return { text: insertLines(text, mapEnd(text, servers), [`${indent}${yamlKey(server)}:`, `${indent}  tools: ${value}`], eol), changed: true };
  }
  const entry = pair.value;
  const keyRange = (pair.key as { range?: [number, number, number] }).range;
  if (entry === null || (isScalar(entry) && (entry.value === null || entry.value === ''))) {
    if (!keyRange || (isScalar(entry) && entry.range && entry.range[0] !== entry.range[1])) return fallback(doc, server, importPath);
    const indent = indentAt(text, keyRange[0]);
    return { text: insertLines(text, nextLineStart(text, keyRange[1]), [`${indent}  tools: ${value}`], eol), changed: true };
  }
  if (!isMap(entry) || entry.flow) return fallback(doc, server, importPath);
  const tools = entry.get('tools', true);
  if (tools === undefined) {
    const firstKey = entry.items[0]?.key as { range?: [number, number, number] } | undefined;
    const indent = firstKey?.range ? indentAt(text, firstKey.range[0]) : '    ';
    return { text: insertLines(text, mapEnd(text, entry), [`${indent}tools: ${value}`], eol), changed: true };
  }
  if (isSeq(tools)) return { error: inlineToolsError(server) };
  if (isMap(tools)) {
    const imp = tools.get('$import', true);
    if (isScalar(imp) && imp.range) {
      const previous = typeof imp.value === 'string' ? imp.value : undefined;
      if (previous === importPath) return { text, changed: false, previous };
      return { text: text.slice(0, imp.range[0]) + yamlScalar(importPath) + text.slice(imp.range[1]), changed: true, ...(previous ? { previous } : {}) };
    }
  }
  return fallback(doc, server, importPath);
}

/** Shapes the line edits do not handle (flow mappings, an odd root): the YAML library's own edit, which keeps comments. */
function fallback(doc: ReturnType<typeof parseDocument>, server: string, importPath: string): ImportEdit {
  const before = doc.getIn(['servers', server, 'tools']);
  if (isSeq(before)) return { error: inlineToolsError(server) };
  const previous = isMap(before) && typeof before.get('$import') === 'string' ? (before.get('$import') as string) : undefined;
  if (previous === importPath) return { text: doc.toString(), changed: false, previous };
  if (doc.contents === null) doc.contents = doc.createNode({});
  if (!isMap(doc.contents)) return { error: 'the manifest is not a mapping' };
  doc.setIn(['servers', server, 'tools'], doc.createNode({ $import: importPath }, { flow: true }));
  return { text: doc.toString({ lineWidth: 0 }), changed: true, ...(previous ? { previous } : {}) };
}
