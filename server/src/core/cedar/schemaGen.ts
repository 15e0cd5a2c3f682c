import type { Manifest, ToolDef } from '../manifest/model';
import { findNode, spanAt, type YamlSource } from '../yamlDoc';
import type { Finding } from '../types';
import { hashText } from '../text';
import { compileSchema } from '../jsonSchema';
import { mapSchema, inferType, type CAttr, type CType, type MapContext, type Unexpressible } from './ctype';
import { schemaToText, type SchemaJson } from './engine';
import { dict, hasOwn, own } from '../own';

/** The Cedar view of a manifest: the schema policies are validated against, and the types requests are built with. */
export interface CedarModel {
  namespace: string;
  schema: SchemaJson;
  /** Human-readable Cedar schema text (what "Show Generated Cedar Schema" opens). */
  text: string;
  /** Per tool, by action id: the Cedar type of `context.input`. */
  inputTypes: Map<string, Extract<CType, { kind: 'Record' | 'Tagged' }>>;
  sessionType: Extract<CType, { kind: 'Record' | 'Tagged' }>;
  /** What the JSON Schemas say that Cedar cannot: per tool (by action id, tools with none absent) and of the session. */
  leftOut: { input: Map<string, Unexpressible[]>; session: Unexpressible[] };
  agentType: Record<string, CAttr>;
  taggedTypes: Map<string, Extract<CType, { kind: 'Tagged' }>>;
  /** Cheap identity of the schema, for caches keyed by it. */
  key: string;
}

export const CALL_TOOL = 'call_tool';
/** The common type of `context.session`, shared by every action. */
export const SESSION_TYPE = 'Session';

