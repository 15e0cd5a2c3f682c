/**
 * Go to definition, find references and rename across one policy set: a manifest, the tool lists it imports and the
 * policy files it covers. A "target" is what a name at the cursor stands for (a tool, an agent, a role, a server, a
 * tool's argument, a field of the session context or of an agent, a policy id); every place that names it is an
 * occurrence, a declaration or a reference, with its exact span (UTF-16 offsets; editors get ranges at the edge).
 */
import type { Scalar } from 'yaml';
import type { Manifest, ToolDef } from '../manifest/model';
import type { Span } from '../types';
import { isPlainObject, pointerToPath, type JsonPath, type YamlSource } from '../yamlDoc';
import { CALL_TOOL_GROUP, type PolicyFacts, type PolicyFileFacts } from './policyFacts';
import { scalarAt, scalarEdit, scalarNode, spanOfPath } from './yamlNav';

export interface NavManifest {
  file: string;
  manifest: Manifest;
  /** Parsed sources of the manifest and of the tool lists it imports, by file. */
  sources: Map<string, YamlSource>;
}

/** One policy set: its manifest (none for a policy file that no manifest covers) and its policy files. */
export interface NavSet {
  manifest?: NavManifest;
  policies: { file: string; facts: PolicyFileFacts }[];
}

export type Target =
  | { kind: 'tool'; name: string }
  | { kind: 'agent'; id: string }
  | { kind: 'role'; name: string }
  | { kind: 'server'; name: string }
  /** An argument of one or more tools: `path` under `context.input`. */
  | { kind: 'argument'; tools: string[]; path: string[] }
  /** A field of the shared context: `path` under `context.session`. */
  | { kind: 'session'; path: string[] }
  /** An agent attribute: `path` under `principal`. */
  | { kind: 'agentAttribute'; path: string[] }
  | { kind: 'policy'; id: string };

export interface Occurrence {
  file: string;
  /** The name itself (without quotes). */
  span: Span;
  role: 'declaration' | 'reference';
  /** How a rename rewrites it. */
  edit: { kind: 'cedar'; span: Span } | { kind: 'yaml'; node: Scalar; json: boolean } | { kind: 'none' };
}

export interface TargetHit {
  target: Target;
  /** The name under the cursor (without quotes). */
  span: Span;
}

// ---- What is at the cursor ----

/** The target under `offset` of `file` (a policy file, the manifest or a tool list of the set). Never throws. */
export function targetAt(set: NavSet, file: string, offset: number): TargetHit | undefined {
  const pf = set.policies.find((p) => p.file === file);
  if (pf) return policyTargetAt(set, pf.facts, offset);
  const m = set.manifest;
  const source = m?.sources.get(file);
  if (!m || !source) return undefined;
  const hit = scalarAt(source, offset);
  if (!hit) return undefined;
  const target = file === m.file ? manifestTarget(source, hit.path, hit.isKey) : undefined;
  return target ? { target, span: hit.span } : toolTargetAt(m, file, source, hit.path, hit.isKey, hit.span);
}

const within = (offset: number, span: Span) => span.start <= offset && offset <= span.end;

function policyTargetAt(set: NavSet, facts: PolicyFileFacts, offset: number): TargetHit | undefined {
  const p = facts.policies.find((x) => within(offset, x.slice.span));
  if (!p) return undefined;
  if (p.slice.id && within(offset, p.slice.id.span)) return { target: { kind: 'policy', id: p.slice.id.value }, span: inner(p.slice.id.span) };
  const m = set.manifest;
  if (!m) return undefined;
  for (const e of p.entities) {
    if (!within(offset, e.span) || e.namespace !== m.manifest.namespace) continue;
    const target = entityTarget(e.local, e.id);
    return target && { target, span: e.idSpan };
  }
  for (const a of p.attrs) {
    const k = a.spans.findIndex((s) => within(offset, s));
    if (k < 0) continue;
    const path = a.path.slice(0, k + 1);
    const target = attrTarget(path, toolsOfPolicy(p, m.manifest));
    if (target) return { target, span: a.spans[k]! };
  }
  return undefined;
}

function entityTarget(local: string, id: string): Target | undefined {
  switch (local) {
    case 'Action':
      return id === CALL_TOOL_GROUP ? undefined : { kind: 'tool', name: id };
    case 'Agent':
      return { kind: 'agent', id };
    case 'Role':
      return { kind: 'role', name: id };
    case 'McpServer':
      return { kind: 'server', name: id };
    default:
      return undefined;
  }
}

