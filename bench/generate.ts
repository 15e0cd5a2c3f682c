/**
 * A deterministic (seeded) generator of a large agent workspace, for the language-server bench (bench/lsp.ts):
 * a manifest with 120 tools on 8 servers (4 with inline `tools:` lists, 4 importing an MCP `tools/list` result),
 * typed arguments (strings with enums, integers with min/max, booleans, optional fields, a nested object, an
 * array), 30 agents in 8 roles, 5 scenarios, and N policies — permits and forbids scoped to one tool, a role or a
 * server, with `when` conditions on `context.input.*` and `context.session.*` that validate — in 1 file or many.
 *
 *   node out/bench/generate.js --policies 1000 --files 1 --out DIR [--seed 1]
 *
 * The scenarios' expected decisions are the simulator's own (computed here), so that every scenario passes.
 */
// First: run on its own, the generator simulates thousands of calls (V8 11 crashes there with TurboFan on).
import '../server/src/node/v8guard';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project, type ProjectHost } from '../server/src/core/project';

export interface GenerateOptions {
  policies: number;
  files: number;
  seed?: number;
  /** Tools (default 120: 15 verbs on each of 8 servers; more repeat the verbs with a number, as `get2_customer`). */
  tools?: number;
  /** Agents (default 30). */
  agents?: number;
}

export interface GenTool {
  name: string;
  server: string;
  readOnly: boolean;
  destructive: boolean;
  /** Property name → JSON Schema. */
  properties: Record<string, Record<string, unknown>>;
  required: string[];
}

export interface GenAgent {
  id: string;
  roles: string[];
  trustLevel: number;
  team: string;
}

export interface GenCall {
  agent: string;
  tool: string;
  args: Record<string, unknown>;
  context: Record<string, unknown>;
}

export interface GeneratedWorkspace {
  /** Workspace-relative path → text. */
  files: Map<string, string>;
  /** Workspace-relative path of the manifest. */
  manifest: string;
  /** Workspace-relative paths of the policy files, in order. */
  policyFiles: string[];
  namespace: string;
  servers: string[];
  roles: string[];
  tools: GenTool[];
  agents: GenAgent[];
  /** The (tool, role) pairs of the permits scoped to one tool: calls are drawn from them half of the time. */
  grants: { tool: string; role: string }[];
  seed: number;
}

export const NAMESPACE = 'Bench';
export const SERVERS = ['crm', 'billing', 'infra', 'docs', 'mail', 'storage', 'analytics', 'hr'] as const;
/** Servers from this index on import their tool list from `mcp/<server>.tools.json`; the others list tools inline. */
const FIRST_IMPORTED = 4;
const NOUNS: Record<(typeof SERVERS)[number], string> = { crm: 'customer', billing: 'invoice', infra: 'service', docs: 'page', mail: 'message', storage: 'bucket', analytics: 'report', hr: 'employee' };
const VERBS = ['get', 'list', 'search', 'read', 'export', 'create', 'update', 'delete', 'archive', 'approve', 'sync', 'send', 'restart', 'scale', 'tag'] as const;
const READ_ONLY = new Set(['get', 'list', 'search', 'read', 'export']);
const DESTRUCTIVE = new Set(['update', 'delete', 'archive', 'restart', 'scale']);
export const ROLES = ['support', 'billing', 'ops', 'sre', 'analyst', 'security', 'sales', 'admin'] as const;
const PURPOSES = ['support', 'billing', 'ops', 'incident', 'research'];
const DATA_CLASSES = ['public', 'internal', 'confidential'];
const REGIONS = ['eu', 'us', 'apac'];
const CHANNELS = ['email', 'chat', 'sms', 'none'];
const MODES = ['fast', 'safe', 'full'];
const TAGS = ['urgent', 'vip', 'internal', 'bulk'];
const OPTIONAL_PROPS = ['limit', 'notify', 'channel', 'options', 'tags', 'amount', 'note'] as const;

