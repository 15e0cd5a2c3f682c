/**
 * Two calls for an access-map cell, for people to simulate: one that the policies allow (it satisfies the cell's
 * condition) and, as close to it as found, one that they deny. Candidates are the boundary calls of the tool
 * (boundary.ts: the schema's sample call, each threshold and its neighbours, a call per permit that satisfies it),
 * drawn from the comparisons of the policies that take part in the cell and of its condition; each is decided by
 * the simulator, so a proposed call decides as it says. Pure and deterministic.
 */
import type { PolicyJson } from '../cedar/engine';
import type { ManifestEntry } from '../project';
import { simulate, type PolicySetInput, type SimulationInput } from '../simulate';
import { cellComparisons, type AccessCell } from './access';
import { boundaryCalls, policyAnchors, policyComparisons } from './boundary';

type Json = Record<string, unknown>;

export interface ProposedCall {
  args: Json;
  context: Json;
  /** What the call probes ("amount = 101 (one above 100), from a call the permit `x` admits"). */
  why: string;
  decision: 'allow' | 'deny';
  /** The policies that determined the decision (ids). */
  policies: string[];
}

export interface CellCalls {
  /** A call the simulator allows (absent when none of the candidates is allowed). */
  satisfying?: ProposedCall;
  /** A call the simulator denies, the nearest to `satisfying` among the candidates (fewest values changed). */
  failing?: ProposedCall;
  /** How many candidates were decided. */
  decided: number;
  /** Why a call is missing, for people. */
  notes: string[];
}

export interface CellCallsOptions {
  /** At most this many candidate calls (boundaryCalls' limit). */
  limit?: number;
  /** At most this many simulations. */
  maxDecisions?: number;
}

/** A candidate decided: whether a forbid errored (fail open), whether the policies decided it at all. */
type Decided = ProposedCall & { failOpen: boolean; evaluated: boolean };

/** The policies of the cell as Cedar JSON (those that parse), found in the set by file and position. */
function cellPolicies(set: PolicySetInput, cell: AccessCell): PolicyJson[] {
  const wanted = new Set([...cell.permits, ...cell.forbids].map((r) => `${r.file}\u0000${r.span.start}`));
  const out: PolicyJson[] = [];
  for (const f of set.files) for (const p of f.policies) if (p.json && wanted.has(`${f.file}\u0000${p.slice.bodySpan.start}`)) out.push(p.json);
  return out;
}

/** The leaves of a JSON value by path (for the distance between two calls). */
function leaves(v: unknown, at: string, out: Map<string, string>): Map<string, string> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) leaves(x, `${at}/${k}`, out);
  else out.set(at, JSON.stringify(v));
  return out;
}

/** How many values differ between two calls (a field present in one only counts once). */
function distance(a: { args: Json; context: Json }, b: { args: Json; context: Json }): number {
  const x = leaves({ args: a.args, context: a.context }, '', new Map());
  const y = leaves({ args: b.args, context: b.context }, '', new Map());
  let n = 0;
  for (const [k, v] of x) if (y.get(k) !== v) n++;
  for (const k of y.keys()) if (!x.has(k)) n++;
  return n;
}

/**
 * The two calls of a cell (see the module comment). Only for cells a call can go either way on (`conditional`);
 * none for a cell whose condition compares a sensitive value (its literal would be shown in the call).
 */
export function cellCalls(entry: ManifestEntry, set: PolicySetInput, cell: AccessCell, options: CellCallsOptions = {}): CellCalls {
  const m = entry.manifest;
  const tool = m?.tools.find((t) => t.action === cell.tool && t.server === cell.server) ?? m?.tools.find((t) => t.action === cell.tool);
  if (!m || !entry.model || !tool) return { decided: 0, notes: ['the manifest cannot decide calls of this tool'] };
  if (cell.access !== 'conditional') return { decided: 0, notes: [`the cell is \`${cell.access}\`: every call decides the same`] };
  if (cell.redacted) return { decided: 0, notes: ['the condition compares a sensitive value: no call is proposed (it would show the value)'] };
  const policies = cellPolicies(set, cell);
  const cmp = [...policyComparisons(policies), ...cellComparisons(cell)];
  const candidates = boundaryCalls(tool.inputSchema, m.context ?? { type: 'object' }, cmp, options.limit ?? 200, policyAnchors(policies));
  const maxDecisions = options.maxDecisions ?? 400;
  const decisions = new Map<number, Decided>();
  const decide = (i: number) => {
    let d = decisions.get(i);
    if (d) return d;
    const c = candidates[i]!;
    const input: SimulationInput = { agent: cell.agent, tool: cell.tool, args: c.args, context: c.context, via: cell.via ? [cell.via] : [] };
    const r = simulate(entry, set, input);
    // A deny that is not the policies' (the call could not be evaluated) says nothing about the condition.
    const decision = r.cannotEvaluate || r.requestErrors.length ? undefined : r.decision;
    d = { args: c.args, context: c.context, why: c.why, decision: decision ?? 'deny', policies: r.determining.map((p) => p.id), failOpen: r.failOpenRisk, evaluated: decision !== undefined };
    decisions.set(i, d);
    return d;
  };
  // The allowed call: the first candidate allowed without a forbid erroring (else the first allowed at all).
  let satisfying: Decided | undefined;
  let fallback: typeof satisfying;
  for (let i = 0; i < candidates.length && decisions.size < maxDecisions; i++) {
    const d = decide(i);
    if (d.decision !== 'allow') continue;
    if (!d.failOpen) {
      satisfying = d;
      break;
    }
    fallback ??= d;
  }
  satisfying ??= fallback;
  // The denied call: nearest to the allowed one (else the first denied), among the candidates.
  const order = candidates.map((c, i) => ({ i, d: satisfying ? distance(c, satisfying) : i })).sort((a, b) => a.d - b.d || a.i - b.i);
  let failing: Decided | undefined;
  for (const { i } of order) {
    if (decisions.size >= maxDecisions && !decisions.has(i)) break;
    const d = decide(i);
    if (d.decision === 'deny' && d.evaluated) {
      failing = d;
      break;
    }
  }
  const notes: string[] = [];
  if (!satisfying) notes.push(`none of the ${decisions.size} boundary calls tried is allowed: write one that satisfies the condition`);
  if (!failing) notes.push(`none of the ${decisions.size} boundary calls tried is denied by the policies`);
  const strip = (d: Decided): ProposedCall => ({ args: d.args, context: d.context, why: d.why, decision: d.decision, policies: d.policies });
  return { ...(satisfying ? { satisfying: strip(satisfying) } : {}), ...(failing ? { failing: strip(failing) } : {}), decided: decisions.size, notes };
}
