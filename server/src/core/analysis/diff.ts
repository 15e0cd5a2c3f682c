/**
 * Change impact: what a change to the policies (and the manifest) does to decisions. Two sides, base and current,
 * each a manifest with its policy set, are compared on
 *  - the access map: the cells whose access or condition changed;
 *  - the scenarios (of both manifests) whose decision changed;
 *  - calls that flip: the scenarios' calls, boundary calls (boundary.ts) and recorded calls (a decision log).
 *
 * Only the slice a change can affect is decided: a call's decision depends on the manifest's data and on the
 * policies whose scope can match it, so when the manifest's decision-relevant parts are the same on both sides, only
 * the tools and agents that an added, removed or changed policy can match are compared. A change that cannot be
 * placed (a policy that does not parse, a manifest change) compares every tool and agent.
 *
 * A **widening** lets something through that was not let through: a call denied before and allowed now, a cell whose
 * access rises (never → conditional → always), or a condition that changed without any sampled call showing that it
 * only narrows (fail closed: a change that cannot be shown to narrow is reviewed as a widening, `unproven`).
 */
import { simulate, type SimulationInput, type SimulationResult } from '../simulate';
import { accessMapSteps, type Access, type AccessCell, type AccessMap } from './access';
import { diffSlice, type DiffSide, type PolicyChange } from './slice';
import { mayMatchTool } from './scope';

export type { DiffSide, PolicyChange } from './slice';
export { diffSlice } from './slice';
import { boundaryCalls, policyAnchors, policyComparisons, type BoundaryCall } from './boundary';
import type { PolicyJson } from '../cedar/engine';
import type { Manifest, ToolDef } from '../manifest/model';

export type Decision = 'allow' | 'deny';
export type CallSource = 'scenario' | 'boundary' | 'recorded';

/** A recorded call (one line of a decision log, see DESIGN "Recorded calls"). */
export interface RecordedCall {
  line: number;
  agent: string;
  tool: string;
  args: unknown;
  context: unknown;
  via: string[];
  decision?: Decision;
}

export interface CellChange {
  agent: string;
  via?: string;
  tool: string;
  server: string;
  from: Access;
  to: Access;
  fromCondition?: string;
  toCondition?: string;
  widening: boolean;
  narrowing: boolean;
  /** Widening only because the condition changed and no sampled call shows that it narrows (review it). */
  unproven?: boolean;
  destructive: boolean;
}

export interface ScenarioChange {
  name: string;
  expect: Decision;
  from: Decision;
  to: Decision;
}

export interface CallFlip {
  agent: string;
  tool: string;
  via?: string[];
  /** The call as it may be shown (sensitive arguments redacted by the simulator). */
  args: unknown;
  context: unknown;
  from: Decision;
  to: Decision;
  source: CallSource;
  /** What the call probes (boundary), the scenario's name, or the recorded call's line. */
  label: string;
  /** The policies that determined the current decision, and the base's. */
  policies: string[];
  basePolicies: string[];
  widening: boolean;
  /** Why a side denied when no policy decided (a schema error, the set cannot be evaluated). */
  reasons?: { base?: string; current?: string };
  /** The call shown holds "[redacted]" where the call decided held a sensitive value. */
  redacted?: true;
  /** The call as decided, unredacted: only with `keepInputs`, for a caller that never shows it (the language server). */
  input?: SimulationInput;
}

export interface DiffResult {
  policies: PolicyChange[];
  cells: CellChange[];
  scenarios: ScenarioChange[];
  calls: CallFlip[];
  /** How much was decided: the tools and agents compared, and the calls of each source. */
  compared: { tools: number; agents: number; scenarios: number; boundary: number; recorded: number; everything: boolean };
  notes: string[];
  summary: { widening: number; narrowing: number; changes: number };
}

export interface DiffOptions {
  recorded?: RecordedCall[];
  /** Past this many agent × tool cells, the access maps are not compared (the calls still are). */
  maxCells?: number;
  /** At most this many boundary calls per tool. */
  boundaryPerTool?: number;
  /** Compare every tool and agent, not only the slice the change can affect (the tests prove the slice loses nothing). */
  everything?: boolean;
  /** Keep each flip's unredacted call in `input` (never to be shown: for deciding it again later). */
  keepInputs?: boolean;
}

const RANK: Record<Access, number> = { never: 0, conditional: 1, always: 2 };