/** mulberry32: small, fast, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const chance = (r: Rand, p: number) => r() < p;
const q = (s: string) => JSON.stringify(s);

function optionalSchema(name: (typeof OPTIONAL_PROPS)[number]): Record<string, unknown> {
  switch (name) {
    case 'limit':
      return { type: 'integer', minimum: 1, maximum: 500 };
    case 'notify':
      return { type: 'boolean' };
    case 'channel':
      return { type: 'string', enum: CHANNELS };
    case 'options':
      return {
        type: 'object',
        properties: { mode: { type: 'string', enum: MODES }, depth: { type: 'integer', minimum: 1, maximum: 5 }, label: { type: 'string' } },
        required: ['mode'],
      };
    case 'tags':
      return { type: 'array', items: { type: 'string' } };
    case 'amount':
      return { type: 'integer', minimum: 0, maximum: 100000 };
    case 'note':
      return { type: 'string' };
  }
}

function makeTools(r: Rand, count = SERVERS.length * VERBS.length): GenTool[] {
  const tools: GenTool[] = [];
  for (let round = 1; tools.length < count; round++) {
  for (const server of SERVERS) {
    const noun = NOUNS[server];
    for (const verb of VERBS) {
      if (tools.length >= count) break;
      // A few names with `-`, as real MCP servers have them (the generator maps them to quoted action ids).
      const base = verb === 'export' ? `export-${noun}s` : `${verb}_${noun}`;
      const name = round === 1 ? base : base.replace(verb, `${verb}${round}`);
      const properties: Record<string, Record<string, unknown>> = {
        [`${noun}_id`]: { type: 'string' },
        region: { type: 'string', enum: REGIONS },
        priority: { type: 'integer', minimum: 0, maximum: 10 },
        dry_run: { type: 'boolean' },
      };
      // Every tool has `options` (the nested object) or `tags` (the array), and 2 to 4 more optional arguments.
      const optional = OPTIONAL_PROPS.filter(() => chance(r, 0.5));
      if (!optional.includes('options') && !optional.includes('tags')) optional.push(chance(r, 0.5) ? 'options' : 'tags');
      for (const o of optional) properties[o] = optionalSchema(o);
      tools.push({ name, server, readOnly: READ_ONLY.has(verb), destructive: DESTRUCTIVE.has(verb), properties, required: [`${noun}_id`, 'region', 'priority', 'dry_run'] });
    }
  }
  }
  return tools;
}

function makeAgents(r: Rand, count = 30): GenAgent[] {
  const agents: GenAgent[] = [];
  for (let i = 0; i < count; i++) {
    const first = ROLES[i % ROLES.length]!;
    const roles = chance(r, 0.35) ? [first, pick(r, ROLES.filter((x) => x !== first))] : [first];
    agents.push({ id: `${first}-agent-${String(i + 1).padStart(2, '0')}`, roles, trustLevel: int(r, 0, 5), team: first });
  }
  return agents;
}

/** A condition on one argument of `tool` (guarded with `has` when the argument is optional). */
function inputCondition(r: Rand, tool: GenTool): string {
  const props = Object.keys(tool.properties);
  const p = pick(r, props);
  const at = `context.input.${p}`;
  const guard = tool.required.includes(p) ? '' : `context.input has ${p} && `;
  switch (p) {
    case 'region':
      return chance(r, 0.5) ? `${at} == ${q(pick(r, REGIONS))}` : `[${q(REGIONS[0]!)}, ${q(pick(r, REGIONS.slice(1)))}].contains(${at})`;
    case 'priority':
      return `${at} <= ${int(r, 3, 10)}`;
    case 'dry_run':
      return chance(r, 0.5) ? `${at}` : `${at} == false`;
    case 'limit':
      return `${guard}${at} <= ${int(r, 50, 400)}`;
    case 'notify':
      return `${guard}${at} == ${chance(r, 0.5)}`;
    case 'channel':
      return `${guard}${at} != ${q(pick(r, CHANNELS))}`;
    case 'options':
      return chance(r, 0.5) ? `${guard}${at}.mode == ${q(pick(r, MODES))}` : `${guard}${at} has depth && ${at}.depth <= ${int(r, 1, 5)}`;
    case 'tags':
      return `${guard}${at}.contains(${q(pick(r, TAGS))})`;
    case 'amount':
      return `${guard}${at} < ${int(r, 1, 100) * 1000}`;
    case 'note':
      return `${guard}${at} like "*ok*"`;
    default:
      // the `<noun>_id` argument
      return `${at} like ${q(`${p.slice(0, 3)}-${int(r, 1, 9)}*`)}`;
  }
}

