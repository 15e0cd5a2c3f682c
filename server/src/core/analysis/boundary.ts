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

function conditionComparisons(p: PolicyJson): Comparison[] {
  const out: Comparison[] = [];
  const conds = own(p, 'conditions');
  if (!Array.isArray(conds)) return out;
  for (const c of conds) {
    const body = own(c, 'body');
    if (body !== undefined) out.push(...comparisons(body as Parameters<typeof comparisons>[0]));
  }
  return out;
}

/** The comparisons of the call that the conditions of these policies make (`when` and `unless` alike). */
export function policyComparisons(policies: Iterable<PolicyJson>): Comparison[] {
  return [...policies].flatMap(conditionComparisons);
}

/**
 * A starting call per permit: the sample call with every comparison of the permit's conditions made true, and the
 * optional fields the forbids test with `has` absent (a guard the forbid then skips). Variants applied to it probe
 * the permit's own boundary, which the schema's sample call alone seldom reaches (`to like "*@customers…"`).
 */
export interface Anchor {
  set: Comparison[];
  clear: Comparison[];
  why: string;
}

export function policyAnchors(policies: Iterable<PolicyJson>): Anchor[] {
  const list = [...policies];
  const clear = list.filter((p) => p.effect === 'forbid').flatMap(conditionComparisons).filter((c) => c.op === 'has');
  return list
    .filter((p) => p.effect === 'permit')
    .map((p) => ({ set: conditionComparisons(p), clear, why: `a call the permit ${policyName(p)} admits` }))
    .filter((a) => a.set.length > 0);
}

function policyName(p: PolicyJson): string {
  const id = own(own(p, 'annotations'), 'id');
  return typeof id === 'string' ? `\`${id}\`` : 'without @id';
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
    } else if (c.op === 'like' && typeof c.value === 'string') {
      // The pattern with its wildcards empty matches it; with a suffix it no longer does (unless it ends in `*`).
      push(c.value, `${name} = ${show(c.value)} (matches a pattern a policy tests)`);
      push(`${c.value}-other`, `${name} = ${show(`${c.value}-other`)} (a different string)`);
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

/** The value that makes a comparison true, or undefined when there is none to pick (`!=`: the sample differs already). */
function satisfying(c: Comparison, schema: unknown): unknown {
  switch (c.op) {
    case '==':
    case 'like':
    case '<=':
    case '>=':
      return c.value;
    case '<':
      return typeof c.value === 'number' ? c.value - 1 : undefined;
    case '>':
      return typeof c.value === 'number' ? c.value + 1 : undefined;
    case 'contains':
      return [c.value];
    case 'has':
      return sampleValue(schemaAt(schema, c.path) ?? {});
    default:
      return undefined;
  }
}

/**
 * The boundary calls of a tool (see the module comment), at most `limit`, deduplicated, each valid against the input
 * schema and the session schema. `anchors` (policyAnchors) add a starting call per permit.
 */
export function boundaryCalls(inputSchema: unknown, sessionSchema: unknown, cmp: Comparison[], limit = 200, anchors: Anchor[] = []): BoundaryCall[] {
  const baseArgs = sampleValue(inputSchema);
  const baseCtx = sampleValue(sessionSchema);
  const start = { args: (typeof baseArgs === 'object' && baseArgs !== null && !Array.isArray(baseArgs) ? baseArgs : {}) as Json, context: (typeof baseCtx === 'object' && baseCtx !== null && !Array.isArray(baseCtx) ? baseCtx : {}) as Json };
  const vs = variants(inputSchema, sessionSchema, cmp);
  const schemaOf = (root: 'input' | 'session') => (root === 'input' ? inputSchema : sessionSchema);
  const valid = (c: { args: Json; context: Json }) => schemaProblems(inputSchema, c.args, 'args').length === 0 && schemaProblems(sessionSchema, c.context, 'context').length === 0;
  const apply = (from: { args: Json; context: Json }, list: Variant[]) => {
    const c = clone(from);
    for (const v of list) setPath(v.root === 'input' ? c.args : c.context, v.path, v.value);
    return c;
  };
  /** `from` with each comparison made true, one value per path (the first that keeps the call valid), and `clear`'s fields absent. */
  const satisfy = (from: { args: Json; context: Json }, list: Comparison[], clear: Comparison[] = []) => {
    let call = clone(from);
    const done = new Set<string>();
    for (const c of list) {
      const at = `${c.root}.${c.path.join('.')}`;
      if (done.has(at) || !schemaAt(schemaOf(c.root), c.path)) continue;
      const value = satisfying(c, schemaOf(c.root));
      if (value === undefined) continue;
      const next = apply(call, [{ root: c.root, path: c.path, value, why: '' }]);
      if (valid(next)) {
        call = next;
        done.add(at);
      }
    }
    for (const c of clear) {
      const at = `${c.root}.${c.path.join('.')}`;
      if (done.has(at)) continue;
      const next = apply(call, [{ root: c.root, path: c.path, value: undefined, why: '' }]);
      if (valid(next)) call = next;
    }
    return call;
  };
  const starts: { call: { args: Json; context: Json }; why: string }[] = [
    { call: start, why: "the schema's sample call" },
    { call: satisfy(start, cmp.filter((c) => c.op === '==' || c.op === 'contains' || c.op === 'has' || c.op === 'like' || c.op === '>=' || c.op === '<=')), why: "the sample call with the policies' equalities true" },
    ...anchors.map((a) => ({ call: satisfy(start, a.set, a.clear), why: a.why })),
  ];
  const out: BoundaryCall[] = [];
  const seen = new Set<string>();
  const add = (c: { args: Json; context: Json }, why: string) => {
    if (out.length >= limit) return;
    const key = JSON.stringify(c);
    if (seen.has(key) || !valid(c)) return;
    seen.add(key);
    out.push({ ...c, why });
  };
  for (const s of starts) add(s.call, s.why);
  for (const [i, s] of starts.entries()) for (const v of vs) add(apply(s.call, [v]), i === 0 ? v.why : `${v.why}, from ${s.why}`);
  return out;
}