/** Generates the Cedar schema of a manifest (the `mcp` profile described in DESIGN.md). */
export function generateCedarModel(m: Manifest, sources: Map<string, YamlSource>): { model?: CedarModel; findings: Finding[] } {
  const source = sources.get(m.file);
  const findings: Finding[] = [];
  const ns = m.namespace;
  const taggedTypes = new Map<string, Extract<CType, { kind: 'Tagged' }>>();
  const inputTypes = new Map<string, Extract<CType, { kind: 'Record' | 'Tagged' }>>();
  const leftOut: CedarModel['leftOut'] = { input: new Map(), session: [] };
  const at = (path: (string | number)[]) => (source ? spanAt(source, path) : { start: 0, end: 0 });

  for (const tool of m.tools) {
    if (tool.action === CALL_TOOL) {
      findings.push({ code: 'manifest-invalid', message: `the action id \`${CALL_TOOL}\` is reserved: it is the action group that holds every tool`, span: tool.loc.span, });
      continue;
    }
    const toolSource = sources.get(tool.loc.file);
    const input = mapToolInput(tool, ns, taggedTypes);
    inputTypes.set(tool.action, input.type);
    if (input.unexpressible.length) leftOut.input.set(tool.action, input.unexpressible);
    // An input schema that is not valid JSON Schema is reported as such; what Cedar makes of it is noise.
    if (compileSchema(tool.inputSchema).errors.length > 0) continue;
    for (const u of input.unexpressible) {
      findings.push({
        code: 'argument-not-in-cedar',
        message: `tool \`${tool.action}\`: ${describePath(u.path, 'context.input')} is left out of the Cedar schema: ${u.reason}. It is still checked against the JSON Schema, but policies cannot read it`,
        span: toolSource && tool.schemaPath ? spanAt(toolSource, [...tool.schemaPath, ...u.path]) : tool.loc.span,
        file: tool.loc.file,
      });
    }
  }

  let sessionType: Extract<CType, { kind: 'Record' | 'Tagged' }> = { kind: 'Record', attrs: {} };
  if (m.context) {
    const session = mapSession(m.context, ns, taggedTypes);
    sessionType = session.type;
    leftOut.session = session.unexpressible;
    for (const u of session.unexpressible) {
      findings.push({ code: 'argument-not-in-cedar', message: `${describePath(u.path, 'context.session')} is left out of the Cedar schema: ${u.reason}`, span: at(['context', ...u.path]) });
    }
  }

  let agentType: Record<string, CAttr> = dict();
  if (m.agentAttributes) {
    const ctx: MapContext = { root: m.agentAttributes, entityPrefix: 'agent', namespace: ns, taggedTypes, unexpressible: [] };
    const t = mapSchema(m.agentAttributes, ctx);
    if (t && t.kind === 'Record') agentType = t.attrs;
    for (const u of ctx.unexpressible) {
      findings.push({ code: 'argument-not-in-cedar', message: `${describePath(u.path, 'principal')} is left out of the Cedar schema: ${u.reason}`, span: at(['agent_attributes', ...u.path]) });
    }
  } else {
    const withAttrs = m.agents.map((a) => a.attributes);
    const keys = new Set(withAttrs.flatMap((a) => Object.keys(a)));
    for (const k of keys) {
      const holders = m.agents.filter((a) => hasOwn(a.attributes, k));
      const t = inferType(holders.map((a) => own(a.attributes, k)));
      if ('conflict' in t) {
        findings.push({
          code: 'manifest-invalid',
          message: `agent attribute \`${k}\` has no single type across agents (${t.conflict}); declare its type in \`agent_attributes\``,
          span: at(['agents', holders[holders.length - 1]!.id, 'attributes', k]),
        });
        continue;
      }
      agentType[k] = { type: t, required: holders.length === m.agents.length };
    }
  }

  const q = (name: string) => `${ns}::${name}`;
  const entityTypes: SchemaJson[string]['entityTypes'] = {
    Role: {},
    Agent: { memberOfTypes: ['Role'], shape: { type: 'Record', attributes: attrsJson(agentType, q) } },
    McpServer: {},
  };
  for (const [name, t] of taggedTypes) {
    Object.defineProperty(entityTypes, name, { enumerable: true, writable: true, configurable: true, value: { shape: { type: 'Record', attributes: attrsJson(t.attrs, q) }, ...(t.tags ? { tags: typeJson(t.tags, q) } : {}) } });
  }
  const actions: SchemaJson[string]['actions'] = dict([[CALL_TOOL, {}]]);
  for (const [name, input] of inputTypes) {
    actions[name] = {
      memberOf: [{ id: CALL_TOOL }],
      appliesTo: {
        principalTypes: ['Agent'],
        resourceTypes: ['McpServer'],
        context: { type: 'Record', attributes: { input: { ...typeJson(input, q), required: true }, session: { type: SESSION_TYPE, required: true } } },
      },
    };
  }
  const commonTypes = { [SESSION_TYPE]: typeJson(sessionType, q) } as NonNullable<SchemaJson[string]['commonTypes']>;
  const schema: SchemaJson = { [ns]: { commonTypes, entityTypes, actions } };
  // Hand-written schemas (`schema: [...]`) add their declarations; one the schema already has is an error on the entry.
  const declaredIn = new Map<string, string>();
  for (const extra of m.extraSchemas) {
    if (!extra.schema) continue;
    findings.push(...mergeSchema(schema, extra.schema, ns, extra.rel, declaredIn).map((message) => ({ code: 'manifest-invalid', message, span: extra.span })));
  }
  const rendered = schemaToText(schema);
  if ('errors' in rendered) {
    for (const e of rendered.errors) {
      findings.push({ code: 'manifest-invalid', message: `the generated Cedar schema is invalid: ${e.message}${e.help ? ` (${e.help})` : ''}`, span: at(source && findNode(source, ['namespace']).node ? ['namespace'] : []) });
    }
    return { findings };
  }
  return {
    model: { namespace: ns, schema, text: `// Cedar schema generated by Agent Policy Studio from ${m.file.slice(m.file.lastIndexOf('/') + 1)}\n// (read-only: edit the manifest instead)\n\n${tidySchemaText(rendered.text)}`, inputTypes, sessionType, leftOut, agentType, taggedTypes, key: hashText(rendered.text) },
    findings,
  };
}

type ObjectType = Extract<CType, { kind: 'Record' | 'Tagged' }>;

/**
 * The Cedar type of a tool's `context.input`, and what of its JSON Schema Cedar cannot express. Entity types of tagged
 * objects are added to `taggedTypes` (a fresh map when the caller only wants to know the type).
 */
export function mapToolInput(tool: Pick<ToolDef, 'action' | 'inputSchema' | 'numberAsLong'>, ns: string, taggedTypes: MapContext['taggedTypes'] = new Map()): { type: ObjectType; unexpressible: Unexpressible[] } {
  return mapObject(tool.inputSchema, { root: tool.inputSchema, entityPrefix: `${tool.action}_input`, namespace: ns, taggedTypes, unexpressible: [], longNumbers: longNumbersOf(tool) });
}

/** The Cedar type of `context.session` (the manifest's `context` schema), and what of it Cedar cannot express. */
export function mapSession(schema: unknown, ns: string, taggedTypes: MapContext['taggedTypes'] = new Map()): { type: ObjectType; unexpressible: Unexpressible[] } {
  return mapObject(schema, { root: schema, entityPrefix: 'session', namespace: ns, taggedTypes, unexpressible: [] });
}