function sessionCondition(r: Rand): string {
  switch (int(r, 0, 5)) {
    case 0:
      return `context.session.purpose == ${q(pick(r, PURPOSES))}`;
    case 1:
      return `[${q(pick(r, PURPOSES))}, ${q(pick(r, PURPOSES))}].contains(context.session.purpose)`;
    case 2:
      return `context.session.risk_score < ${int(r, 20, 90)}`;
    case 3:
      return 'context.session has ticket_id';
    case 4:
      return `context.session has data_class && context.session.data_class != "confidential"`;
    default:
      return `principal.trust_level >= ${int(r, 1, 4)}`;
  }
}

function policyText(r: Rand, i: number, tools: GenTool[], agents: GenAgent[], grants: GeneratedWorkspace['grants']): string {
  const tool = pick(r, tools);
  const role = pick(r, ROLES);
  const act = (t: GenTool) => `${NAMESPACE}::Action::${q(t.name)}`;
  const srv = (s: string) => `${NAMESPACE}::McpServer::${q(s)}`;
  const roleRef = `${NAMESPACE}::Role::${q(role)}`;
  const k = r();
  let id: string;
  let head: string;
  let when: string;
  let comment = '';
  if (k < 0.45) {
    // A permit for one tool and one role, with a condition on the call and one on the session.
    id = `permit-${tool.name}-${i}`;
    head = `permit (\n  principal in ${roleRef},\n  action == ${act(tool)},\n  resource == ${srv(tool.server)}\n)`;
    when = `${inputCondition(r, tool)} && ${sessionCondition(r)}`;
    grants.push({ tool: tool.name, role });
    if (i % 7 === 0) comment = `// ${role} may ${tool.name.replace(/[_-]/g, ' ')} under conditions\n`;
  } else if (k < 0.6) {
    // A permit for a role on a few tools of one server, on the arguments every tool has.
    const ofServer = tools.filter((t) => t.server === tool.server);
    const start = int(r, 0, ofServer.length - 3);
    const some = ofServer.slice(start, start + int(r, 2, 3));
    id = `permit-${tool.server}-${role}-${i}`;
    head = `permit (\n  principal in ${roleRef},\n  action in [${some.map(act).join(', ')}],\n  resource == ${srv(tool.server)}\n)`;
    when = `context.input.region == ${q(pick(r, REGIONS))} && context.input.priority <= ${int(r, 4, 10)} && ${sessionCondition(r)}`;
  } else if (k < 0.7) {
    // A permit for one agent and one tool.
    const agent = pick(r, agents);
    id = `permit-${agent.id}-${tool.name}-${i}`;
    head = `permit (\n  principal == ${NAMESPACE}::Agent::${q(agent.id)},\n  action == ${act(tool)},\n  resource\n)`;
    when = `${inputCondition(r, tool)} && !context.input.dry_run`;
  } else if (k < 0.85) {
    // A guardrail on one tool (every optional read is guarded: a forbid must not error).
    id = `forbid-${tool.name}-${i}`;
    head = `forbid (\n  principal,\n  action == ${act(tool)},\n  resource\n)`;
    when = chance(r, 0.5) ? `${inputCondition(r, tool)} && context.session.risk_score > ${int(r, 60, 95)}` : `context.session has data_class && context.session.data_class == "confidential" && context.input.region == ${q(pick(r, REGIONS))}`;
  } else if (k < 0.95) {
    // A guardrail on a whole server: every tool has `priority` and `region`.
    id = `forbid-${tool.server}-${i}`;
    head = `forbid (\n  principal,\n  action,\n  resource == ${srv(tool.server)}\n)`;
    when = `context.input.priority > ${int(r, 7, 9)} && context.session.risk_score > ${int(r, 70, 95)}`;
    comment = `// no high-priority ${tool.server} calls on risky sessions\n`;
  } else {
    // A guardrail on a role.
    id = `forbid-${role}-${i}`;
    head = `forbid (\n  principal in ${roleRef},\n  action,\n  resource\n)`;
    when = `context.session.risk_score > ${int(r, 90, 99)} && principal.trust_level < ${int(r, 1, 3)}`;
  }
  return `${comment}@id(${q(id)})\n${head}\nwhen { ${when} };\n`;
}

/**
 * A call that the tool's input schema and the session schema accept. Half of the calls are made by an agent
 * that one of the tool permits names (by its role), so that both decisions are common.
 */