function attrTarget(path: string[], tools: ToolDef[]): Target | undefined {
  if (path[0] === 'context' && path[1] === 'input' && path.length > 2) {
    const rest = path.slice(2);
    const having = tools.filter((t) => schemaPropertyPath(t.inputSchema, [], rest));
    return { kind: 'argument', tools: (having.length ? having : tools).map((t) => t.action), path: rest };
  }
  if (path[0] === 'context' && path[1] === 'session' && path.length > 2) return { kind: 'session', path: path.slice(2) };
  if (path[0] === 'principal' && path.length > 1) return { kind: 'agentAttribute', path: path.slice(1) };
  return undefined;
}

/** The tools a policy is about: those its action scope names, else those of the server its resource names, else all. */
export function toolsOfPolicy(p: PolicyFacts, manifest: Manifest): ToolDef[] {
  if (p.action.kind === 'tools') {
    const ids = p.action.ids;
    return manifest.tools.filter((t) => ids.includes(t.action));
  }
  const onServer = p.resourceServer === undefined ? [] : manifest.tools.filter((t) => t.server === p.resourceServer);
  return onServer.length ? onServer : manifest.tools;
}

/** `['properties', a, 'properties', b]` → `['a', 'b']`, or undefined when the path is not a chain of properties. */
function propertyChain(rest: JsonPath): string[] | undefined {
  if (rest.length === 0 || rest.length % 2 !== 0) return undefined;
  const out: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] !== 'properties') return undefined;
    out.push(String(rest[i + 1]));
  }
  return out;
}

function manifestTarget(source: YamlSource, path: JsonPath, isKey: boolean): Target | undefined {
  const [head, a, b] = path;
  const value = source.value;
  if (head === 'agents' && path.length === 2 && isKey) return { kind: 'agent', id: String(a) };
  if (head === 'agents' && b === 'roles' && path.length === 4 && !isKey) return { kind: 'role', name: scalarText(source, path) };
  if (head === 'agents' && b === 'delegates_to' && path.length === 4 && !isKey) return { kind: 'agent', id: scalarText(source, path) };
  if (head === 'agents' && b === 'attributes' && path.length >= 4 && isKey) return { kind: 'agentAttribute', path: path.slice(3).map(String) };
  if (head === 'roles' && path.length === 2 && !isKey) return { kind: 'role', name: scalarText(source, path) };
  if (head === 'servers' && path.length === 2 && isKey) return { kind: 'server', name: String(a) };
  if (head === 'context' && isKey) {
    const chain = propertyChain(path.slice(1));
    return chain && { kind: 'session', path: chain };
  }
  if (head === 'agent_attributes' && isKey) {
    const chain = propertyChain(path.slice(1));
    return chain && { kind: 'agentAttribute', path: chain };
  }
  if (head === 'scenarios' && typeof a === 'number') {
    const scenario = isPlainObject(value) && Array.isArray(value.scenarios) ? value.scenarios[a] : undefined;
    if (!isPlainObject(scenario)) return undefined;
    if (!isKey && path.length === 3 && b === 'agent') return { kind: 'agent', id: scalarText(source, path) };
    if (!isKey && path.length === 3 && b === 'tool') return { kind: 'tool', name: scalarText(source, path) };
    if (!isKey && b === 'via' && (path.length === 3 || path.length === 4)) return { kind: 'agent', id: scalarText(source, path) };
    if (!isKey && b === 'reasons' && path.length === 4) return { kind: 'policy', id: scalarText(source, path) };
    if (isKey && b === 'args' && path.length >= 4 && typeof scenario.tool === 'string') return { kind: 'argument', tools: [scenario.tool], path: path.slice(3).map(String) };
    if (isKey && b === 'context' && path.length >= 4) return { kind: 'session', path: path.slice(3).map(String) };
  }
  return undefined;
}

function scalarText(source: YamlSource, path: JsonPath): string {
  const n = scalarNode(source, path);
  return n ? String(n.value) : '';
}

