import { compileSchema, validateValue, type SchemaError } from '../jsonSchema';
import { argumentPaths, argumentSchema } from '../cedar/ctype';
import { own as ownValue } from '../own';
import { didYouMean, dirname, joinPath, lineContentEnd, relativeTo } from '../text';
import type { Finding, Span } from '../types';
import { addKeyEdit, findNode, isPlainObject, keySpanAt, parseYaml, spanAt, type JsonPath, type YamlSource } from '../yamlDoc';
import {
  DEFAULT_NAMESPACE,
  DEFAULT_POLICY_GLOBS,
  DEFAULT_SERVER,
  parseDuration,
  type AgentDef,
  type IdentityKind,
  type JsonObject,
  type Manifest,
  type ScenarioDef,
  type ServerDef,
  type ToolDef,
} from './model';
import { checkReferences } from './references';
import { loadCedarSchema } from '../cedar/cedarSchema';
import { formatValidators, manifestFormatSchema, parseToolList, schemaFindings, type RawTool } from './toolList';

const CODE = 'manifest-invalid';

/**
 * Why the host gave no text for a path it was asked for. The host decides (it alone sees the file system):
 * `outside-workspace`: the path's real path (through symbolic links) is outside the workspace root;
 * `too-large`: above the host's size limit; `not-a-file`: a folder, FIFO, device or socket;
 * `unreadable`: anything else (a symbolic link loop, no permission). `detail` is the host's short reason,
 * never the file's content.
 */
export type ReadRefusal = 'outside-workspace' | 'too-large' | 'not-a-file' | 'unreadable';

/** What reading a path gave: its text, nothing (it does not exist), or a refusal (it was not read). */
export type FileRead = { text: string } | { missing: true } | { refused: ReadRefusal; detail: string };

/** What the core needs from the outside world to resolve `$import`s: a workspace root and a way to read a file. */
export interface ManifestHost {
  /** Absolute folder that imports must stay inside. */
  root: string;
  /** The text of an absolute path, or undefined when it has none (missing or refused). */
  readFile(path: string): string | undefined;
  /**
   * The text of an absolute path, or why there is none. Hosts over a real file system implement it (a refused
   * path is then reported, not taken as missing); without it, a path without text counts as missing.
   */
  read?(path: string): FileRead;
}

/** Reads through a host: `read` when it has it, else `readFile`. */
export function readFrom(host: ManifestHost, path: string): FileRead {
  if (host.read) return host.read(path);
  const text = host.readFile(path);
  return text === undefined ? { missing: true } : { text };
}

/** What a refusal means for the user, without the file's content: "file too large (50 MB > 32 MB), not read". */
export function refusalMessage(r: { refused: ReadRefusal; detail: string }): string {
  const detail = r.detail ? ` (${r.detail})` : '';
  switch (r.refused) {
    case 'outside-workspace':
      return `its real path is outside the workspace folder${detail}, so it is not read`;
    case 'too-large':
      return `file too large${detail}, not read`;
    case 'not-a-file':
      return `not a regular file${detail}, not read`;
    case 'unreadable':
      return `cannot be read${detail}`;
  }
}

export interface ManifestResult {
  manifest?: Manifest;
  /** Findings per file: the manifest's own and those of the tool lists it imports. */
  findings: Map<string, Finding[]>;
  /** The texts findings refer to (the manifest and every imported file that was read). */
  texts: Map<string, string>;
  /** The parsed manifest source, for editor features (positions of scenarios, suppressions). */
  source?: YamlSource;
  /** Parsed sources of the manifest and of every imported tool list, by file. */
  sources: Map<string, YamlSource>;
  /**
   * Imports inside the workspace that gave no text (missing, too large, not a file): watched, so that the
   * manifest reloads when one appears or changes. A path refused for leaving the workspace is never here.
   */
  absentImports: string[];
}