export function generateCall(r: Rand, ws: Pick<GeneratedWorkspace, 'tools' | 'agents' | 'grants'>): GenCall {
  let agent = pick(r, ws.agents);
  let tool = pick(r, ws.tools);
  if (ws.grants.length && chance(r, 0.5)) {
    const g = pick(r, ws.grants);
    tool = ws.tools.find((t) => t.name === g.tool) ?? tool;
    agent = pick(r, ws.agents.filter((a) => a.roles.includes(g.role)));
  }
  const args: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(tool.properties)) {
    if (!tool.required.includes(name) && chance(r, 0.5)) continue;
    switch (name) {
      case 'region':
        args[name] = pick(r, REGIONS);
        break;
      case 'priority':
        args[name] = int(r, 0, 10);
        break;
      case 'dry_run':
      case 'notify':
        args[name] = chance(r, 0.5);
        break;
      case 'limit':
        args[name] = int(r, 1, 500);
        break;
      case 'channel':
        args[name] = pick(r, CHANNELS);
        break;
      case 'options':
        args[name] = chance(r, 0.5) ? { mode: pick(r, MODES), depth: int(r, 1, 5) } : { mode: pick(r, MODES), label: 'l' };
        break;
      case 'tags':
        args[name] = TAGS.filter(() => chance(r, 0.4));
        break;
      case 'amount':
        args[name] = int(r, 0, 100000);
        break;
      case 'note':
        args[name] = chance(r, 0.5) ? 'ok' : 'no';
        break;
      default:
        if (schema.type === 'string') args[name] = `${name.slice(0, 3)}-${int(r, 1, 99999)}`;
    }
  }
  const context: Record<string, unknown> = { task_id: `t-${int(r, 1, 9999)}`, purpose: pick(r, PURPOSES), risk_score: int(r, 0, 100) };
  if (chance(r, 0.5)) context.ticket_id = `T-${int(r, 1, 999)}`;
  if (chance(r, 0.5)) context.data_class = pick(r, DATA_CLASSES);
  return { agent: agent.id, tool: tool.name, args, context };
}

export function generateCalls(ws: GeneratedWorkspace, n: number, seed = ws.seed + 1): GenCall[] {
  const r = rng(seed * 7919);
  return Array.from({ length: n }, () => generateCall(r, ws));
}

const json = (v: unknown) => JSON.stringify(v);

function toolJson(t: GenTool) {
  const verb = t.name.split(/[_-]/)[0]!;
  return {
    name: t.name,
    description: `${verb[0]!.toUpperCase()}${verb.slice(1)} ${t.server} records (${t.name})`,
    annotations: t.readOnly ? { readOnlyHint: true } : { destructiveHint: t.destructive },
    inputSchema: { type: 'object', properties: t.properties, required: t.required },
  };
}

