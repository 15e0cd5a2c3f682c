/**
 * Checks access-map cells against the simulator: sampled valid calls (from the tool's input schema and the session
 * schema, plus the boundary values of the literals the cell's condition compares with) must decide as the cell says.
 * A `conditional` cell's printed condition is evaluated by Cedar, as the condition of a `permit` of its own.
 */
import type { AccessCell } from '../../server/src/core/analysis/access';
import { cellComparisons } from '../../server/src/core/analysis/access';
import { authorizeOnce } from '../../server/src/core/cedar/engine';
import { ValueConverter } from '../../server/src/core/cedar/values';
import type { ManifestEntry } from '../../server/src/core/project';
import { sampleValue } from '../../server/src/core/sampleValues';
import { schemaProblems, simulate, type PolicySetInput } from '../../server/src/core/simulate';
import { cellCalls } from '../../server/src/core/analysis/cellCalls';

type Json = Record<string, unknown>;

export interface CellCheck {
  samples: number;
  allowed: number;
  denied: number;
  mismatches: string[];
  /** Samples where the printed condition errored (counted as not holding). */
  conditionErrors: number;
}

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function setPath(obj: Json, path: string[], value: unknown): void {
  let cur: Json = obj;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Json;
  }
  const last = path[path.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function schemaAt(schema: unknown, path: string[]): Json | undefined {
  let cur: unknown = schema;
  for (const k of path) {
    const props = (cur as Json | undefined)?.properties as Json | undefined;
    cur = props && Object.hasOwn(props, k) ? props[k] : undefined;
  }
  return typeof cur === 'object' && cur !== null ? (cur as Json) : undefined;
}

type Variant = { root: 'input' | 'session'; path: string[]; value: unknown };

/** Values worth trying per path: the schema's enum values, absence of optional fields, and the literals' boundaries. */
function variants(cell: AccessCell, inputSchema: unknown, sessionSchema: unknown): Variant[] {
  const out: Variant[] = [];
  for (const [root, schema] of [
    ['input', inputSchema],
    ['session', sessionSchema],
  ] as const) {
    const props = ((schema as Json | undefined)?.properties ?? {}) as Json;
    const required = new Set(((schema as Json | undefined)?.required ?? []) as string[]);
    for (const [k, s] of Object.entries(props)) {
      const ps = s as Json;
      if (Array.isArray(ps.enum)) for (const v of ps.enum) out.push({ root, path: [k], value: v });
      if (!required.has(k)) out.push({ root, path: [k], value: undefined });
    }
  }
  for (const c of cellComparisons(cell)) {
    const vs: unknown[] = [];
    if (c.op === 'has') {
      vs.push(undefined);
      const s = schemaAt(c.root === 'input' ? inputSchema : sessionSchema, c.path);
      const v = s ? sampleValue(s) : undefined;
      if (v !== undefined) vs.push(v);
    } else if (typeof c.value === 'number') vs.push(c.value - 1, c.value, c.value + 1, 0);
    else if (typeof c.value === 'string') vs.push(c.value, `${c.value}x`, `x${c.value}`, '');
    else if (typeof c.value === 'boolean') vs.push(true, false);
    for (const v of vs) out.push({ root: c.root, path: c.path, value: c.op === 'contains' && v !== undefined ? [v] : v });
    // Paths compared with other paths (`context.input.ticket_id == context.session.ticket_id`): equal strings.
  }
  return out;
}

/** The call samples for a cell: the base call, each variant alone, seeded random combinations, and the core's allowed and denied calls with their neighbours. */
export function sampleCalls(entry: ManifestEntry, set: PolicySetInput, cell: AccessCell, inputSchema: unknown, sessionSchema: unknown, seed: number, combos = 24): { args: Json; context: Json }[] {
  const baseArgs = (sampleValue(inputSchema) ?? {}) as Json;
  const baseCtx = (sampleValue(sessionSchema) ?? {}) as Json;
  const vs = variants(cell, inputSchema, sessionSchema);
  const apply = (list: Variant[]) => {
    const args = clone(baseArgs);
    const context = clone(baseCtx);
    for (const v of list) setPath(v.root === 'input' ? args : context, v.path, v.value);
    return { args, context };
  };
  const out = [apply([])];
  for (const v of vs) out.push(apply([v]));
  // Equal strings for paths compared with each other: the same value in every string field of both sides.
  const shared = apply([]);
  for (const [o, s] of [
    [shared.args, inputSchema],
    [shared.context, sessionSchema],
  ] as const) {
    for (const [k, p] of Object.entries(((s as Json).properties ?? {}) as Json)) if ((p as Json).type === 'string' && !Array.isArray((p as Json).enum)) o[k] = 'same';
  }
  out.push(shared);
  const r = rng(seed);
  for (let i = 0; i < combos && vs.length; i++) {
    const pick = vs.filter(() => r() < 0.35);
    const base = r() < 0.5 ? apply(pick) : (() => {
      const c = clone(shared);
      for (const v of pick) setPath(v.root === 'input' ? c.args : c.context, v.path, v.value);
      return c;
    })();
    out.push(base);
  }
  const valid = (c: { args: Json; context: Json }) => schemaProblems(inputSchema, c.args, 'args').length === 0 && schemaProblems(sessionSchema, c.context, 'context').length === 0;
  // The calls the core proposes for the cell (cellCalls.ts: one the simulator allows, the nearest one it denies), and
  // the neighbours of each (one value changed) to probe the condition's boundary.
  if (cell.access === 'conditional' && cell.expr) {
    const proposed = cellCalls(entry, set, cell);
    for (const w of [proposed.satisfying, proposed.failing]) {
      if (!w) continue;
      out.push({ args: w.args, context: w.context });
      for (const v of vs) {
        const c = clone({ args: w.args, context: w.context });
        setPath(v.root === 'input' ? c.args : c.context, v.path, v.value);
        out.push(c);
      }
    }
  }
  return out.filter(valid);
}

/**
 * Evaluates a printed condition for a call, with Cedar: true, false or 'error'. The condition reads only the call
 * (`context.input`, `context.session`), converted to Cedar values as the simulator converts them.
 */
export function conditionHolds(entry: ManifestEntry, cell: AccessCell, args: Json, context: Json, condition = cell.condition!): boolean | 'error' {
  const m = entry.manifest!;
  const model = entry.model!;
  const conv = new ValueConverter(m.namespace, 'call/');
  const input = conv.convert(args, model.inputTypes.get(cell.tool)!, 'args');
  const session = conv.convert(context, model.sessionType, 'context');
  if (input === undefined || session === undefined || conv.errors.length) return 'error';
  const ns = m.namespace;
  const r = authorizeOnce({ c: `permit (principal, action, resource) when { ${condition} };` }, undefined, {
    principal: { type: `${ns}::Agent`, id: cell.agent },
    action: { type: `${ns}::Action`, id: cell.tool },
    resource: { type: `${ns}::McpServer`, id: cell.server },
    context: { input, session },
    entities: conv.entities,
  });
  if ('errors' in r) return 'error';
  if (r.decision.errored.length) return 'error';
  return r.decision.decision === 'allow';
}

/** Every sampled call of the cell decides as the cell says (see the module comment). */
export function checkCell(entry: ManifestEntry, set: PolicySetInput, cell: AccessCell, seed = 1): CellCheck {
  const m = entry.manifest!;
  const tool = m.tools.find((t) => t.action === cell.tool)!;
  const sessionSchema = m.context ?? { type: 'object' };
  const res: CellCheck = { samples: 0, allowed: 0, denied: 0, mismatches: [], conditionErrors: 0 };
  const label = `${cell.via ? `${cell.via} → ` : ''}${cell.agent} × ${cell.tool} (${cell.access})`;
  for (const call of sampleCalls(entry, set, cell, tool.inputSchema, sessionSchema, seed)) {
    res.samples++;
    const sim = simulate(entry, set, { agent: cell.agent, tool: cell.tool, args: call.args, context: call.context, via: cell.via ? [cell.via] : [] });
    if (sim.decision === 'allow') res.allowed++;
    else res.denied++;
    const say = (why: string) => res.mismatches.push(`${label}: ${why} for ${JSON.stringify(call)}`);
    if (cell.access === 'always' && sim.decision !== 'allow') say(`simulator denies (${sim.reason})`);
    else if (cell.access === 'never' && sim.decision !== 'deny') say(`simulator allows (${sim.reason})`);
    else if (cell.access === 'conditional') {
      if (cell.redacted) continue;
      const holds = conditionHolds(entry, cell, call.args, call.context);
      if (holds === 'error') res.conditionErrors++;
      const expected = holds === true ? 'allow' : 'deny';
      if (sim.decision === expected) continue;
      // A forbid that errors is skipped by Cedar (fail open): the simulator may allow what the condition does not.
      if (sim.decision === 'allow' && holds !== true && sim.failOpenRisk && cell.failOpenRisk) continue;
      say(`condition \`${cell.condition}\` is ${String(holds)} but the simulator ${sim.decision === 'allow' ? 'allows' : 'denies'} (${sim.reason})`);
    }
  }
  return res;
}