/** Parses, validates and resolves an agent manifest. Never throws on user input. */
export function loadManifest(file: string, text: string, host: ManifestHost): ManifestResult {
  const findings = new Map<string, Finding[]>();
  const texts = new Map<string, string>([[file, text]]);
  const absentImports: string[] = [];
  const own: Finding[] = [];
  findings.set(file, own);

  const parsed = parseYaml(text, CODE, file.endsWith('.json') ? 'json' : 'yaml');
  own.push(...parsed.findings);
  const source = parsed.source;
  const sources = new Map<string, YamlSource>([[file, source]]);
  const value = source.value;
  if (value === undefined) return { findings, texts, source, sources, absentImports };
  if (!isPlainObject(value)) {
    own.push({ code: CODE, message: 'an agent manifest is a mapping that starts with `version: 1`', span: firstLineSpan(text) });
    return { findings, texts, source, sources, absentImports };
  }
  const { manifest: validateManifest } = formatValidators();
  own.push(...schemaFindings(source, [], validateManifest, value, manifestFormatSchema()).map((f) => (f.span.start === 0 && f.span.end === text.length ? { ...f, span: firstLineSpan(text) } : f)));

  const dir = dirname(file);
  const m: Manifest = {
    file,
    dir,
    namespace: typeof value.namespace === 'string' && /^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$/.test(value.namespace) ? value.namespace : DEFAULT_NAMESPACE,
    policyGlobs: Array.isArray(value.policies) ? value.policies.filter((g): g is string => typeof g === 'string' && g.length > 0) : DEFAULT_POLICY_GLOBS,
    context: isPlainObject(value.context) ? value.context : undefined,
    agentAttributes: isPlainObject(value.agent_attributes) ? value.agent_attributes : undefined,
    roles: [],
    agents: [],
    servers: [],
    tools: [],
    scenarios: [],
    imports: [],
    ambiguousActions: [],
    extraSchemas: [],
  };

  // Hand-written Cedar schemas merged into the generated one (`schema: [extra.cedarschema]`).
  if (Array.isArray(value.schema)) {
    value.schema.forEach((rel, i) => {
      if (typeof rel !== 'string' || !rel) return;
      const span = spanAt(source, ['schema', i]);
      const imp = resolveImport(rel, file, host, span, 'Cedar schema');
      if ('finding' in imp) {
        own.push(imp.finding);
        if (imp.absent) absentImports.push(imp.absent);
        return;
      }
      texts.set(imp.path, imp.text);
      m.imports.push(imp.path);
      const read = loadCedarSchema(imp.path, imp.text);
      if (!read.schema) own.push({ code: CODE, message: `the Cedar schema \`${rel}\` has errors (shown in the file): it is not merged, so policies that use what it declares fail validation until it is fixed`, span });
      m.extraSchemas.push({ rel, file: imp.path, span, ...(read.schema ? { schema: read.schema } : {}) });
    });
  }

  // Roles
  if (Array.isArray(value.roles)) {
    const seen = new Map<string, Span>();
    value.roles.forEach((r, i) => {
      if (typeof r !== 'string' || !r) return;
      const span = spanAt(source, ['roles', i]);
      const first = seen.get(r);
      if (first) own.push(duplicate('role', r, span, file, first));
      else {
        seen.set(r, span);
        m.roles.push({ name: r, loc: { file, span } });
      }
    });
  }

  // Agents
  if (isPlainObject(value.agents)) {
    for (const [id, a] of Object.entries(value.agents)) {
      if (!isPlainObject(a)) continue;
      const path: JsonPath = ['agents', id];
      const agent: AgentDef = {
        id,
        description: str(a.description),
        owner: str(a.owner),
        roles: strings(a.roles),
        attributes: isPlainObject(a.attributes) ? a.attributes : {},
        delegatesTo: strings(a.delegates_to),
        loc: { file, span: keySpanAt(source, path) },
      };
      if (isPlainObject(a.identity) && typeof a.identity.kind === 'string' && ['workload', 'oauth', 'service-account', 'api-key'].includes(a.identity.kind)) {
        const ttl = str(a.identity.ttl);
        agent.identity = {
          kind: a.identity.kind as IdentityKind,
          ttl,
          ttlMs: ttl ? parseDuration(ttl) : undefined,
          kindSpan: spanAt(source, [...path, 'identity', 'kind']),
          ttlSpan: ttl ? spanAt(source, [...path, 'identity', 'ttl']) : undefined,
        };
      }
      m.agents.push(agent);
    }
  }

  // Servers and the tools they import or list
  const rawTools: { raw: RawTool; server: string; file: string; source: YamlSource }[] = [];
  if (isPlainObject(value.servers)) {
    for (const [name, s] of Object.entries(value.servers)) {
      if (!isPlainObject(s)) continue;
      const server: ServerDef = { name, description: str(s.description), loc: { file, span: keySpanAt(source, ['servers', name]) } };
      if (typeof s.action_prefix === 'string' && s.action_prefix) server.actionPrefix = s.action_prefix;
      m.servers.push(server);
      if (isPlainObject(s.tools) && typeof s.tools.$import === 'string') {
        const imp = resolveImport(s.tools.$import, file, host, spanAt(source, ['servers', name, 'tools', '$import']));
        server.importPath = s.tools.$import;
        if ('finding' in imp) {
          own.push(imp.finding);
          if (imp.absent) absentImports.push(imp.absent);
          continue;
        }
        server.importFile = imp.path;
        m.imports.push(imp.path);
        texts.set(imp.path, imp.text);
        const list = parseToolList(imp.text);
        if (list.source) sources.set(imp.path, list.source);
        const importFindings = findings.get(imp.path) ?? [];
        importFindings.push(...list.findings);
        findings.set(imp.path, importFindings);
        if (list.notAToolList) own.push({ code: CODE, message: `${s.tools.$import}: ${list.notAToolList}`, span: spanAt(source, ['servers', name, 'tools', '$import']) });
        else if (list.findings.length > 0 && list.source?.value === undefined) own.push({ code: CODE, message: `${s.tools.$import} is not valid JSON`, span: spanAt(source, ['servers', name, 'tools', '$import']) });
        for (const raw of list.tools) if (list.source) rawTools.push({ raw, server: name, file: imp.path, source: list.source });
      } else if (Array.isArray(s.tools)) {
        s.tools.forEach((t, i) => {
          if (isPlainObject(t) && typeof t.name === 'string') rawTools.push({ raw: { value: t, path: ['servers', name, 'tools', i] }, server: name, file, source });
        });
      }
    }
  }
  if (Array.isArray(value.tools)) {
    value.tools.forEach((t, i) => {
      if (!isPlainObject(t) || typeof t.name !== 'string') return;
      const server = typeof t.server === 'string' && t.server ? t.server : DEFAULT_SERVER;
      rawTools.push({ raw: { value: t, path: ['tools', i] }, server, file, source });
    });
    if (rawTools.some((t) => t.file === file && t.raw.path[0] === 'tools' && t.server === DEFAULT_SERVER) && !m.servers.some((s) => s.name === DEFAULT_SERVER)) {
      m.servers.push({ name: DEFAULT_SERVER, description: 'tools declared inline', loc: { file, span: keySpanAt(source, ['tools']) } });
    }
  }

  // Tools: action ids (and their collisions), annotations, input schemas
  const prefixOf = new Map(m.servers.map((s) => [s.name, s.actionPrefix ?? '']));
  const toolSeen = new Map<string, ToolDef>();
  const ambiguous = new Map<string, Set<string>>();
  for (const { raw, server, file: tfile, source: tsrc } of rawTools) {
    const t = raw.value;
    const name = t.name as string;
    const action = (prefixOf.get(server) ?? '') + name;
    const loc = { file: tfile, span: spanAt(tsrc, [...raw.path, 'name']) };
    const add = (list: Finding[]) => {
      const f = findings.get(tfile) ?? list;
      findings.set(tfile, f);
      return f;
    };
    const sink = tfile === file ? own : add([]);
    const first = toolSeen.get(action);
    if (first) {
      if (first.server === server) sink.push(duplicate('tool', name, loc.span, first.loc.file, first.loc.span));
      else {
        sink.push(actionCollision({ name, server, action, span: loc.span }, first, m, source));
        ambiguous.set(action, (ambiguous.get(action) ?? new Set([first.server])).add(server));
      }
      continue;
    }
    const annotations = isPlainObject(t.annotations) ? t.annotations : {};
    const readOnly = annotations.readOnlyHint === true;
    const destructive = !readOnly && annotations.destructiveHint !== false;
    const inputSchema = isPlainObject(t.inputSchema) ? t.inputSchema : { type: 'object' };
    const schemaPath = [...raw.path, 'inputSchema'];
    const tool: ToolDef = {
      name,
      action,
      title: str(t.title),
      description: str(t.description),
      inputSchema,
      annotations,
      server,
      loc,
      schemaPath: findNode(tsrc, schemaPath).node ? schemaPath : undefined,
      destructive,
      readOnly,
    };
    if (isPlainObject(t.inputSchema)) sink.push(...jsonSchemaFindings(t.inputSchema, tsrc, schemaPath, `input schema of tool \`${name}\``));
    const long = numberAsLong(t, raw.path, server, value, tsrc === source);
    if (long.value) tool.numberAsLong = long.value;
    own.push(...checkNumberAsLong(tool, long.at, source, file));
    toolSeen.set(action, tool);
    m.tools.push(tool);
  }
  own.push(...unknownLongTools(value, rawTools, source));
  m.ambiguousActions = [...ambiguous].map(([action, servers]) => ({ action, servers: [...servers] }));

  if (m.context) own.push(...jsonSchemaFindings(m.context, source, ['context'], 'context schema'));
  if (m.agentAttributes) {
    const attrFindings = jsonSchemaFindings(m.agentAttributes, source, ['agent_attributes'], 'agent_attributes schema');
    own.push(...attrFindings);
    const compiled = compileSchema(m.agentAttributes);
    if (compiled.validate) {
      for (const a of m.agents) {
        const errs = validateValue(compiled.validate, a.attributes, m.agentAttributes);
        for (const e of errs) {
          own.push({ code: CODE, message: `agent \`${a.id}\` attributes: ${e.message.replace('the document', 'the attributes')}`, span: spanAt(source, ['agents', a.id, 'attributes', ...e.path], e.atKey ? 'key' : 'value') });
        }
      }
    }
  }

  // Scenarios
  if (Array.isArray(value.scenarios)) {
    const seen = new Map<string, Span>();
    value.scenarios.forEach((s, i) => {
      if (!isPlainObject(s) || typeof s.name !== 'string' || typeof s.agent !== 'string' || typeof s.tool !== 'string') return;
      if (s.expect !== 'allow' && s.expect !== 'deny') return;
      const nameSpan = spanAt(source, ['scenarios', i, 'name']);
      const first = seen.get(s.name);
      if (first) own.push(duplicate('scenario', s.name, nameSpan, file, first));
      else seen.set(s.name, nameSpan);
      const sc: ScenarioDef = {
        index: i,
        name: s.name,
        agent: s.agent,
        tool: s.tool,
        args: isPlainObject(s.args) ? s.args : {},
        context: isPlainObject(s.context) ? s.context : {},
        via: typeof s.via === 'string' ? [s.via] : strings(s.via),
        expect: s.expect,
        reasons: Array.isArray(s.reasons) ? strings(s.reasons) : undefined,
        span: spanAt(source, ['scenarios', i]),
        nameSpan,
      };
      m.scenarios.push(sc);
    });
  }

  own.push(...checkReferences(m, source));
  return { manifest: m, findings, texts, source, sources, absentImports };
}

