/**
 * Boundary calls: the calls of one tool worth deciding to see where policies draw their lines. Generated from the
 * tool's input schema and the session schema (every enum value, optional fields absent) and from the literals the
 * policies compare the call with (each numeric threshold, one below and one above; the string compared and a
 * different one; both booleans; a tested field absent and present). Only calls the schemas admit are kept.
 *
 * Deterministic (no randomness): `agent-policy diff`, "Generate Scenarios for Tool…" and the tests get the same calls
 * for the same input. Each variant is tried on two anchors: the schema's sample call, and that call with every
 * equality the policies test made true (so that a threshold behind a guard like `currency == "EUR"` is reached).
 */
import { own } from '../own';
import { sampleValue } from '../sampleValues';
import { schemaProblems } from '../simulate';
import type { Comparison } from './condition';
import { comparisons } from './condition';
import type { PolicyJson } from '../cedar/engine';

type Json = Record<string, unknown>;

export interface BoundaryCall {
  args: Json;
  context: Json;
  /** What the call probes, for people: "amount = 101 (one above 100)", "the schema's sample call". */
  why: string;
}

interface Variant {
  root: 'input' | 'session';
  path: string[];
  /** undefined: the field is absent. */
  value: unknown;
  why: string;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function setPath(obj: Json, path: string[], value: unknown): void {
  let cur: Json = obj;
  for (const k of path.slice(0, -1)) {
    const next = own(cur, k);
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Json;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

function schemaAt(schema: unknown, path: string[]): Json | undefined {
  let cur: unknown = schema;
  for (const k of path) {
    const props = own(cur, 'properties');
    cur = own(props, k);
  }
  return typeof cur === 'object' && cur !== null && !Array.isArray(cur) ? (cur as Json) : undefined;
}

function objectEntries(v: unknown): [string, unknown][] {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.entries(v) : [];
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The comparisons of the call that the conditions of these policies make (`when` and `unless` alike). */
export function policyComparisons(policies: Iterable<PolicyJson>): Comparison[] {
  const out: Comparison[] = [];
  for (const p of policies) {
    const conds = own(p, 'conditions');
    if (!Array.isArray(conds)) continue;
    for (const c of conds) {
      const body = own(c, 'body');
      if (body !== undefined) out.push(...comparisons(body as Parameters<typeof comparisons>[0]));
    }
  }
  return out;
}

/** The values worth trying, path by path (see the module comment). */
function variants(inputSchema: unknown, sessionSchema: unknown, cmp: Comparison[]): Variant[] {
  const out: Variant[] = [];
  for (const [root, schema] of [
    ['input', inputSchema],
    ['session', sessionSchema],
  ] as const) {
    const requiredList = own(schema, 'required');
    const required = new Set(Array.isArray(requiredList) ? requiredList.filter((x): x is string => typeof x === 'string') : []);
    for (const [k, s] of objectEntries(own(schema, 'properties'))) {
      const en = own(s, 'enum');
      if (Array.isArray(en)) for (const v of en) out.push({ root, path: [k], value: v, why: `${k} = ${show(v)} (a value of its enum)` });
      if (!required.has(k)) out.push({ root, path: [k], value: undefined, why: `${k} absent (optional)` });
    }
  }
  for (const c of cmp) {
    // A path the schema does not declare is not probed: a call that adds an unknown argument is not a call a tool gets.
    if (!schemaAt(c.root === 'input' ? inputSchema : sessionSchema, c.path)) continue;
    const name = c.path.join('.');
    const push = (value: unknown, why: string) => out.push({ root: c.root, path: c.path, value: c.op === 'contains' && value !== undefined ? [value] : value, why });
    if (c.op === 'has') {
      push(undefined, `${name} absent (a policy tests it)`);
      const s = schemaAt(c.root === 'input' ? inputSchema : sessionSchema, c.path);
      const v = s ? sampleValue(s) : undefined;
      if (v !== undefined) push(v, `${name} present (a policy tests it)`);
    } else if (typeof c.value === 'number') {
      push(c.value - 1, `${name} = ${c.value - 1} (one below ${c.value})`);
      push(c.value, `${name} = ${c.value} (a policy compares with it)`);
      push(c.value + 1, `${name} = ${c.value + 1} (one above ${c.value})`);
    } else if (typeof c.value === 'string') {
      push(c.value, `${name} = ${show(c.value)} (a policy compares with it)`);
      push(`${c.value}-other`, `${name} = ${show(`${c.value}-other`)} (a different string)`);
    } else if (typeof c.value === 'boolean') {
      push(true, `${name} = true`);
      push(false, `${name} = false`);
    }
  }
  return out;
}

/**
 * The boundary calls of a tool (see the module comment), at most `limit`, deduplicated, each valid against the input
 * schema and the session schema.
 */
export function boundaryCalls(inputSchema: unknown, sessionSchema: unknown, cmp: Comparison[], limit = 200): BoundaryCall[] {
  const baseArgs = sampleValue(inputSchema);
  const baseCtx = sampleValue(sessionSchema);
  const start = { args: (typeof baseArgs === 'object' && baseArgs !== null && !Array.isArray(baseArgs) ? baseArgs : {}) as Json, context: (typeof baseCtx === 'object' && baseCtx !== null && !Array.isArray(baseCtx) ? baseCtx : {}) as Json };
  const vs = variants(inputSchema, sessionSchema, cmp);
  const valid = (c: { args: Json; context: Json }) => schemaProblems(inputSchema, c.args, 'args').length === 0 && schemaProblems(sessionSchema, c.context, 'context').length === 0;
  const apply = (from: { args: Json; context: Json }, list: Variant[]) => {
    const c = clone(from);
    for (const v of list) setPath(v.root === 'input' ? c.args : c.context, v.path, v.value);
    return c;
  };
  // The second anchor: every equality the policies test made true, one value per path (the first that keeps the call valid).
  let guarded = clone(start);
  const done = new Set<string>();
  for (const c of cmp) {
    const at = `${c.root}.${c.path.join('.')}`;
    if (done.has(at) || !schemaAt(c.root === 'input' ? inputSchema : sessionSchema, c.path) || !(c.op === '==' || c.op === 'contains' || c.op === 'has' || c.op === '>=' || c.op === '<=')) continue;
    const value = c.op === 'has' ? sampleValue(schemaAt(c.root === 'input' ? inputSchema : sessionSchema, c.path) ?? {}) : c.op === 'contains' ? [c.value] : c.value;
    if (value === undefined) continue;
    const next = apply(guarded, [{ root: c.root, path: c.path, value, why: '' }]);
    if (valid(next)) {
      guarded = next;
      done.add(at);
    }
  }
  const out: BoundaryCall[] = [];
  const seen = new Set<string>();
  const add = (c: { args: Json; context: Json }, why: string) => {
    if (out.length >= limit) return;
    const key = JSON.stringify(c);
    if (seen.has(key) || !valid(c)) return;
    seen.add(key);
    out.push({ ...c, why });
  };
  add(start, "the schema's sample call");
  add(guarded, "the sample call with the policies' equalities true");
  for (const v of vs) add(apply(start, [v]), v.why);
  for (const v of vs) add(apply(guarded, [v]), `${v.why}, the other equalities true`);
  return out;
}
