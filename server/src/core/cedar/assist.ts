/**
 * Completion and hover in Cedar policy files, from the manifest that covers them: the arguments of the tools a
 * policy is about (`context.input.…`), the shared context (`context.session.…`), agent attributes
 * (`principal.…`), the values of a string enum after `==`/`!=`/`.contains(`, and the ids of agents, roles, tools and
 * servers in entity references (`Acme::Action::"…"`). The text being typed does not parse, so the place of the
 * cursor is read from tokens; the policy's scope, when its head is complete, is read from Cedar's own AST.
 */
import type { JsonObject, Manifest, ToolDef } from '../manifest/model';
import type { Span } from '../types';
import { CALL_TOOL_GROUP } from './ast';
import { nullableMember, resolveRef, type CType, type Unexpressible } from './ctype';
import { reach, toolsInScope as scopeTools } from './inCedar';
import { mapSession, mapToolInput } from './schemaGen';
import { readHead } from './headScope';
import { splitPolicies, tokenize, unescapeCedarString, type Token } from './split';

export type AssistKind = 'property' | 'value' | 'tool' | 'agent' | 'role' | 'server';

export interface CompletionEntry {
  label: string;
  kind: AssistKind;
  /** One line shown beside the label (type, server, roles…). */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** The text the label replaces (the part already typed, and what follows it of the same word). */
  replace: Span;
  /** When it differs from the label (e.g. a whole entity reference). */
  insertText?: string;
  /** Orders entries: lower first. */
  sortText?: string;
}

export interface HoverEntry {
  span: Span;
  /** Markdown. */
  markdown: string;
}

type Schema = JsonObject;

/**
 * What Cedar makes of the object attributes are read from (a tool's `context.input`, the session): its Cedar type, what
 * the mapping left out, and the names read so far from it.
 */
interface CedarView {
  type: CType;
  leftOut: readonly Unexpressible[];
  names: string[];
}

interface Source {
  from: string;
  schema: unknown;
  root: unknown;
  required: boolean;
  /** Where the attribute leads in Cedar (absent for agent attributes, typed from their values). */
  cedar?: { view: CedarView; type: CType } | { leftOut: string };
}

/** One attribute an access path can reach, with the schemas it has in each place it comes from. */
interface Attr {
  name: string;
  /** Per source (a tool's action id, `session`, or an agent), the property's schema and root (for `$ref`). */
  sources: Source[];
}

/** A source that policies can read: Cedar has a type for it (or, for agent attributes, nothing says otherwise). */
const usable = (s: Source) => !s.cedar || 'type' in s.cedar;

const MAX_REF_DEPTH = 16;

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows `$ref` and a lone `allOf` member, never looping. */
function deref(schema: unknown, root: unknown): Schema | undefined {
  let s = schema;
  for (let i = 0; i < MAX_REF_DEPTH; i++) {
    if (!isObject(s)) return undefined;
    if (typeof s.$ref === 'string') s = resolveRef(root, s.$ref);
    else if (Array.isArray(s.allOf) && s.allOf.length === 1 && s.properties === undefined) s = s.allOf[0];
    else if (nullableMember(s) !== undefined) s = nullableMember(s);
    else return s;
  }
  return undefined;
}

/** The properties of an object schema (including those of its `allOf`/`anyOf`/`oneOf` members), with `required`. */
function propertiesOf(schema: unknown, root: unknown): { name: string; schema: unknown; required: boolean }[] {
  const out = new Map<string, { name: string; schema: unknown; required: boolean }>();
  const visit = (s: unknown, depth: number) => {
    const d = deref(s, root);
    if (!d || depth > MAX_REF_DEPTH) return;
    const required = new Set(Array.isArray(d.required) ? d.required.filter((r): r is string => typeof r === 'string') : []);
    if (isObject(d.properties)) {
      for (const [name, p] of Object.entries(d.properties)) {
        const prev = out.get(name);
        out.set(name, { name, schema: prev?.schema ?? p, required: (prev?.required ?? false) || required.has(name) });
      }
    }
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const members = d[key];
      if (Array.isArray(members)) for (const m of members) visit(m, depth + 1);
    }
  };
  visit(schema, 0);
  return [...out.values()];
}