function jsonSchemaFindings(schema: JsonObject, source: YamlSource, path: JsonPath, what: string): Finding[] {
  const { errors, unsupported, notes } = compileSchema(schema);
  const at = (e: SchemaError) => spanAt(source, [...path, ...e.path], e.atKey ? 'key' : 'value');
  return [
    ...[...errors, ...unsupported].map((e) => ({ code: CODE, message: `${what}: ${e.message}`, span: at(e) })),
    // Not a mistake in the schema: the value is accepted whatever the format says (as every validator does with a format it does not know).
    ...notes.map((e) => ({ code: CODE, severity: 'info' as const, message: `${what}: ${e.message}`, span: at(e) })),
  ];
}

function resolveImport(rel: string, manifestFile: string, host: ManifestHost, span: Span, what = 'tool list'): { path: string; text: string } | { finding: Finding; absent?: string } {
  const target = rel.startsWith('/') ? undefined : joinPath(dirname(manifestFile), rel);
  if (!target || relativeTo(host.root, target) === undefined) {
    return { finding: { code: CODE, message: `import \`${rel}\` leaves the workspace; imports must be relative paths inside the workspace folder`, span } };
  }
  const r = readFrom(host, target);
  if ('text' in r) return { path: target, text: r.text };
  if ('missing' in r) return { finding: { code: CODE, message: `cannot read the imported ${what} \`${rel}\` (file not found)`, span }, absent: target };
  // Named as the user wrote it; neither the real path nor the content is shown.
  if (r.refused === 'outside-workspace') {
    return { finding: { code: CODE, message: `import \`${rel}\` leaves the workspace: ${refusalMessage(r)}`, span } };
  }
  return { finding: { code: CODE, message: `imported ${what} \`${rel}\`: ${refusalMessage(r)}`, span }, absent: target };
}

