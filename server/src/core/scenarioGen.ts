/**
 * "Generate Scenarios for Tool…": the boundary calls of one tool (boundary.ts, the generator `agent-policy diff` uses),
 * made by the chosen agents, each decided as the policies decide it now and proposed as a scenario that expects that
 * decision — so that a later change that flips one shows as a failing scenario.
 *
 * The list is kept reviewable: per agent, the first call of each outcome (decision and determining policies), then
 * the calls whose outcome differs from the call generated before or after them (the two sides of a threshold), at
 * most `limit` in all, shared between the agents. A call that cannot be evaluated (a broken policy set) or that the
 * simulator refuses is not proposed: a scenario made of it would not test the policies.
 *
 * The calls are written into the user's manifest as they are, so no call holds a sensitive value: wherever a schema
 * marks a value sensitive, the call has its schema's sample value (`sensitiveAsSamples`), and it is decided that way.
 * Pure, and never throws (an unexpected failure is a result with an `error`).
 */
import { boundaryCalls, policyComparisons } from './analysis/boundary';
import { mayMatchAgent, mayMatchTool } from './analysis/scope';
import type { PolicyJson } from './cedar/engine';
import { toolSuggestions, type AgentDef, type Manifest, type ToolDef } from './manifest/model';
import type { ManifestEntry } from './project';
import { redactCall, scrub } from './redact';
import { sensitiveAsSamples, type NewScenario } from './scenarioEdit';
import { schemaProblems, simulate, type PolicySetInput } from './simulate';

export interface GeneratedScenario extends NewScenario {
  /** The policies that decide the call now (ids; none for a deny that no policy decided). */
  policies: string[];
  /** Why, in one line, as the simulator says it. */
  reason: string;
  /** What the call probes ("amount = 101 (one above 100)"). */
  why: string;
  /** The call as it may be shown (sensitive values redacted). */
  shown: { args: unknown; context: unknown };
}

export interface GenerateOptions {
  /** The agents that make the calls (ids); by default those a permit can reach the tool for, else every agent. */
  agents?: string[];
  /** At most this many scenarios (20). */
  limit?: number;
  /** At most this many boundary calls of the tool are decided per agent (200). */
  callsPerAgent?: number;
}

export interface GenerateResult {
  tool: string;
  /** The agents whose calls were decided. */
  agents: string[];
  /** The agents that some permit may let call the tool (by scope): the default choice. */
  reaching: string[];
  scenarios: GeneratedScenario[];
  /** How many calls were decided. */
  decided: number;
  notes: string[];
  /** Why nothing could be generated (no manifest, an unknown tool, an unexpected failure). */
  error?: string;
}

const DEFAULT_LIMIT = 20;

/** The agents that a permit whose scope may match the tool may let call it (by principal scope). */
export function reachingAgents(m: Manifest, set: PolicySetInput, tool: ToolDef): AgentDef[] {
  const permits = parsedPolicies(set).filter((p) => p.effect === 'permit' && mayMatchTool(p, tool));
  return m.agents.filter((a) => permits.some((p) => mayMatchAgent(p, a)));
}

function parsedPolicies(set: PolicySetInput): PolicyJson[] {
  return set.files.flatMap((f) => f.policies.flatMap((p) => (p.json ? [p.json] : [])));
}

/**
 * What a call probes, said without the sensitive values that were replaced in it (scrubbed; and when a short one could
 * still show, not said at all).
 */
function safeWhy(why: string, secrets: string[]): string {
  const out = scrub(why, secrets);
  const words = new Set(out.split(/[^\w.@+-]+/));
  return secrets.some((s) => words.has(s) || words.has(JSON.stringify(s))) ? 'a call with its sensitive values at their sample' : out;
}

/** JSON with sorted keys: two calls written differently are the same call. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'object' && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}

interface Decided extends GeneratedScenario {
  /** Order of generation (per agent). */
  index: number;
  pattern: string;
}