function mapObject(schema: unknown, ctx: MapContext): { type: ObjectType; unexpressible: Unexpressible[] } {
  const t = mapSchema(schema, ctx);
  return { type: t && (t.kind === 'Record' || t.kind === 'Tagged') ? t : { kind: 'Record', attrs: {} }, unexpressible: ctx.unexpressible };
}

/** `number_as_long` of a tool, as the mapping reads it. */
export function longNumbersOf(tool: Pick<ToolDef, 'numberAsLong'>): MapContext['longNumbers'] {
  return tool.numberAsLong === true ? true : tool.numberAsLong ? new Set(tool.numberAsLong) : undefined;
}

/**
 * The engine's schema text made readable: `__cedar::` prefixes dropped, and an empty record written `{}` (the
 * engine pads it to the width of the surrounding indentation: `input: {      },`). Quoted names are left as they are.
 */
export function tidySchemaText(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|__cedar::|\{\s+\}/g, (m) => (m.startsWith('"') ? m : m === '__cedar::' ? '' : '{}'));
}

function attrsJson(attrs: Record<string, CAttr>, q: (n: string) => string): Record<string, { required: boolean } & ReturnType<typeof typeJson>> {
  const out = dict<{ required: boolean } & ReturnType<typeof typeJson>>();
  for (const [k, a] of Object.entries(attrs)) out[k] = { ...typeJson(a.type, q), required: a.required };
  return out;
}

type TypeJson = { type: string; [k: string]: unknown };

function typeJson(t: CType, q: (n: string) => string): TypeJson {
  switch (t.kind) {
    case 'String':
      return { type: 'String' };
    case 'Long':
      return { type: 'Long' };
    case 'Bool':
      return { type: 'Boolean' };
    case 'Decimal':
      return { type: 'Extension', name: 'decimal' };
    case 'Set':
      return { type: 'Set', element: typeJson(t.element, q) };
    case 'Record':
      return { type: 'Record', attributes: attrsJson(t.attrs, q) };
    case 'Tagged':
      return { type: 'Entity', name: q(t.entityType) };
  }
}

function describePath(path: (string | number)[], root: string): string {
  let out = root;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    if (seg === 'properties' && i + 1 < path.length) out += `.${path[++i]}`;
    else if (seg === 'items') out += '[]';
    else if (seg === 'additionalProperties') out += '.*';
  }
  return `\`${out}\``;
}

const SECTIONS = [
  ['entityTypes', 'entity type'],
  ['actions', 'action'],
  ['commonTypes', 'common type'],
] as const;

/**
 * Adds the declarations of a hand-written schema to `into` (own properties only). A name that `into` already declares
 * (generated from the manifest, or by an earlier file: `declaredIn` says which) is not merged: the messages say so.
 */
function mergeSchema(into: SchemaJson, extra: SchemaJson, generatedNs: string, rel: string, declaredIn: Map<string, string>): string[] {
  const out: string[] = [];
  for (const nsName of Object.keys(extra)) {
    const from = own(extra, nsName);
    if (!from || typeof from !== 'object') continue;
    let target = own(into, nsName) as Record<string, unknown> | undefined;
    if (!target) {
      target = dict<unknown>([['entityTypes', dict()], ['actions', dict()]]);
      Object.defineProperty(into, nsName, { enumerable: true, writable: true, configurable: true, value: target });
    }
    for (const [section, word] of SECTIONS) {
      const decls = own(from, section);
      if (!decls || typeof decls !== 'object') continue;
      let dest = own(target, section) as Record<string, unknown> | undefined;
      if (!dest) {
        dest = dict();
        target[section] = dest;
      }
      for (const name of Object.keys(decls)) {
        const full = nsName ? `${nsName}::${name}` : name;
        const key = `${section}|${full}`;
        if (hasOwn(dest, name)) {
          const where = declaredIn.get(key);
          out.push(`\`${rel}\` declares the ${word} \`${full}\`, which ${where ? `\`${where}\` already declares` : nsName === generatedNs ? 'the schema generated from this manifest already declares' : 'is already declared'}: it is not merged; rename it, or give the file its own namespace`);
          continue;
        }
        Object.defineProperty(dest, name, { enumerable: true, writable: true, configurable: true, value: own(decls, name) });
        declaredIn.set(key, rel);
      }
    }
  }
  return out;
}