/**
 * The `number_as_long` of a tool: its server's entries for every tool (`"*"`) and for its name, and, for a tool
 * declared in the manifest, its own; with where each argument path is written.
 */
function numberAsLong(t: JsonObject, path: JsonPath, server: string, manifest: JsonObject, inManifest: boolean): { value?: true | string[]; at: { name: string; path: JsonPath }[] } {
  const entries: { value: unknown; path: JsonPath }[] = [];
  const byTool = isPlainObject(manifest.servers) && isPlainObject(ownValue(manifest.servers, server)) ? ownValue(ownValue(manifest.servers, server), 'number_as_long') : undefined;
  // The arguments listed for every tool ("*") are checked against the server's tools together (unknownLongTools).
  if (isPlainObject(byTool)) for (const key of ['*', t.name as string]) if (Object.hasOwn(byTool, key)) entries.push({ value: byTool[key], path: ['servers', server, 'number_as_long', key] });
  // A tool written in the manifest may say it itself (an imported tool list is the server's: its tools cannot).
  if (inManifest && t.number_as_long !== undefined) entries.push({ value: t.number_as_long, path: [...path, 'number_as_long'] });
  if (entries.some((e) => e.value === true)) return { value: true, at: [] };
  const at = entries.flatMap((e) => (Array.isArray(e.value) ? e.value.flatMap((name, i) => (typeof name === 'string' && name ? [{ name, path: [...e.path, i] }] : [])) : []));
  return at.length ? { value: [...new Set(at.map((a) => a.name))], at: at.filter((a) => a.path[3] !== '*') } : { at };
}