/** A tool declared at `path` (in the manifest or a tool list), and what of it the cursor is on. */
function toolTargetAt(m: NavManifest, file: string, source: YamlSource, path: JsonPath, isKey: boolean, span: Span): TargetHit | undefined {
  const found = toolAtPath(m, file, source, path);
  if (!found) return undefined;
  const { tool, rest } = found;
  if (rest.length === 1 && rest[0] === 'name' && !isKey) return { target: { kind: 'tool', name: tool.action }, span };
  if (rest.length === 1 && rest[0] === 'server' && !isKey && file === m.file) return { target: { kind: 'server', name: tool.server }, span };
  if (rest[0] === 'inputSchema' && isKey) {
    const chain = propertyChain(rest.slice(1));
    if (chain) return { target: { kind: 'argument', tools: [tool.action], path: chain }, span };
  }
  return undefined;
}

function toolAtPath(m: NavManifest, file: string, source: YamlSource, path: JsonPath): { tool: ToolDef; rest: JsonPath } | undefined {
  for (let len = path.length - 1; len >= 1; len--) {
    const base = path.slice(0, len);
    const nameSpan = spanOfPath(source, [...base, 'name']);
    if (!nameSpan) continue;
    const tool = m.manifest.tools.find((t) => t.loc.file === file && overlaps(t.loc.span, nameSpan));
    if (tool) return { tool, rest: path.slice(len) };
  }
  return undefined;
}

const overlaps = (a: Span, b: Span) => a.start <= b.start && b.end <= a.end;

// ---- Declarations and references ----