/** A cell's key in the maps and in the flips (`via`, agent, tool). */
const cellKeyOf = (c: { via?: string; agent: string; tool: string }) => `${c.via ?? ''}\u0000${c.agent}\u0000${c.tool}`;

/**
 * The boundary calls of a tool for a comparison: from the tool's schemas in each manifest that has it and the
 * comparisons of the policies (of both sides) that can match it; deduplicated, at most `limit` per manifest.
 */
export function toolBoundaryCalls(manifests: (Manifest | undefined)[], tool: ToolDef, policies: PolicyJson[], limit: number): BoundaryCall[] {
  const matching = policies.filter((p) => mayMatchTool(p, tool));
  const cmp = policyComparisons(matching);
  const anchors = policyAnchors(matching);
  const generated = new Map<string, BoundaryCall>();
  for (const mm of manifests) {
    const tt = mm?.tools.find((t) => t.action === tool.action);
    if (!tt || !mm) continue;
    for (const call of boundaryCalls(tt.inputSchema, mm.context ?? { type: 'object' }, cmp, limit, anchors)) {
      const k = JSON.stringify([call.args, call.context]);
      if (!generated.has(k)) generated.set(k, call);
    }
  }
  return [...generated.values()];
}

/**
 * The cells that differ between two access maps, each with whether it widens or narrows. A rank change (never →
 * conditional → always) says so by itself; a condition that changed is judged by the calls of the cell that flip
 * (`flips`): none at all is an unproven widening (fail closed: review it).
 */
export function mapChanges(bMap: AccessMap, cMap: AccessMap, flips: (c: AccessCell) => { widen: number; narrow: number } | undefined): CellChange[] {
  const out: CellChange[] = [];
  const old = new Map(bMap.cells.map((c) => [cellKeyOf(c), c]));
  for (const c of cMap.cells) {
    const b = old.get(cellKeyOf(c));
    const from = b?.access ?? 'never';
    if (from === c.access && (b?.condition ?? '') === (c.condition ?? '')) continue;
    const f = flips(c) ?? { widen: 0, narrow: 0 };
    const rankUp = RANK[c.access] > RANK[from];
    const rankDown = RANK[c.access] < RANK[from];
    const conditionOnly = !rankUp && !rankDown;
    const unproven = conditionOnly && f.widen === 0 && f.narrow === 0;
    out.push({
      agent: c.agent,
      ...(c.via ? { via: c.via } : {}),
      tool: c.tool,
      server: c.server,
      from,
      to: c.access,
      ...(b?.condition !== undefined ? { fromCondition: b.condition } : {}),
      ...(c.condition !== undefined ? { toCondition: c.condition } : {}),
      widening: rankUp || f.widen > 0 || unproven,
      narrowing: rankDown || f.narrow > 0,
      ...(unproven ? { unproven: true } : {}),
      destructive: c.destructive,
    });
  }
  const now = new Set(cMap.cells.map(cellKeyOf));
  for (const b of bMap.cells) {
    if (now.has(cellKeyOf(b)) || b.access === 'never') continue;
    out.push({ agent: b.agent, ...(b.via ? { via: b.via } : {}), tool: b.tool, server: b.server, from: b.access, to: 'never', ...(b.condition !== undefined ? { fromCondition: b.condition } : {}), widening: false, narrowing: true, destructive: b.destructive });
  }
  return out;
}

/**
 * The cells that differ between the access maps of two sides (the Access view's comparison with a base), judged as
 * in `diff`: for a cell whose condition changed (and not its access), the boundary calls of its tool are decided on
 * both sides for its agent (and the agent that delegates). In steps, like the maps.
 */