/** Each argument `number_as_long` names must be an argument of the tool, and a `number` (else it changes nothing). */
function checkNumberAsLong(tool: ToolDef, at: { name: string; path: JsonPath }[], source: YamlSource, file: string): Finding[] {
  const out: Finding[] = [];
  for (const a of at) {
    const found = argumentSchema(tool.inputSchema, tool.inputSchema, a.name);
    const span = spanAt(source, a.path);
    if (!found) {
      const known = argumentPaths(tool.inputSchema);
      const hint = didYouMean(a.name, known);
      const quoted = /^["']/.test(source.text.slice(span.start, span.end)) || file.endsWith('.json');
      out.push({ code: 'unknown-reference', message: `unknown argument \`${a.name}\` of tool \`${tool.action}\`${hint ? `; did you mean \`${hint}\`?` : ''}`, span, fixes: hint ? [{ title: `Change to '${hint}'`, preferred: true, edits: [{ file, span, newText: quoted ? JSON.stringify(hint) : hint }] }] : undefined });
    } else if (!found.isNumber) {
      out.push({ code: CODE, severity: 'warning', message: `argument \`${a.name}\` of tool \`${tool.action}\` is not a JSON Schema \`number\`: \`number_as_long\` changes nothing for it`, span });
    }
  }
  return out;
}