/** Every place that names the target: declarations first, then references, each once, in file order. */
export function occurrences(set: NavSet, target: Target): Occurrence[] {
  const out: Occurrence[] = [];
  const m = set.manifest;
  if (m) {
    out.push(...declarationsIn(m, target));
    out.push(...manifestReferences(m, target));
  }
  for (const { file, facts } of set.policies) out.push(...policyOccurrences(file, facts, target, m));
  const seen = new Set<string>();
  return out
    .filter((o) => {
      const k = `${o.file}|${o.span.start}|${o.span.end}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => (a.role === b.role ? 0 : a.role === 'declaration' ? -1 : 1) || a.file.localeCompare(b.file) || a.span.start - b.span.start);
}

export function declarations(set: NavSet, target: Target): Occurrence[] {
  return occurrences(set, target).filter((o) => o.role === 'declaration');
}

function yamlOccurrence(m: NavManifest, file: string, path: JsonPath, key: boolean, role: Occurrence['role']): Occurrence | undefined {
  const source = m.sources.get(file);
  const node = source && scalarNode(source, path, key);
  const span = source && spanOfPath(source, path, key);
  if (!node || !span) return undefined;
  return { file, span, role, edit: { kind: 'yaml', node, json: file.endsWith('.json') } };
}

function declarationsIn(m: NavManifest, target: Target): Occurrence[] {
  const man = m.manifest;
  const src = m.sources.get(m.file);
  const value = src?.value;
  const out: (Occurrence | undefined)[] = [];
  switch (target.kind) {
    case 'agent':
      if (man.agents.some((a) => a.id === target.id)) out.push(yamlOccurrence(m, m.file, ['agents', target.id], true, 'declaration'));
      break;
    case 'role':
      if (isPlainObject(value) && Array.isArray(value.roles)) value.roles.forEach((r, i) => r === target.name && out.push(yamlOccurrence(m, m.file, ['roles', i], false, 'declaration')));
      break;
    case 'server':
      if (isPlainObject(value) && isPlainObject(value.servers) && Object.prototype.hasOwnProperty.call(value.servers, target.name)) {
        out.push(yamlOccurrence(m, m.file, ['servers', target.name], true, 'declaration'));
      }
      break;
    case 'tool':
      for (const t of man.tools.filter((x) => x.action === target.name)) out.push(toolNameOccurrence(m, t));
      break;
    case 'argument':
    case 'session':
    case 'agentAttribute':
      for (const s of schemasOf(m, target)) {
        const p = schemaPropertyPath(s.schema, s.path, s.names);
        if (p) out.push(yamlOccurrence(m, s.file, p, true, 'declaration'));
      }
      break;
    case 'policy':
      break;
  }
  return out.filter((o): o is Occurrence => o !== undefined);
}

function toolNameOccurrence(m: NavManifest, t: ToolDef): Occurrence | undefined {
  const source = m.sources.get(t.loc.file);
  if (!source) return undefined;
  const hit = scalarAt(source, t.loc.span.start);
  return hit && !hit.isKey ? yamlOccurrence(m, t.loc.file, hit.path, false, 'declaration') : undefined;
}

/** The schemas in which a property target is declared: the file, the schema's value and its path in the file. */
function schemasOf(m: NavManifest, target: Target): { file: string; schema: unknown; path: JsonPath; names: string[] }[] {
  const man = m.manifest;
  if (target.kind === 'argument') {
    return man.tools.filter((t) => target.tools.includes(t.action) && t.schemaPath).map((t) => ({ file: t.loc.file, schema: t.inputSchema, path: t.schemaPath!, names: target.path }));
  }
  if (target.kind === 'session' && man.context) return [{ file: m.file, schema: man.context, path: ['context'], names: target.path }];
  if (target.kind === 'agentAttribute' && man.agentAttributes) return [{ file: m.file, schema: man.agentAttributes, path: ['agent_attributes'], names: target.path }];
  return [];
}

/** `required: [..., name, ...]` beside a declared property: it names the property too. */
function requiredEntries(m: NavManifest, target: Target): Occurrence[] {
  const out: (Occurrence | undefined)[] = [];
  for (const s of schemasOf(m, target)) {
    const p = schemaPropertyPath(s.schema, s.path, s.names);
    const source = m.sources.get(s.file);
    if (!p || !source) continue;
    const objectPath = p.slice(0, -2);
    let obj: unknown = source.value;
    for (const seg of objectPath) obj = isPlainObject(obj) || Array.isArray(obj) ? (obj as Record<string, unknown>)[seg as string] : undefined;
    const required = isPlainObject(obj) ? obj.required : undefined;
    const name = s.names[s.names.length - 1];
    if (Array.isArray(required)) required.forEach((r, i) => r === name && out.push(yamlOccurrence(m, s.file, [...objectPath, 'required', i], false, 'reference')));
  }
  return out.filter((o): o is Occurrence => o !== undefined);
}

function manifestReferences(m: NavManifest, target: Target): Occurrence[] {
  const src = m.sources.get(m.file);
  const value = src?.value;
  if (!isPlainObject(value)) return [];
  const out: (Occurrence | undefined)[] = [...requiredEntries(m, target)];
  const ref = (path: JsonPath, key = false) => out.push(yamlOccurrence(m, m.file, path, key, 'reference'));
  const agents = isPlainObject(value.agents) ? Object.entries(value.agents) : [];
  const scenarios = Array.isArray(value.scenarios) ? value.scenarios : [];
  const eachString = (list: unknown, base: JsonPath, name: string) => {
    if (Array.isArray(list)) list.forEach((x, i) => x === name && ref([...base, i]));
  };
  switch (target.kind) {
    case 'agent':
      for (const [id, a] of agents) if (isPlainObject(a)) eachString(a.delegates_to, ['agents', id, 'delegates_to'], target.id);
      scenarios.forEach((s, i) => {
        if (!isPlainObject(s)) return;
        if (s.agent === target.id) ref(['scenarios', i, 'agent']);
        if (s.via === target.id) ref(['scenarios', i, 'via']);
        eachString(s.via, ['scenarios', i, 'via'], target.id);
      });
      break;
    case 'role':
      for (const [id, a] of agents) if (isPlainObject(a)) eachString(a.roles, ['agents', id, 'roles'], target.name);
      break;
    case 'server':
      if (Array.isArray(value.tools)) value.tools.forEach((t, i) => isPlainObject(t) && t.server === target.name && ref(['tools', i, 'server']));
      break;
    case 'tool':
      scenarios.forEach((s, i) => isPlainObject(s) && s.tool === target.name && ref(['scenarios', i, 'tool']));
      break;
    case 'argument':
      scenarios.forEach((s, i) => {
        if (isPlainObject(s) && typeof s.tool === 'string' && target.tools.includes(s.tool) && hasPath(s.args, target.path)) ref(['scenarios', i, 'args', ...target.path], true);
      });
      break;
    case 'session':
      scenarios.forEach((s, i) => isPlainObject(s) && hasPath(s.context, target.path) && ref(['scenarios', i, 'context', ...target.path], true));
      break;
    case 'agentAttribute':
      for (const [id, a] of agents) if (isPlainObject(a) && hasPath(a.attributes, target.path)) ref(['agents', id, 'attributes', ...target.path], true);
      break;
    case 'policy':
      scenarios.forEach((s, i) => isPlainObject(s) && eachString(s.reasons, ['scenarios', i, 'reasons'], target.id));
      break;
  }
  return out.filter((o): o is Occurrence => o !== undefined);
}

function hasPath(v: unknown, path: string[]): boolean {
  let cur = v;
  for (const seg of path) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, seg)) return false;
    cur = cur[seg];
  }
  return true;
}

const ENTITY_TYPES: Partial<Record<Target['kind'], string>> = { tool: 'Action', agent: 'Agent', role: 'Role', server: 'McpServer' };

function policyOccurrences(file: string, facts: PolicyFileFacts, target: Target, m: NavManifest | undefined): Occurrence[] {
  const out: Occurrence[] = [];
  const local = ENTITY_TYPES[target.kind];
  const name = target.kind === 'tool' || target.kind === 'role' || target.kind === 'server' ? target.name : target.kind === 'agent' ? target.id : undefined;
  for (const p of facts.policies) {
    if (target.kind === 'policy') {
      if (p.slice.id?.value === target.id) out.push({ file, span: inner(p.slice.id.span), role: 'declaration', edit: { kind: 'cedar', span: inner(p.slice.id.span) } });
      continue;
    }
    if (local && m) {
      for (const e of p.entities) {
        if (e.local === local && e.id === name && e.namespace === m.manifest.namespace) out.push({ file, span: e.idSpan, role: 'reference', edit: { kind: 'cedar', span: e.idSpan } });
      }
      continue;
    }
    const prefix = target.kind === 'argument' ? ['context', 'input'] : target.kind === 'session' ? ['context', 'session'] : target.kind === 'agentAttribute' ? ['principal'] : undefined;
    if (!prefix || !('path' in target)) continue;
    if (target.kind === 'argument' && m && !toolsOfPolicy(p, m.manifest).some((t) => target.tools.includes(t.action))) continue;
    const full = [...prefix, ...target.path];
    for (const a of p.attrs) {
      if (a.path.length < full.length || !full.every((seg, i) => a.path[i] === seg)) continue;
      const span = a.spans[full.length - 1]!;
      out.push({ file, span, role: 'reference', edit: { kind: 'none' } });
    }
  }
  return out;
}

/** The path (in the source) of the property key that `names` reach from a JSON Schema at `basePath`. */
export function schemaPropertyPath(schema: unknown, basePath: JsonPath, names: string[]): JsonPath | undefined {
  const root = schema;
  const visit = (node: unknown, at: JsonPath, i: number, depth: number): JsonPath | undefined => {
    if (depth > 32 || !isPlainObject(node)) return undefined;
    if (typeof node.$ref === 'string' && node.$ref.startsWith('#/')) {
      const rel = pointerToPath(node.$ref.slice(1));
      let target: unknown = root;
      for (const seg of rel) target = isPlainObject(target) || Array.isArray(target) ? (target as Record<string, unknown>)[seg as string] : undefined;
      return visit(target, [...basePath, ...rel], i, depth + 1);
    }
    const props = node.properties;
    if (isPlainObject(props) && Object.prototype.hasOwnProperty.call(props, names[i]!)) {
      const here = [...at, 'properties', names[i]!];
      return i === names.length - 1 ? here : visit(props[names[i]!], here, i + 1, depth + 1);
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const members = node[key];
      if (!Array.isArray(members)) continue;
      for (let k = 0; k < members.length; k++) {
        const found = visit(members[k], [...at, key, k], i, depth + 1);
        if (found) return found;
      }
    }
    return undefined;
  };
  return names.length ? visit(schema, basePath, 0, 0) : undefined;
}

function inner(span: Span): Span {
  return span.end - span.start >= 2 ? { start: span.start + 1, end: span.end - 1 } : span;
}

// ---- Rename ----

export type PrepareRename = { span: Span; placeholder: string } | { error: string };

/** Whether the target under `offset` can be renamed, and the span of its name. */
export function prepareRename(set: NavSet, file: string, offset: number): PrepareRename | undefined {
  const hit = targetAt(set, file, offset);
  if (!hit) return undefined;
  const why = cannotRename(set, hit.target);
  return why ? { error: why } : { span: hit.span, placeholder: nameOf(hit.target) };
}

function nameOf(t: Target): string {
  switch (t.kind) {
    case 'tool':
    case 'role':
    case 'server':
      return t.name;
    case 'agent':
    case 'policy':
      return t.id;
    default:
      return t.path.join('.');
  }
}

const KIND_WORDS: Record<Target['kind'], string> = {
  tool: 'tool',
  agent: 'agent',
  role: 'role',
  server: 'server',
  argument: 'argument',
  session: 'session field',
  agentAttribute: 'agent attribute',
  policy: 'policy id',
};

function cannotRename(set: NavSet, t: Target): string | undefined {
  const m = set.manifest;
  switch (t.kind) {
    case 'argument':
      return `\`${t.path.join('.')}\` is an argument of ${t.tools.map((x) => `\`${x}\``).join(', ')}: agents send it under this name, so it is renamed in the tool's input schema first, not here.`;
    case 'session':
      return `\`${t.path.join('.')}\` is a field of the shared context that callers send: rename it in the manifest's \`context\` schema and in the callers first.`;
    case 'agentAttribute':
      return `\`${t.path.join('.')}\` is an agent attribute: rename it in the manifest's \`agent_attributes\` and the agents' \`attributes\` first.`;
    case 'policy':
      return set.policies.some((p) => p.facts.policies.some((x) => x.slice.id?.value === t.id)) ? undefined : `no policy of this set has the id \`${t.id}\`.`;
    default:
      break;
  }
  if (!m) return 'no agent manifest covers this file.';
  const decls = declarationsIn(m, t);
  if (t.kind === 'tool') {
    const tool = m.manifest.tools.find((x) => x.action === t.name);
    if (tool && tool.loc.file !== m.file) {
      const server = m.manifest.servers.find((s) => s.name === tool.server);
      return `\`${t.name}\` is a tool of the MCP server \`${tool.server}\`${server?.importPath ? `, imported from ${server.importPath}` : ''}: its name belongs to the server and cannot be renamed here.`;
    }
    // Its action id is the server's prefix plus its name: rename the name under the server (or change the prefix).
    if (tool && tool.action !== tool.name) return `\`${t.name}\` is \`${tool.name}\` after its server's action_prefix: rename \`${tool.name}\` in the manifest, or change the prefix.`;
  }
  if (t.kind === 'server' && decls.length === 0 && m.manifest.servers.some((s) => s.name === t.name)) {
    return `the server \`${t.name}\` holds the tools declared under \`tools:\` and has no declaration of its own to rename.`;
  }
  if (decls.length === 0) return `the manifest declares no ${KIND_WORDS[t.kind]} \`${nameOf(t)}\`: there is nothing to rename (fix this reference instead).`;
  return undefined;
}