export function* mapChangesSteps(base: DiffSide, current: DiffSide, bMap: AccessMap, cMap: AccessMap, options: { boundaryPerTool?: number } = {}): Generator<void, CellChange[]> {
  const old = new Map(bMap.cells.map((c) => [cellKeyOf(c), c]));
  const json = [...base.set.files, ...current.set.files].flatMap((f) => f.policies.flatMap((p) => (p.json ? [p.json] : [])));
  const bm = base.entry?.manifest;
  const cm = current.entry?.manifest;
  const flips = new Map<string, { widen: number; narrow: number }>();
  const byTool = new Map<string, BoundaryCall[]>();
  let last = Date.now();
  for (const c of cMap.cells) {
    const b = old.get(cellKeyOf(c));
    if (!b || b.access !== c.access || (b.condition ?? '') === (c.condition ?? '')) continue;
    const tool = cm?.tools.find((t) => t.action === c.tool);
    if (!tool) continue;
    let calls = byTool.get(c.tool);
    if (!calls) byTool.set(c.tool, (calls = toolBoundaryCalls([cm, bm], tool, json, options.boundaryPerTool ?? 400)));
    const f = { widen: 0, narrow: 0 };
    for (const call of calls) {
      if (Date.now() - last > 20) {
        yield;
        last = Date.now();
      }
      const input: SimulationInput = { agent: c.agent, tool: c.tool, args: call.args, context: call.context, via: c.via ? [c.via] : [] };
      const from = simulate(base.entry, base.set, input).decision;
      const to = simulate(current.entry, current.set, input).decision;
      if (from === 'deny' && to === 'allow') f.widen++;
      else if (from === 'allow' && to === 'deny') f.narrow++;
    }
    flips.set(cellKeyOf(c), f);
  }
  return mapChanges(bMap, cMap, (c) => flips.get(cellKeyOf(c)));
}

/** Compares the sides (see the module comment). A generator: it yields between decisions so that a server stays responsive. */
export function* diffSteps(base: DiffSide, current: DiffSide, options: DiffOptions = {}): Generator<void, DiffResult> {
  const { changes, before, after, bm, cm, m, tools, agents, agentIds, toolSet, everything, notes } = diffSlice(base, current, options);

  const cells: CellChange[] = [];
  const calls: CallFlip[] = [];
  const decide = (side: DiffSide, input: SimulationInput): SimulationResult => simulate(side.entry, side.set, input);
  const cellFlips = new Map<string, { widen: number; narrow: number }>();
  const flip = (input: SimulationInput, source: CallSource, label: string, b: SimulationResult, c: SimulationResult) => {
    if (b.decision === c.decision) return;
    const widening = b.decision === 'deny' && c.decision === 'allow';
    const key = cellKeyOf({ via: input.via?.[input.via.length - 1], agent: input.agent, tool: input.tool });
    const f = cellFlips.get(key) ?? { widen: 0, narrow: 0 };
    if (widening) f.widen++;
    else f.narrow++;
    cellFlips.set(key, f);
    const reasons = {
      ...(b.determining.length ? {} : { base: b.reason }),
      ...(c.determining.length ? {} : { current: c.reason }),
    };
    calls.push({
      agent: c.call.agent,
      tool: c.call.tool,
      ...(input.via?.length ? { via: input.via } : {}),
      args: c.call.args,
      context: c.call.context,
      from: b.decision,
      to: c.decision,
      source,
      label,
      policies: c.determining.map((d) => d.id),
      basePolicies: b.determining.map((d) => d.id),
      widening,
      ...(Object.keys(reasons).length ? { reasons } : {}),
      ...(JSON.stringify([c.call.args, c.call.context]) !== JSON.stringify([input.args ?? {}, input.context ?? {}]) ? { redacted: true as const } : {}),
      ...(options.keepInputs ? { input } : {}),
    });
  };
  let last = Date.now();
  const pause = function* () {
    if (Date.now() - last > 20) {
      yield;
      last = Date.now();
    }
  };

  // Scenarios: those of both manifests (by name; the current definition wins), each decided on both sides.
  const scenarios: ScenarioChange[] = [];
  const byName = new Map<string, NonNullable<typeof m>['scenarios'][number]>();
  for (const s of [...(bm?.scenarios ?? []), ...(cm?.scenarios ?? [])]) byName.set(s.name, s);
  for (const s of byName.values()) {
    yield* pause();
    const input = { agent: s.agent, tool: s.tool, args: s.args, context: s.context, via: s.via };
    const b = decide(base, input);
    const c = decide(current, input);
    if (b.decision !== c.decision) scenarios.push({ name: s.name, expect: s.expect, from: b.decision, to: c.decision });
    flip(input, 'scenario', s.name, b, c);
  }

  // Boundary calls: per compared tool, from both sides' schemas and the comparisons of the policies that can match it.
  let boundary = 0;
  const matchingJson = [...before.values(), ...after.values()].flatMap((p) => (p.json ? [p.json] : []));
  for (const t of tools) {
    const generated = toolBoundaryCalls([cm, bm], t, matchingJson, options.boundaryPerTool ?? 400);
    for (const a of agents) {
      for (const call of generated) {
        yield* pause();
        const input = { agent: a.id, tool: t.action, args: call.args, context: call.context, via: [] };
        boundary++;
        flip(input, 'boundary', call.why, decide(base, input), decide(current, input));
      }
    }
  }

  // Recorded calls: every one that the slice can affect (all of them when everything is compared).
  let recorded = 0;
  // In agent and tool order (batched slices are reused), reported in line order.
  const inOrder = [...(options.recorded ?? [])].sort((a, b) => (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : a.tool < b.tool ? -1 : a.tool > b.tool ? 1 : a.line - b.line));
  for (const r of inOrder) {
    if (!everything && (!toolSet.has(r.tool) || ![r.agent, ...r.via].some((x) => agentIds.has(x)))) continue;
    yield* pause();
    recorded++;
    const input = { agent: r.agent, tool: r.tool, args: r.args, context: r.context, via: r.via };
    flip(input, 'recorded', `line ${r.line}`, decide(base, input), decide(current, input));
  }

  // The access maps of the compared slice.
  const maxCells = options.maxCells ?? 1000;
  const cellCount = agents.length * tools.length;
  if (!base.entry?.manifest || !current.entry?.manifest || !base.entry.model || !current.entry.model) {
    notes.push('the access maps are not compared: a side has no usable manifest');
  } else if (cellCount > maxCells) {
    notes.push(`the access maps are not compared: ${agents.length} agents × ${tools.length} tools make ${cellCount} cells, more than ${maxCells} (raise it with --max-cells)`);
  } else if (cellCount > 0) {
    const opts = { tools: toolSet, agents: agentIds };
    const bMap = yield* accessMapSteps(base.entry, base.set, opts);
    const cMap = yield* accessMapSteps(current.entry, current.set, opts);
    cells.push(...mapChanges(bMap, cMap, (c) => cellFlips.get(cellKeyOf(c))));
  }

  const order = (x: { widening: boolean; agent: string; tool: string }, y: { widening: boolean; agent: string; tool: string }) => Number(y.widening) - Number(x.widening) || x.agent.localeCompare(y.agent) || x.tool.localeCompare(y.tool);
  cells.sort(order);
  calls.sort(order);
  const widening = cells.filter((c) => c.widening).length + calls.filter((c) => c.widening).length;
  const narrowing = cells.filter((c) => c.narrowing).length + calls.filter((c) => !c.widening).length;
  return {
    policies: changes,
    cells,
    scenarios,
    calls,
    compared: { tools: tools.length, agents: agents.length, scenarios: byName.size, boundary, recorded, everything },
    notes,
    summary: { widening, narrowing, changes: changes.length + cells.length + scenarios.length + calls.length },
  };
}