function manifestText(ws: Omit<GeneratedWorkspace, 'files' | 'manifest'>, scenarios: (GenCall & { name: string; expect: 'allow' | 'deny' })[], policies: number): string {
  const lines = [
    `# Generated by bench/generate.ts (seed ${ws.seed}): ${ws.tools.length} tools on ${ws.servers.length} servers, ${ws.agents.length} agents,`,
    `# ${ws.roles.length} roles, ${scenarios.length} scenarios, ${policies} policies in ${ws.policyFiles.length} file(s).`,
    'version: 1',
    `namespace: ${NAMESPACE}`,
    'policies: [policies/*.cedar]',
    '',
    'context:',
    '  type: object',
    '  properties:',
    '    task_id: { type: string }',
    `    purpose: { type: string, enum: [${PURPOSES.join(', ')}] }`,
    '    risk_score: { type: integer, minimum: 0, maximum: 100 }',
    '    ticket_id: { type: string }',
    `    data_class: { type: string, enum: [${DATA_CLASSES.join(', ')}] }`,
    '    approved_by: { type: string }',
    '  required: [task_id, purpose, risk_score]',
    '',
    'agent_attributes:',
    '  type: object',
    '  properties:',
    '    trust_level: { type: integer, minimum: 0, maximum: 5 }',
    '    team: { type: string }',
    '  required: [trust_level, team]',
    '',
    `roles: [${ws.roles.join(', ')}]`,
    '',
    'agents:',
  ];
  for (const a of ws.agents) {
    lines.push(
      `  ${a.id}:`,
      `    description: ${a.team} agent ${a.id.slice(-2)}`,
      `    owner: team-${a.team}@bench.example`,
      `    roles: [${a.roles.join(', ')}]`,
      `    attributes: { trust_level: ${a.trustLevel}, team: ${a.team} }`,
      '    identity: { kind: workload, ttl: 15m }',
    );
  }
  lines.push('', 'servers:');
  ws.servers.forEach((s, i) => {
    lines.push(`  ${s}:`, `    description: the ${s} MCP server`);
    if (i >= FIRST_IMPORTED) {
      lines.push(`    tools: { $import: mcp/${s}.tools.json }`);
      return;
    }
    lines.push('    tools:');
    for (const t of ws.tools.filter((x) => x.server === s)) {
      const j = toolJson(t);
      lines.push(`      - name: ${j.name}`, `        description: ${j.description}`, `        annotations: ${json(j.annotations)}`, `        inputSchema: ${json(j.inputSchema)}`);
    }
  });
  lines.push('', 'scenarios:');
  for (const s of scenarios) {
    lines.push(`  - name: ${json(s.name)}`, `    agent: ${s.agent}`, `    tool: ${s.tool}`, `    args: ${json(s.args)}`, `    context: ${json(s.context)}`, `    expect: ${s.expect}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The workspace, in memory: same options and seed, same files. */
export function generateWorkspace(opts: GenerateOptions): GeneratedWorkspace {
  const seed = opts.seed ?? 1;
  const files = Math.max(1, Math.min(opts.files, opts.policies || 1));
  const r = rng(seed);
  const tools = makeTools(r, opts.tools);
  const agents = makeAgents(r, opts.agents);
  const policyFiles = files === 1 ? ['policies/all.cedar'] : Array.from({ length: files }, (_, i) => `policies/part-${String(i).padStart(3, '0')}.cedar`);
  const texts = policyFiles.map(() => [] as string[]);
  const grants: GeneratedWorkspace['grants'] = [];
  for (let i = 0; i < opts.policies; i++) texts[Math.floor((i * files) / opts.policies)]!.push(policyText(r, i, tools, agents, grants));
  const base = { namespace: NAMESPACE, servers: [...SERVERS], roles: [...ROLES], tools, agents, grants, policyFiles, seed };
  const out = new Map<string, string>();
  policyFiles.forEach((f, i) => out.set(f, `// Generated by bench/generate.ts: file ${i + 1} of ${files}\n\n${texts[i]!.join('\n')}`));
  SERVERS.forEach((s, i) => {
    if (i >= FIRST_IMPORTED) out.set(`mcp/${s}.tools.json`, `${JSON.stringify({ tools: tools.filter((t) => t.server === s).map(toolJson) }, null, 2)}\n`);
  });

  // Five scenarios; their expectations are what the simulator decides on this very policy set.
  const manifest = 'bench.agents.yaml';
  const calls = Array.from({ length: 5 }, () => generateCall(r, { tools, agents, grants }));
  const draft = calls.map((c, i) => ({ ...c, name: `scenario ${i + 1}: ${c.agent} calls ${c.tool}`, expect: 'deny' as 'allow' | 'deny' }));
  out.set(manifest, manifestText(base, draft, opts.policies));
  const root = '/bench-ws';
  const host: ProjectHost = { root, listFiles: () => [...out.keys()].map((f) => `${root}/${f}`), readFile: (p) => out.get(p.slice(root.length + 1)) };
  const project = new Project(host);
  for (const s of draft) s.expect = project.simulate(`${root}/${manifest}`, s).decision;
  out.set(manifest, manifestText(base, draft, opts.policies));
  return { ...base, files: out, manifest };
}

/** Writes the workspace into `dir` (created; existing generated files are overwritten). */
export function writeWorkspace(ws: GeneratedWorkspace, dir: string): void {
  for (const [rel, text] of ws.files) {
    const full = path.join(dir, ...rel.split('/'));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
}

export function argOf(argv: string[], name: string, def: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : def;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const outIx = argv.indexOf('--out');
  if (outIx < 0 || !argv[outIx + 1]) {
    console.error('usage: node out/bench/generate.js --out DIR [--policies 1000] [--files 1] [--seed 1]');
    process.exit(2);
  }
  const ws = generateWorkspace({ policies: argOf(argv, 'policies', 1000), files: argOf(argv, 'files', 1), seed: argOf(argv, 'seed', 1) });
  writeWorkspace(ws, path.resolve(argv[outIx + 1]!));
  console.log(`wrote ${ws.files.size} files (${ws.policyFiles.length} policy file(s), ${ws.tools.length} tools, ${ws.agents.length} agents) to ${argv[outIx + 1]}`);
}