/** A Cedar type in words, as the schema text writes it. */
function ctypeName(t: CType): string {
  switch (t.kind) {
    case 'String':
    case 'Long':
    case 'Bool':
      return t.kind;
    case 'Decimal':
      return 'decimal';
    case 'Set':
      return `Set<${ctypeName(t.element)}>`;
    case 'Record':
      return 'Record';
    case 'Tagged':
      return 'entity with tags';
  }
}

/** The Cedar type of a source: from the mapping where there is one, else what its JSON Schema says. */
function typeName(s: Source): string {
  return s.cedar && 'type' in s.cedar ? ctypeName(s.cedar.type) : cedarTypeName(s.schema, s.root);
}

/** The Cedar type a JSON Schema maps to, in words (the mapping of DESIGN.md), for agent attributes. */
function cedarTypeName(schema: unknown, root: unknown): string {
  const s = deref(schema, root);
  if (!s) return 'unknown';
  let type = s.type;
  if (Array.isArray(type)) type = type.filter((t) => t !== 'null')[0];
  if (type === undefined) {
    if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) type = 'string';
    else if (s.properties !== undefined) type = 'object';
    else if (s.items !== undefined) type = 'array';
  }
  switch (type) {
    case 'string':
      return 'String';
    case 'integer':
      return 'Long';
    case 'number':
      return 'decimal';
    case 'boolean':
      return 'Bool';
    case 'array':
      return `Set<${cedarTypeName(s.items, root)}>`;
    case 'object':
      return isObject(s.additionalProperties) || s.additionalProperties === true ? 'entity with tags' : 'Record';
    default:
      return 'unknown';
  }
}

function stringEnum(schema: unknown, root: unknown): string[] | undefined {
  const s = deref(schema, root);
  if (!s) return undefined;
  if (Array.isArray(s.enum) && s.enum.every((v) => typeof v === 'string')) return s.enum as string[];
  if (typeof s.const === 'string') return [s.const];
  // A set of enum strings: its items.
  if (s.type === 'array' && s.items !== undefined) return stringEnum(s.items, root);
  return undefined;
}

const CONSTRAINTS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern', 'format', 'minItems', 'maxItems', 'multipleOf'] as const;

