/**
 * The examples' manifest read independently of the core (plain YAML and JSON), and random valid calls over it: the
 * reference side of the differential tests, which build their raw engine requests from this and nothing else.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { REPO } from './memoryHost';

export type Json = Record<string, unknown>;

export const EXAMPLES = path.join(REPO, 'examples');
export const manifest = parseYaml(fs.readFileSync(path.join(EXAMPLES, 'acme.agents.yaml'), 'utf8')) as Json & { agents: Record<string, Json>; roles: string[]; tools: Json[]; servers: Record<string, Json>; context: Json };
const crm = JSON.parse(fs.readFileSync(path.join(EXAMPLES, 'mcp', 'crm.tools.json'), 'utf8')) as { tools: Json[] };

export interface RefTool {
  name: string;
  server: string;
  schema: Json;
}

export const tools: RefTool[] = [
  ...crm.tools.map((t) => ({ name: t.name as string, server: 'crm', schema: t.inputSchema as Json })),
  ...(manifest.servers.infra!.tools as Json[]).map((t) => ({ name: t.name as string, server: 'infra', schema: t.inputSchema as Json })),
  ...manifest.tools.map((t) => ({ name: t.name as string, server: 'default', schema: t.inputSchema as Json })),
];
export const agents = Object.keys(manifest.agents);

/** The Cedar entities of the manifest: roles, servers, agents with their attributes and roles. */
export const entities = [
  ...manifest.roles.map((r) => ({ uid: { type: 'Acme::Role', id: r }, attrs: {}, parents: [] })),
  ...['crm', 'infra', 'default'].map((s) => ({ uid: { type: 'Acme::McpServer', id: s }, attrs: {}, parents: [] })),
  ...Object.entries(manifest.agents).map(([id, a]) => ({
    uid: { type: 'Acme::Agent', id },
    attrs: (a.attributes ?? {}) as Json,
    parents: ((a.roles ?? []) as string[]).map((r) => ({ type: 'Acme::Role', id: r })),
  })),
];

function pick<T>(rand: () => number, xs: readonly T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

/** A random value valid for the (simple) schemas of the examples. */
function value(s: Json, rand: () => number, key: string): unknown {
  if (Array.isArray(s.enum)) return pick(rand, s.enum);
  switch (s.type) {
    case 'string':
      if (s.format === 'email') return rand() < 0.5 ? 'jane@customers.acme.example' : 'joe@elsewhere.example';
      return `${key}-${Math.floor(rand() * 3)}`;
    case 'integer': {
      const min = typeof s.minimum === 'number' ? s.minimum : 0;
      const max = typeof s.maximum === 'number' ? s.maximum : 3000;
      return min + Math.floor(rand() * (max - min + 1));
    }
    case 'array':
      return [value(s.items as Json, rand, key)];
    default:
      return null;
  }
}

/** A random valid call: an agent, a tool, arguments (required ones and some optional) and a session context. */
export function randomCall(rand: () => number): { agent: string; tool: RefTool; args: Json; session: Json } {
  const agent = pick(rand, agents);
  const tool = pick(rand, tools);
  const args: Json = {};
  const required = new Set((tool.schema.required ?? []) as string[]);
  for (const [k, s] of Object.entries((tool.schema.properties ?? {}) as Record<string, Json>)) if (required.has(k) || rand() < 0.5) args[k] = value(s, rand, k);
  const session: Json = { task_id: 't-1', purpose: pick(rand, ['support', 'billing', 'ops', 'incident']) };
  if (rand() < 0.4) session.ticket_id = rand() < 0.5 ? (args.ticket_id ?? 'T-1') : 'T-9';
  if (rand() < 0.3) session.data_class = pick(rand, ['public', 'internal', 'confidential']);
  if (rand() < 0.3) session.destination = rand() < 0.5 ? 'mail.acme.example' : 'partner.example.org';
  if (rand() < 0.3) session.approved_by = 'cfo';
  return { agent, tool, args, session };
}

// The reference path calls the engine directly, with a request built here from the call alone.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cedar = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');

/** The raw engine's answer for a call, on the given policies (by id) and schema: no simulator involved. */
export function rawIsAuthorized(call: ReturnType<typeof randomCall>, schema: unknown, staticPolicies: Record<string, string>) {
  return cedar.isAuthorized({
    principal: { type: 'Acme::Agent', id: call.agent },
    action: { type: 'Acme::Action', id: call.tool.name },
    resource: { type: 'Acme::McpServer', id: call.tool.server },
    context: { input: call.args as Record<string, never>, session: call.session as Record<string, never> },
    schema: schema as never,
    validateRequest: true,
    policies: { staticPolicies },
    entities: entities as never,
  });
}