/** The scenarios for a tool (see the module comment). A generator: it yields between decisions. */
export function* generateScenariosSteps(entry: ManifestEntry | undefined, set: PolicySetInput, toolName: string, options: GenerateOptions = {}): Generator<void, GenerateResult> {
  const empty = (error: string, notes: string[] = []): GenerateResult => ({ tool: toolName, agents: [], reaching: [], scenarios: [], decided: 0, notes, error });
  try {
    const m = entry?.manifest;
    if (!entry || !m) return empty('the manifest cannot be read (fix its errors first)');
    if (!entry.model) return empty('the manifest has errors that prevent generating the Cedar schema; fix them first');
    const tool = m.tools.find((t) => t.action === toolName);
    if (!tool) {
      const hint = toolSuggestions(m, toolName);
      return empty(`unknown tool "${toolName}"${hint.length ? ` (did you mean ${hint.map((h) => `"${h}"`).join(' or ')}?)` : ''}`);
    }
    const notes: string[] = [];
    const reaching = reachingAgents(m, set, tool).map((a) => a.id);
    let agents: AgentDef[];
    if (options.agents?.length) {
      const unknown = options.agents.filter((id) => !m.agents.some((a) => a.id === id));
      if (unknown.length) notes.push(`unknown agent${unknown.length > 1 ? 's' : ''} left out: ${unknown.join(', ')}`);
      agents = m.agents.filter((a) => options.agents!.includes(a.id));
    } else {
      agents = reaching.length ? m.agents.filter((a) => reaching.includes(a.id)) : m.agents;
      if (!reaching.length) notes.push(`no permit can let an agent call ${tool.action}: the calls of every agent are proposed (all denied)`);
    }
    if (!agents.length) return { ...empty('no agent to generate calls for', notes), reaching };

    // The boundary calls of the tool: from its schema, the session schema and the comparisons of the policies that can match it.
    const cmp = policyComparisons(parsedPolicies(set).filter((p) => mayMatchTool(p, tool)));
    const sessionSchema = m.context ?? { type: 'object' };
    const seen = new Set<string>();
    const calls: { args: unknown; context: unknown; why: string }[] = [];
    for (const c of boundaryCalls(tool.inputSchema, sessionSchema, cmp, options.callsPerAgent ?? 200)) {
      const safe = sensitiveAsSamples(m, { tool: tool.action, args: c.args, context: c.context });
      const key = canonical([safe.args, safe.context]);
      if (seen.has(key) || schemaProblems(tool.inputSchema, safe.args, 'args').length || schemaProblems(sessionSchema, safe.context, 'context').length) continue;
      seen.add(key);
      calls.push({ ...safe, why: key === canonical([c.args, c.context]) ? c.why : safeWhy(c.why, redactCall(m, { tool: tool.action, args: c.args, context: c.context }).secrets) });
    }

    // The calls that the manifest's scenarios already make are not proposed again.
    const existing = new Set(m.scenarios.filter((s) => !s.via.length).map((s) => canonical([s.agent, s.tool, s.args, s.context])));
    let decided = 0;
    let cannot: string | undefined;
    let last = Date.now();
    const perAgent: Decided[][] = [];
    for (const a of agents) {
      const list: Decided[] = [];
      for (const c of calls) {
        if (Date.now() - last > 20) {
          yield;
          last = Date.now();
        }
        const r = simulate(entry, set, { agent: a.id, tool: tool.action, args: c.args, context: c.context, via: [] });
        decided++;
        if (r.cannotEvaluate) {
          cannot ??= r.reason;
          continue;
        }
        if (r.requestErrors.length) continue;
        const policies = r.determining.map((d) => d.id).sort();
        list.push({
          name: '',
          agent: a.id,
          tool: tool.action,
          args: c.args,
          context: c.context,
          expect: r.decision,
          policies,
          reason: r.reason,
          why: c.why,
          shown: { args: r.call.args, context: r.call.context },
          index: list.length,
          pattern: `${r.decision} ${policies.join(',')}`,
        });
      }
      perAgent.push(list.filter((d) => !existing.has(canonical([d.agent, d.tool, d.args, d.context]))));
    }
    if (cannot) notes.push(`calls that cannot be evaluated were left out: ${cannot}`);

    const chosen = pick(perAgent, options.limit ?? DEFAULT_LIMIT);
    const names = new Set(m.scenarios.map((s) => s.name));
    const scenarios = chosen.map(({ index: _i, pattern: _p, ...s }) => {
      const base = `${s.agent} ${s.tool} ${s.why}`;
      let name = base;
      for (let n = 2; names.has(name); n++) name = `${base} (${n})`;
      names.add(name);
      return { ...s, name };
    });
    const offered = perAgent.reduce((n, l) => n + l.length, 0);
    if (offered > scenarios.length) notes.push(`${scenarios.length} of ${offered} calls proposed: the others repeat an outcome of their neighbours or pass the limit of ${options.limit ?? DEFAULT_LIMIT}`);
    return { tool: tool.action, agents: agents.map((a) => a.id), reaching, scenarios, decided, notes };
  } catch (e) {
    return empty(`the scenarios could not be generated: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function generateScenarios(entry: ManifestEntry | undefined, set: PolicySetInput, toolName: string, options: GenerateOptions = {}): GenerateResult {
  const steps = generateScenariosSteps(entry, set, toolName, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * The reviewable part of each agent's calls: first the first call of each outcome (every agent in turn), then the calls
 * whose outcome differs from a neighbour's, at most `limit` in all; in the order of the agents, then of generation.
 */
function pick(perAgent: Decided[][], limit: number): Decided[] {
  const ranked = perAgent.map((list) => {
    const firsts = new Set<string>();
    const r0: Decided[] = [];
    const r1: Decided[] = [];
    list.forEach((d, i) => {
      if (!firsts.has(d.pattern)) {
        firsts.add(d.pattern);
        r0.push(d);
      } else if (list[i - 1]?.pattern !== d.pattern || (list[i + 1] !== undefined && list[i + 1]!.pattern !== d.pattern)) r1.push(d);
    });
    return [r0, r1];
  });
  const kept = new Set<Decided>();
  for (const rank of [0, 1]) {
    const queues = ranked.map((r) => [...r[rank]!]);
    while (kept.size < limit && queues.some((q) => q.length)) {
      for (const q of queues) {
        const d = q.shift();
        if (d && kept.size < limit) kept.add(d);
      }
    }
  }
  return perAgent.flatMap((list) => list.filter((d) => kept.has(d)));
}