export function diff(base: DiffSide, current: DiffSide, options: DiffOptions = {}): DiffResult {
  const steps = diffSteps(base, current, options);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Reads a decision log (JSON Lines, see DESIGN "Recorded calls"): the calls, and the lines that are not one (by line
 * number and why, never quoting the line). Blank lines are skipped.
 */
export function parseRecordedCalls(text: string): { calls: RecordedCall[]; problems: { line: number; message: string }[] } {
  const calls: RecordedCall[] = [];
  const problems: { line: number; message: string }[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (!raw) continue;
    const line = i + 1;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch {
      problems.push({ line, message: 'not valid JSON' });
      continue;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ line, message: 'not a JSON object' });
      continue;
    }
    const o = v as Record<string, unknown>;
    const get = (k: string) => (Object.hasOwn(o, k) ? o[k] : undefined);
    const agent = get('agent');
    const tool = get('tool');
    if (typeof agent !== 'string' || !agent || typeof tool !== 'string' || !tool) {
      problems.push({ line, message: '`agent` and `tool` must be non-empty strings' });
      continue;
    }
    const via = get('via') ?? [];
    if (!Array.isArray(via) || via.some((x) => typeof x !== 'string')) {
      problems.push({ line, message: '`via` must be a list of agent ids' });
      continue;
    }
    const decision = get('decision');
    if (decision !== undefined && decision !== 'allow' && decision !== 'deny') {
      problems.push({ line, message: '`decision` must be "allow" or "deny"' });
      continue;
    }
    calls.push({ line, agent, tool, args: get('args') ?? {}, context: get('context') ?? {}, via: via as string[], ...(decision ? { decision } : {}) });
  }
  return { calls, problems };
}