/** Markdown for one attribute: type, required, description, enum, the constraints checked before Cedar. */
function describeAttr(path: string, attr: Attr): string {
  const lines: string[] = [];
  const sources = attr.sources.filter(usable);
  const missing = attr.sources.filter((x) => !usable(x));
  const first = sources[0] ?? attr.sources[0]!;
  const s = deref(first.schema, first.root);
  // A nullable union carries its description outside the member (zod's `.describe()`).
  const outer = isObject(first.schema) && typeof first.schema.description === 'string' ? first.schema.description : undefined;
  const description = outer ?? (typeof s?.description === 'string' ? s.description : undefined);
  if (sources.length === 0) {
    lines.push(`\`${path}\`: not in the Cedar schema — ${leftOutReasons(missing)}. Calls are still checked against its JSON Schema before Cedar sees them, but no policy can read it.`);
    if (description) lines.push('', description);
    return lines.join('\n');
  }
  const types = [...new Set(sources.map(typeName))];
  const allRequired = sources.every((x) => x.required);
  lines.push(`\`${path}\`: ${types.map((t) => `\`${t}\``).join(' or ')}${allRequired ? ', required' : ', optional: guard it with `has`'}`);
  if (description) lines.push('', description);
  const values = stringEnum(first.schema, first.root);
  if (values) lines.push('', `One of: ${values.map((v) => `\`"${v}"\``).join(', ')}`);
  const constraints = s ? CONSTRAINTS.filter((k) => s[k] !== undefined).map((k) => `${k} ${JSON.stringify(s[k])}`) : [];
  if (values || constraints.length) {
    lines.push('', `${constraints.length ? `${constraints.join(', ')}; ` : ''}${values ? 'the enum ' : ''}checked against the JSON Schema before Cedar sees the call.`);
  }
  const froms = sources.map((x) => x.from).filter((f) => f !== 'session' && f !== 'agent');
  if (froms.length) lines.push('', `Argument of ${froms.map((f) => `\`${f}\``).join(', ')}`);
  if (missing.length) lines.push('', `Not in the Cedar schema of ${leftOutReasons(missing)}: policies cannot read it there.`);
  return lines.join('\n');
}

/** "tool `a`: a union … has no Cedar type", grouped by reason. */
function leftOutReasons(sources: Source[]): string {
  const byReason = new Map<string, string[]>();
  for (const s of sources) {
    const why = s.cedar && 'leftOut' in s.cedar ? s.cedar.leftOut : 'it is not in the Cedar schema';
    byReason.set(why, [...(byReason.get(why) ?? []), s.from]);
  }
  return [...byReason]
    .map(([why, froms]) => {
      const tools = froms.filter((f) => f !== 'session' && f !== 'agent');
      return tools.length ? `${tools.length === 1 ? 'tool' : 'tools'} ${tools.map((f) => `\`${f}\``).join(', ')}: ${why}` : why;
    })
    .join('; ');
}

/** The attributes reachable at an access path (`context`, `context.input`, `principal.address`, …). */
function attributesAt(path: string[], manifest: Manifest, tools: ToolDef[]): Attr[] | undefined {
  const [root, ...rest] = path;
  let attrs: Attr[];
  if (root === 'principal') {
    attrs = agentAttributes(manifest);
  } else if (root === 'context') {
    if (rest.length === 0) {
      return [
        { name: 'input', sources: [{ from: 'context', schema: { type: 'object', description: "The tool's arguments, as the agent sent them." }, root: undefined, required: true }] },
        { name: 'session', sources: [{ from: 'context', schema: { type: 'object', description: 'The shared context of the call: task, purpose, data, destination.' }, root: undefined, required: true }] },
      ];
    }
    const head = rest.shift();
    if (head === 'input') {
      attrs = mergeAttrs(
        tools.map((t) => {
          const mapped = mapToolInput(t, manifest.namespace);
          return { from: t.action, schema: t.inputSchema, root: t.inputSchema, view: { type: mapped.type, leftOut: mapped.unexpressible, names: [] } };
        }),
      );
    } else if (head === 'session') {
      const ctx = manifest.context;
      const mapped = ctx ? mapSession(ctx, manifest.namespace) : undefined;
      attrs = ctx && mapped ? mergeAttrs([{ from: 'session', schema: ctx, root: ctx, view: { type: mapped.type, leftOut: mapped.unexpressible, names: [] } }]) : [];
    } else return undefined;
  } else {
    return undefined;
  }
  for (const name of rest) {
    const attr = attrs.find((a) => a.name === name);
    if (!attr) return undefined;
    // Only where Cedar has the attribute can its own attributes be read.
    attrs = mergeAttrs(attr.sources.filter(usable).map((s) => ({ from: s.from, schema: s.schema, root: s.root, view: s.cedar && 'view' in s.cedar ? s.cedar.view : undefined })));
  }
  return attrs;
}

function mergeAttrs(objects: { from: string; schema: unknown; root: unknown; view?: CedarView }[]): Attr[] {
  const byName = new Map<string, Attr>();
  for (const o of objects) {
    for (const p of propertiesOf(o.schema, o.root)) {
      const a = byName.get(p.name) ?? { name: p.name, sources: [] };
      const source: Source = { from: o.from, schema: p.schema, root: o.root, required: p.required };
      if (o.view) {
        const names = [...o.view.names, p.name];
        const r = reach(o.view.type, o.view.leftOut, names);
        source.cedar = r && 'type' in r ? { view: { ...o.view, names }, type: r.type } : { leftOut: r?.leftOut ?? 'it is not in the Cedar schema' };
        // Optional in Cedar when it may be null, whatever the JSON Schema's `required` says.
        if (r && 'type' in r) source.required = r.required;
      }
      a.sources.push(source);
      byName.set(p.name, a);
    }
  }
  return [...byName.values()];
}

/** Agent attributes: the declared `agent_attributes` schema, or what the agents' values show. */
function agentAttributes(manifest: Manifest): Attr[] {
  if (manifest.agentAttributes) return mergeAttrs([{ from: 'agent', schema: manifest.agentAttributes, root: manifest.agentAttributes }]);
  const byName = new Map<string, Attr>();
  for (const agent of manifest.agents) {
    for (const [name, value] of Object.entries(agent.attributes)) {
      const a = byName.get(name) ?? { name, sources: [] };
      const type = typeof value === 'number' ? (Number.isInteger(value) ? 'integer' : 'number') : Array.isArray(value) ? 'array' : isObject(value) ? 'object' : typeof value;
      if (!a.sources.length) a.sources.push({ from: 'agent', schema: { type }, root: undefined, required: true });
      byName.set(name, a);
    }
  }
  const all = manifest.agents.length;
  for (const a of byName.values()) a.sources[0]!.required = manifest.agents.filter((ag) => a.name in ag.attributes).length === all;
  return [...byName.values()];
}

/** The tools a policy is about: those its action scope names, or every tool. */
function toolsInScope(text: string, offset: number, manifest: Manifest): ToolDef[] {
  const policy = splitPolicies(text).find((p) => p.span.start <= offset && offset <= p.span.end + 1);
  if (policy?.effectSpan && policy.headSpan) {
    const scope = readHead(text.slice(policy.effectSpan.start, policy.headSpan.end), policy.isTemplate);
    if (scope) {
      // Named tools, or every tool of one server (`resource == McpServer::"crm"`); when they name nothing known, every tool.
      const tools = scopeTools(scope, manifest);
      if (tools.length) return tools;
    }
  }
  return manifest.tools;
}

/** The access path that ends just before token `i` (exclusive), e.g. `context . input`, as names; and its start. */
export function pathBefore(tokens: Token[], i: number): { path: string[]; start: number } | undefined {
  const names: string[] = [];
  let j = i - 1;
  if (tokens[j]?.kind !== 'ident') return undefined;
  names.unshift(tokens[j]!.value);
  while (tokens[j - 1]?.value === '.' && tokens[j - 2]?.kind === 'ident') {
    names.unshift(tokens[j - 2]!.value);
    j -= 2;
  }
  return { path: names, start: tokens[j]!.start };
}

/** The word of identifier characters around `offset` that completion replaces. */
export function wordSpan(text: string, offset: number, chars = /[A-Za-z0-9_]/): Span {
  let start = offset;
  while (start > 0 && chars.test(text[start - 1]!)) start--;
  let end = offset;
  while (end < text.length && chars.test(text[end]!)) end++;
  return { start, end };
}

const ENTITY_KINDS: Record<string, 'tool' | 'agent' | 'role' | 'server'> = { Action: 'tool', Agent: 'agent', Role: 'role', McpServer: 'server' };

function toolDetail(t: ToolDef): string {
  return `${t.readOnly ? 'read-only' : t.destructive ? 'destructive' : 'writes'} · ${t.server}`;
}

function toolDoc(t: ToolDef): string {
  const lines = [`**Tool \`${t.action}\`** on server \`${t.server}\`${t.action !== t.name ? ` (its MCP name is \`${t.name}\`)` : ''} — ${toolDetail(t).split(' · ')[0]}${t.annotations.readOnlyHint === undefined && t.annotations.destructiveHint === undefined ? ' (no annotations: MCP assumes destructive)' : ''}`];
  if (t.description) lines.push('', t.description);
  const args = propertiesOf(t.inputSchema, t.inputSchema);
  if (args.length) lines.push('', `Arguments (\`context.input\`): ${args.map((a) => `\`${a.name}\` ${cedarTypeName(a.schema, t.inputSchema)}${a.required ? '' : '?'}`).join(', ')}`);
  return lines.join('\n');
}

const CALL_TOOL_DOC = '**Action group `call_tool`**: every tool is in it. `action in Action::"call_tool"` narrows nothing.';

function toolRefDoc(manifest: Manifest, id: string): string {
  if (id === CALL_TOOL_GROUP) return CALL_TOOL_DOC;
  const t = manifest.tools.find((x) => x.action === id);
  return t ? toolDoc(t) : `No tool \`${id}\` in the manifest.`;
}