export interface RenameEdit {
  file: string;
  span: Span;
  newText: string;
}

/** The edits that rename the target under `offset` to `newName`, or why it cannot be. */
export function rename(set: NavSet, file: string, offset: number, newName: string): { edits: RenameEdit[] } | { error: string } | undefined {
  const hit = targetAt(set, file, offset);
  if (!hit) return undefined;
  const t = hit.target;
  const why = cannotRename(set, t);
  if (why) return { error: why };
  if (newName.length === 0 || /[\u0000-\u001f\u007f]/.test(newName)) return { error: 'a name cannot be empty or hold control characters (line breaks, tabs).' };
  if (newName === nameOf(t)) return { edits: [] };
  const clash = occurrences(set, withName(t, newName)).some((o) => o.role === 'declaration');
  if (clash) return { error: `${/^[aeiou]/.test(KIND_WORDS[t.kind]) ? 'an' : 'a'} ${KIND_WORDS[t.kind]} \`${newName}\` already exists: renaming would merge the two.` };
  const edits: RenameEdit[] = [];
  for (const o of occurrences(set, t)) {
    if (o.edit.kind === 'cedar') edits.push({ file: o.file, span: o.edit.span, newText: cedarStringBody(newName) });
    else if (o.edit.kind === 'yaml') {
      const e = scalarEdit(o.edit.node, newName, o.edit.json);
      if (e) edits.push({ file: o.file, ...e });
    }
  }
  return { edits };
}

function withName(t: Target, name: string): Target {
  switch (t.kind) {
    case 'tool':
    case 'role':
    case 'server':
      return { ...t, name };
    case 'agent':
    case 'policy':
      return { ...t, id: name };
    default:
      return t;
  }
}

/** `text` as the inside of a Cedar string literal. */
export function cedarStringBody(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out;
}