/** Tool names in a server's `number_as_long` that the server does not have, and arguments listed for every tool (`"*"`) that no tool has. */
function unknownLongTools(manifest: JsonObject, rawTools: { raw: RawTool; server: string }[], source: YamlSource): Finding[] {
  const out: Finding[] = [];
  if (!isPlainObject(manifest.servers)) return out;
  for (const [server, s] of Object.entries(manifest.servers)) {
    const byTool = isPlainObject(s) ? s.number_as_long : undefined;
    if (!isPlainObject(byTool)) continue;
    const names = rawTools.filter((r) => r.server === server).map((r) => r.raw.value.name as string);
    const star = byTool['*'];
    if (Array.isArray(star)) {
      const schemas = rawTools.filter((r) => r.server === server).map((r) => r.raw.value.inputSchema);
      star.forEach((name, i) => {
        if (typeof name !== 'string' || schemas.some((sc) => argumentSchema(sc, sc, name)?.isNumber)) return;
        out.push({ code: 'unknown-reference', message: `no tool of server \`${server}\` has a \`number\` argument \`${name}\``, span: spanAt(source, ['servers', server, 'number_as_long', '*', i]) });
      });
    }
    for (const key of Object.keys(byTool)) {
      if (key === '*' || names.includes(key)) continue;
      const hint = didYouMean(key, names);
      out.push({ code: 'unknown-reference', message: `unknown tool \`${key}\` of server \`${server}\` in \`number_as_long\`${hint ? `; did you mean \`${hint}\`?` : ''}`, span: keySpanAt(source, ['servers', server, 'number_as_long', key]) });
    }
  }
  return out;
}

/**
 * Two tools of different servers that end up with one action id: an error on the second declaration, naming the
 * first, with the fix that gives a server an `action_prefix` (the second's, else the first's: one declared in this
 * manifest without a prefix yet).
 */
function actionCollision(second: { name: string; server: string; action: string; span: Span }, first: ToolDef, m: Manifest, source: YamlSource): Finding {
  const json = m.file.endsWith('.json');
  const target = [second.server, first.server].find((s) => !m.servers.find((x) => x.name === s)?.actionPrefix && findNode(source, ['servers', s]).node);
  const edit = target === undefined ? undefined : addKeyEdit(source, ['servers', target], 'action_prefix', `${target}/`, json);
  const how = target === undefined ? 'give one of the servers an `action_prefix` that tells their tools apart' : `give server \`${target}\` an \`action_prefix\` (such as "${target}/") to tell the two apart`;
  return {
    code: CODE,
    message: `tool \`${second.name}\` of server \`${second.server}\` has the action id \`${second.action}\`, which tool \`${first.name}\` of server \`${first.server}\` already has: ${how}. Until then this declaration is left out and calls to \`${second.action}\` are denied`,
    span: second.span,
    related: [{ file: first.loc.file, span: first.loc.span, message: `tool \`${first.name}\` of server \`${first.server}\`` }],
    fixes: edit && target !== undefined ? [{ title: `Add action_prefix "${target}/" to server ${target}`, preferred: true, edits: [{ file: m.file, ...edit }] }] : undefined,
  };
}

function duplicate(kind: string, name: string, span: Span, firstFile: string, firstSpan: Span): Finding {
  return { code: CODE, message: `duplicate ${kind} \`${name}\`: it is already declared`, span, related: [{ file: firstFile, span: firstSpan, message: `first declaration of \`${name}\`` }] };
}

function firstLineSpan(text: string): Span {
  let start = 0;
  while (start < text.length && /\s/.test(text[start]!)) start++;
  return { start, end: lineContentEnd(text, start) };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