function entityIds(kind: AssistKind, manifest: Manifest): { id: string; detail?: string; doc: string }[] {
  switch (kind) {
    case 'tool':
      return [{ id: CALL_TOOL_GROUP, detail: 'every tool', doc: CALL_TOOL_DOC }, ...manifest.tools.map((t) => ({ id: t.action, detail: toolDetail(t), doc: toolDoc(t) }))];
    case 'agent':
      return manifest.agents.map((a) => ({ id: a.id, detail: a.roles.length ? `roles: ${a.roles.join(', ')}` : 'no roles', doc: agentDoc(manifest, a.id) }));
    case 'role':
      return manifest.roles.map((r) => ({ id: r.name, detail: `${agentsWithRole(manifest, r.name).length} agents`, doc: roleDoc(manifest, r.name) }));
    case 'server':
      return manifest.servers.map((s) => ({ id: s.name, detail: `${manifest.tools.filter((t) => t.server === s.name).length} tools`, doc: serverDoc(manifest, s.name) }));
    default:
      return [];
  }
}

function agentsWithRole(manifest: Manifest, role: string): string[] {
  return manifest.agents.filter((a) => a.roles.includes(role)).map((a) => a.id);
}

function agentDoc(manifest: Manifest, id: string): string {
  const a = manifest.agents.find((x) => x.id === id);
  if (!a) return `No agent \`${id}\` in the manifest.`;
  const lines = [`**Agent \`${a.id}\`**${a.owner ? ` — owner ${a.owner}` : ''}`];
  if (a.description) lines.push('', a.description);
  lines.push('', `Roles: ${a.roles.length ? a.roles.map((r) => `\`${r}\``).join(', ') : 'none'}`);
  if (a.identity) lines.push('', `Identity: ${a.identity.kind}${a.identity.ttl ? `, ttl ${a.identity.ttl}` : ''}`);
  if (a.delegatesTo.length) lines.push('', `Delegates to: ${a.delegatesTo.map((d) => `\`${d}\``).join(', ')}`);
  return lines.join('\n');
}

function roleDoc(manifest: Manifest, role: string): string {
  if (!manifest.roles.some((r) => r.name === role)) return `No role \`${role}\` in the manifest.`;
  const agents = agentsWithRole(manifest, role);
  return `**Role \`${role}\`**\n\nAgents: ${agents.length ? agents.map((a) => `\`${a}\``).join(', ') : 'none'}`;
}

function serverDoc(manifest: Manifest, name: string): string {
  const s = manifest.servers.find((x) => x.name === name);
  if (!s) return `No server \`${name}\` in the manifest.`;
  const tools = manifest.tools.filter((t) => t.server === name).map((t) => t.action);
  return [`**MCP server \`${name}\`**`, ...(s.description ? ['', s.description] : []), '', `Tools: ${tools.length ? tools.map((t) => `\`${t}\``).join(', ') : 'none'}`].join('\n');
}

/** What an entity reference of each kind refers to, for hover. */
const ENTITY_DOCS: Record<'tool' | 'agent' | 'role' | 'server', (manifest: Manifest, id: string) => string> = {
  tool: toolRefDoc,
  agent: agentDoc,
  role: roleDoc,
  server: serverDoc,
};

/** The entity type before a string token (`Acme::Action::"…"` → `Action`), if the tokens say so. */
export function entityTypeBefore(tokens: Token[], i: number): string | undefined {
  if (tokens[i - 1]?.value !== '::' || tokens[i - 2]?.kind !== 'ident') return undefined;
  return tokens[i - 2]!.value;
}

export function tokenIndexAt(tokens: Token[], offset: number): number {
  // The last token that starts before the offset.
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * The part of a file that completion and hover read: from the start of the policy around `offset` through the end
 * of the offset's line, so that a keystroke in a file of thousands of policies does not tokenize all of them. The
 * policy starts at the last line before the offset that begins, at column 0, with an annotation or an effect (a
 * comment cannot hide such a line; only a multi-line string could, and completion is then merely less precise).
 * Without such a line, the whole file up to the offset's line.
 */
export function windowAround(text: string, offset: number): { base: number; text: string } {
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  let base = 0;
  // `line` is the offset of the newline before the line looked at (never the cursor's own line's end).
  for (let line = offset === 0 ? -1 : text.lastIndexOf('\n', offset - 1); line >= 0; line = line === 0 ? -1 : text.lastIndexOf('\n', line - 1)) {
    if (/^(@|permit\b|forbid\b)/.test(text.slice(line + 1, line + 8))) {
      base = line + 1;
      break;
    }
  }
  return { base, text: text.slice(base, end) };
}

const shift = (span: Span, by: number): Span => ({ start: span.start + by, end: span.end + by });

/** Completion at `offset` (UTF-16) of a policy file. Never throws; without a manifest there is nothing to offer. */
export function completeAt(text: string, offset: number, manifest: Manifest | undefined): CompletionEntry[] {
  if (!manifest || offset < 0 || offset > text.length) return [];
  const w = windowAround(text, offset);
  return completeIn(w.text, offset - w.base, manifest).map((e) => ({ ...e, replace: shift(e.replace, w.base) }));
}

function completeIn(text: string, offset: number, manifest: Manifest): CompletionEntry[] {
  const tokens = tokenize(text);
  const i = tokenIndexAt(tokens, offset);
  const tok = tokens[i];
  if (tok?.kind === 'comment' && offset <= tok.end) return [];

  // Inside a string: an entity id, or an enum value.
  const unterminated = tok?.kind === 'string' && (tok.end - tok.start === 1 || text.charCodeAt(tok.end - 1) !== 34);
  if (tok?.kind === 'string' && offset > tok.start && (offset < tok.end || unterminated)) {
    const replace = wordSpan(text, offset, /[^"\\\n\r]/);
    replace.start = Math.max(replace.start, tok.start + 1);
    const type = entityTypeBefore(tokens, i);
    if (type !== undefined) {
      const kind = ENTITY_KINDS[type];
      if (!kind) return [];
      return entityIds(kind, manifest).map((e, n) => ({ label: e.id, kind, detail: e.detail, documentation: e.doc, replace, sortText: String(n).padStart(4, '0') }));
    }
    const values = enumBefore(text, tokens, i, offset, manifest);
    // In the order the schema lists them, not alphabetically.
    return values.map((v, n) => ({ label: v.value, kind: 'value', detail: v.detail, replace, sortText: String(n).padStart(4, '0') }));
  }

  // After `.` (or `has`): the attributes of the path before it.
  let j = i;
  let replace: Span = { start: offset, end: offset };
  if (tok?.kind === 'ident' && offset <= tok.end) {
    replace = { start: tok.start, end: tok.end };
    j = i - 1;
  }
  const sep = tokens[j];
  if (sep && (sep.value === '.' || (sep.kind === 'ident' && sep.value === 'has'))) {
    const p = pathBefore(tokens, j);
    if (!p) return [];
    const tools = p.path[0] === 'context' ? toolsInScope(text, offset, manifest) : manifest.tools;
    // What Cedar leaves out is not offered: inserting it would only make a validation error (hover says why).
    const attrs = (attributesAt(p.path, manifest, tools) ?? []).filter((a) => a.sources.some(usable));
    const prefix = p.path.join('.');
    return attrs.map((a, n) => {
      const types = [...new Set(a.sources.filter(usable).map(typeName))].join(' | ');
      const fromTools = p.path[1] === 'input' && tools.length > 1 ? a.sources.filter(usable).map((s) => s.from) : [];
      const partial = fromTools.length && fromTools.length < tools.length ? ` · only ${fromTools.join(', ')}` : '';
      const detail = `${types}${a.sources.filter(usable).every((s) => s.required) ? '' : '?'}${partial}`;
      return { label: a.name, kind: 'property' as const, detail, documentation: describeAttr(`${prefix}.${a.name}`, a), replace, sortText: String(n).padStart(4, '0') };
    });
  }

  // An entity reference in the scope: `principal == `, `action in `, `resource == `, or in `action in [..., `.
  let k = j;
  if (tokens[k]?.value === '[' || tokens[k]?.value === ',') {
    const inList = (t: Token) => t.kind === 'ident' || t.kind === 'string' || t.value === '::' || t.value === ',';
    while (k > 0 && tokens[k]!.value !== '[' && inList(tokens[k]!)) k--;
    k = tokens[k]?.value === '[' ? k - 1 : -1;
  }
  const op = tokens[k];
  const scopeVar = tokens[k - 1];
  if (op && scopeVar?.kind === 'ident' && (op.value === '==' || op.value === 'in') && ['principal', 'action', 'resource'].includes(scopeVar.value)) {
    const kinds: AssistKind[] = scopeVar.value === 'principal' ? (op.value === 'in' ? ['role', 'agent'] : ['agent']) : scopeVar.value === 'action' ? ['tool'] : ['server'];
    const typeOf: Record<string, string> = { role: 'Role', agent: 'Agent', tool: 'Action', server: 'McpServer' };
    return kinds.flatMap((kind, k) =>
      entityIds(kind, manifest).map((e, n) => {
        const ref = `${manifest.namespace}::${typeOf[kind]}::"${e.id}"`;
        return { label: ref, kind, detail: e.detail, documentation: e.doc, replace, insertText: ref, sortText: `${k}${String(n).padStart(4, '0')}` };
      }),
    );
  }
  return [];
}

/** Enum values for a string being typed after `path ==`, `path !=`, or `path.contains(`. */
function enumBefore(text: string, tokens: Token[], i: number, offset: number, manifest: Manifest): { value: string; detail: string }[] {
  let p: { path: string[] } | undefined;
  const prev = tokens[i - 1];
  if (prev && (prev.value === '==' || prev.value === '!=')) p = pathBefore(tokens, i - 1);
  else if (prev?.value === '(' && tokens[i - 2]?.value === 'contains' && tokens[i - 3]?.value === '.') p = pathBefore(tokens, i - 3);
  if (!p || p.path.length < 2) return [];
  const tools = p.path[0] === 'context' ? toolsInScope(text, offset, manifest) : manifest.tools;
  const parent = attributesAt(p.path.slice(0, -1), manifest, tools);
  const attr = parent?.find((a) => a.name === p!.path.at(-1));
  if (!attr) return [];
  const seen = new Map<string, string[]>();
  for (const s of attr.sources.filter(usable)) for (const v of stringEnum(s.schema, s.root) ?? []) seen.set(v, [...(seen.get(v) ?? []), s.from]);
  return [...seen].map(([value, froms]) => ({ value, detail: `${p!.path.join('.')} · ${froms.filter((f) => f !== 'session' && f !== 'agent').join(', ') || 'enum'}` }));
}

/** The Cedar types (as completion writes them: `Long`, `Set<String>`…) of the attribute an access path names, for these tools. */
export function attributeTypes(path: string[], manifest: Manifest, tools: ToolDef[]): string[] | undefined {
  if (path.length < 2) return undefined;
  const attr = attributesAt(path.slice(0, -1), manifest, tools)?.find((a) => a.name === path.at(-1));
  return attr && [...new Set(attr.sources.map((s) => cedarTypeName(s.schema, s.root)))];
}

/** `attributeTypes` for the tools of the policy around `offset` of a policy file. */
export function attributeTypesAt(text: string, offset: number, path: string[], manifest: Manifest): string[] | undefined {
  const w = windowAround(text, offset);
  return attributeTypes(path, manifest, path[0] === 'context' ? toolsInScope(w.text, offset - w.base, manifest) : manifest.tools);
}

/** Hover at `offset`: what an attribute path or an entity reference refers to in the manifest. */
export function hoverAt(text: string, offset: number, manifest: Manifest | undefined): HoverEntry | undefined {
  if (!manifest || offset < 0 || offset > text.length) return undefined;
  const w = windowAround(text, offset);
  const h = hoverIn(w.text, offset - w.base, manifest);
  return h && { ...h, span: shift(h.span, w.base) };
}

function hoverIn(text: string, offset: number, manifest: Manifest): HoverEntry | undefined {
  const tokens = tokenize(text);
  const i = tokenIndexAt(tokens, offset + 1);
  const tok = tokens[i];
  if (!tok || offset >= tok.end) return undefined;
  if (tok.kind === 'string') {
    const type = entityTypeBefore(tokens, i);
    const kind = type === undefined ? undefined : ENTITY_KINDS[type];
    if (!kind) return undefined;
    const id = unescapeCedarString(tok.value);
    let start = i - 2;
    while (tokens[start - 1]?.value === '::' && tokens[start - 2]?.kind === 'ident') start -= 2;
    const span = { start: tokens[start]!.start, end: tok.end };
    return { span, markdown: ENTITY_DOCS[kind](manifest, id) };
  }
  if (tok.kind !== 'ident') return undefined;
  // An attribute in an access path: the path up to and including this name.
  if (tokens[i - 1]?.value !== '.') return undefined;
  const p = pathBefore(tokens, i + 1);
  if (!p || p.path.length < 2) return undefined;
  const tools = p.path[0] === 'context' ? toolsInScope(text, offset, manifest) : manifest.tools;
  const parent = attributesAt(p.path.slice(0, -1), manifest, tools);
  const attr = parent?.find((a) => a.name === tok.value);
  if (!attr) return undefined;
  return { span: { start: p.start, end: tok.end }, markdown: describeAttr(p.path.join('.'), attr) };
}
