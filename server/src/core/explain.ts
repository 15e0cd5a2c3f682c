/**
 * Why a simulated call was decided as it was, clause by clause: for a deny, each permit in scope for the agent and tool
 * and the first of its conditions that did not hold (with the values the call gave), and the permits that were out of
 * scope with the part of the scope that did not match; for an allow, the forbids in scope and why each did not apply.
 *
 * Everything here is decided by Cedar itself, never by a re-implementation of its semantics: the scope parts and each
 * condition (a `when` clause cut at its top-level `&&`, an `unless` clause at its `||`) become small policies of their
 * own, evaluated in one engine call on the very request of the simulation. Cedar evaluates a policy's clauses in order and
 * `&&`/`||` left to right, so the first part that fails (or errors) on its own is the one that failed (or errored) in
 * the policy.
 */
import { accessPath, children } from './cedar/ast';
import { authorizeOnce, policyJsonToText, type AuthorizationRequest, type CedarExpr, type CedarValue, type EntityJson, type PolicyJson, type SchemaJson } from './cedar/engine';
import { own } from './own';
import type { PolicyRef } from './simulate';

/** One condition of a policy as the call evaluated it. */
export interface ConditionCheck {
  /** The condition as Cedar prints it (one part of a `when` or `unless` clause). */
  text: string;
  clause: 'when' | 'unless';
  /** What it evaluated to on the call (`error`: Cedar could not evaluate it, and skipped the policy). */
  result: boolean | 'error';
  /** The attributes it reads, with the values the call gave (`absent` when the call has none). Filled after redaction. */
  values: { path: string; value: string }[];
  /** The engine's message when it errored. */
  error?: string;
}

export interface PolicyExplanation extends PolicyRef {
  /**
   * `applies`: its scope matched and every condition held; `condition`: its scope matched, and `blocking` is the first
   * condition that did not hold; `errored`: `blocking` is the condition that errored; `out-of-scope`: `scopeMisses`
   * says which part of its scope did not match.
   */
  status: 'applies' | 'condition' | 'errored' | 'out-of-scope';
  scopeMisses?: string[];
  blocking?: ConditionCheck;
  /**
   * When this condition alone keeps the permit from applying and compares an argument or session value with a
   * literal: the nearest value that satisfies it, and whether the call would then be allowed (decided again).
   */
  nearest?: { path: string; value: string | number | boolean; change: string; allows?: boolean };
}

export interface Explanation {
  /** A deny examines the permits (why none applied); an allow, the forbids (why none applied). */
  examined: 'permit' | 'forbid';
  /** The agent whose decision is explained (the deciding step of a delegation chain). */
  agent: string;
  /** In scope first (in file order), then out of scope (at most OUT_OF_SCOPE_SHOWN, those whose tool matched first). */
  policies: PolicyExplanation[];
  /** Out-of-scope policies not listed. */
  moreOutOfScope: number;
  /** Set when the engine could not explain (the decision stands; the explanation is missing). */
  unavailable?: string;
}

/** The policies of the call's slice, as the simulator evaluated them. */
export interface ExplainMember {
  json: PolicyJson;
  ref: PolicyRef;
}

export const OUT_OF_SCOPE_SHOWN = 10;

const ALL = { op: 'All' } as const;

function conditionPolicy(body: CedarExpr): PolicyJson {
  return { effect: 'permit', principal: ALL, action: ALL, resource: ALL, conditions: [{ kind: 'when', body }] } as PolicyJson;
}

/** The operands of a top-level chain of `op` (`a && b && c` → [a, b, c]), left to right. */
function flatten(e: CedarExpr, op: '&&' | '||'): CedarExpr[] {
  const o = e as Record<string, unknown>;
  if (op in o) {
    const x = o[op] as { left: CedarExpr; right: CedarExpr };
    return [...flatten(x.left, op), ...flatten(x.right, op)];
  }
  return [e];
}

interface Part {
  clause: 'when' | 'unless';
  expr: CedarExpr;
}

function partsOf(p: PolicyJson): Part[] {
  return p.conditions.flatMap((c) => flatten(c.body, c.kind === 'when' ? '&&' : '||').map((expr) => ({ clause: c.kind, expr })));
}

/** The scope part of a policy, in words, for when it did not match. */
function describeMiss(part: 'principal' | 'action' | 'resource', p: PolicyJson): string {
  const c = p[part] as { op: string; entity?: unknown; entities?: unknown[]; entity_type?: string; in?: { entity?: unknown } };
  const name = (e: unknown) => {
    const u = (e && typeof e === 'object' && '__entity' in e ? (e as { __entity: unknown }).__entity : e) as { type?: string; id?: string } | undefined;
    return u ? `${String(u.type).replace(/^.*::/, '')} \`${String(u.id)}\`` : 'that entity';
  };
  if (c.op === '==') return `${part} is not ${name(c.entity)}`;
  if (c.op === 'in' && c.entities) return `${part} is none of ${c.entities.map(name).join(', ')}`;
  if (c.op === 'in') return `${part} is not in ${name(c.entity)}`;
  if (c.op === 'is') return `${part} is not of type \`${String(c.entity_type)}\`${c.in ? ` in ${name(c.in.entity)}` : ''}`;
  return `${part} does not match`;
}

/** The attribute paths a condition reads (`context.input.amount`), outermost chains only, in order. */
function readPaths(e: CedarExpr): string[][] {
  const out: string[][] = [];
  const seen = new Set<string>();
  const visit = (x: CedarExpr) => {
    const path = accessPath(x);
    if (path && path.length > 1) {
      const k = path.join('.');
      if (!seen.has(k)) {
        seen.add(k);
        out.push(path);
      }
      return;
    }
    for (const c of children(x)) visit(c);
  };
  visit(e);
  return out;
}

/** `context.input.amount <= 100` and the like: an argument or session value compared with a literal. */
function comparison(e: CedarExpr): { path: string[]; op: string; literal: string | number | boolean; flipped: boolean } | undefined {
  const o = e as Record<string, unknown>;
  const op = Object.keys(o)[0];
  if (!op || !['==', '<', '<=', '>', '>='].includes(op)) return undefined;
  const x = o[op] as { left: CedarExpr; right: CedarExpr };
  const lit = (v: CedarExpr) => {
    const val = own(v, 'Value');
    return typeof val === 'string' || typeof val === 'number' || typeof val === 'boolean' ? val : undefined;
  };
  const pl = accessPath(x.left);
  const pr = accessPath(x.right);
  const l = lit(x.right);
  const r = lit(x.left);
  if (pl && l !== undefined) return { path: pl, op, literal: l, flipped: false };
  if (pr && r !== undefined) return { path: pr, op, literal: r, flipped: true };
  return undefined;
}

/** The nearest value of the compared path that makes the comparison hold. */
function nearestValue(c: NonNullable<ReturnType<typeof comparison>>): { value: string | number | boolean; change: string } | undefined {
  const op = c.flipped ? ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=', '==': '==' } as Record<string, string>)[c.op]! : c.op;
  const name = c.path[c.path.length - 1]!;
  if (op === '==') return { value: c.literal, change: `${name} = ${JSON.stringify(c.literal)}` };
  if (typeof c.literal !== 'number') return undefined;
  const v = op === '<' ? c.literal - 1 : op === '>' ? c.literal + 1 : c.literal;
  return { value: v, change: `${name} ${op.replace('<=', '≤').replace('>=', '≥')} ${c.literal}` };
}

/**
 * Explains one decision of the simulator: `members` are the policies of the call's slice (those that can apply),
 * `req` the very request the engine decided. Never throws: an engine failure leaves the explanation `unavailable`.
 */
export function explainDecision(agent: string, decision: 'allow' | 'deny', members: ExplainMember[], req: AuthorizationRequest, schema: SchemaJson): Explanation {
  const examined = decision === 'deny' ? 'permit' : 'forbid';
  const out: Explanation = { examined, agent, policies: [], moreOutOfScope: 0 };
  const candidates = members.filter((m) => m.json.effect === examined);
  const variants: Record<string, PolicyJson> = {};
  const partsByIndex = candidates.map((m) => partsOf(m.json));
  candidates.forEach((m, i) => {
    const j = m.json;
    variants[`s${i}`] = { ...j, effect: 'permit', conditions: [] } as PolicyJson;
    variants[`p${i}`] = { ...j, effect: 'permit', action: ALL, resource: ALL, conditions: [] } as PolicyJson;
    variants[`a${i}`] = { ...j, effect: 'permit', principal: ALL, resource: ALL, conditions: [] } as PolicyJson;
    variants[`r${i}`] = { ...j, effect: 'permit', principal: ALL, action: ALL, conditions: [] } as PolicyJson;
    partsByIndex[i]!.forEach((part, k) => (variants[`c${i}_${k}`] = conditionPolicy(part.expr)));
  });
  if (!candidates.length) return out;
  const answer = authorizeOnce(variants as unknown as Record<string, string>, schema, req);
  if ('errors' in answer) {
    out.unavailable = `the engine could not explain the decision: ${answer.errors[0]?.message ?? 'unknown error'}`;
    return out;
  }
  const holds = new Set(answer.decision.reason);
  const errs = new Map(answer.decision.errored.map((e) => [e.policyId, e.message]));
  const inScope: PolicyExplanation[] = [];
  const outOfScope: { e: PolicyExplanation; toolMatched: boolean }[] = [];
  candidates.forEach((m, i) => {
    const e: PolicyExplanation = { ...m.ref, status: 'applies' };
    if (!holds.has(`s${i}`)) {
      e.status = 'out-of-scope';
      e.scopeMisses = (['principal', 'action', 'resource'] as const).filter((part) => !holds.has(`${part[0]}${i}`)).map((part) => describeMiss(part, m.json));
      outOfScope.push({ e, toolMatched: holds.has(`a${i}`) });
      return;
    }
    const parts = partsByIndex[i]!;
    const results = parts.map((_, k): boolean | 'error' => (errs.has(`c${i}_${k}`) ? 'error' : holds.has(`c${i}_${k}`)));
    // The first part that fails: a `when` part that is false, an `unless` part that is true; or one that errors.
    const first = parts.findIndex((p, k) => results[k] === 'error' || (p.clause === 'when' ? results[k] === false : results[k] === true));
    if (first >= 0) {
      const part = parts[first]!;
      const result = results[first]!;
      e.status = result === 'error' ? 'errored' : 'condition';
      e.blocking = { text: conditionText(part.expr), clause: part.clause, result, values: [], ...(result === 'error' ? { error: errs.get(`c${i}_${first}`) } : {}) };
      pathsOf.set(e.blocking, readPaths(part.expr));
      // Alone: every other part holds (evaluated on its own, each of them).
      const alone = parts.every((p, k) => k === first || (p.clause === 'when' ? results[k] === true : results[k] === false));
      const cmp = part.clause === 'when' && result === false && alone ? comparison(part.expr) : undefined;
      if (cmp && cmp.path[0] === 'context' && (cmp.path[1] === 'input' || cmp.path[1] === 'session') && cmp.path.length === 3) {
        const n = nearestValue(cmp);
        if (n) e.nearest = { path: cmp.path.join('.'), ...n };
      }
    }
    inScope.push(e);
  });
  outOfScope.sort((a, b) => Number(b.toolMatched) - Number(a.toolMatched));
  out.policies = [...inScope, ...outOfScope.slice(0, OUT_OF_SCOPE_SHOWN).map((x) => x.e)];
  out.moreOutOfScope = Math.max(0, outOfScope.length - OUT_OF_SCOPE_SHOWN);
  return out;
}

/** The attribute paths each blocking condition reads (kept off the result: values are filled in after redaction). */
const pathsOf = new WeakMap<ConditionCheck, string[][]>();

/** Cedar's own printing of one condition. */
function conditionText(e: CedarExpr): string {
  const printed = policyJsonToText(conditionPolicy(e));
  if ('errors' in printed) return '(a condition Cedar could not print)';
  const t = printed.text;
  const start = t.indexOf('{', t.indexOf('when'));
  const end = t.lastIndexOf('}');
  return (start >= 0 && end > start ? t.slice(start + 1, end) : t).replace(/\s+/g, ' ').trim();
}

/**
 * Fills in the values each blocking condition reads, from the request and entities as the simulation result shows them
 * (redacted: a sensitive argument shows as the redaction marker, never its value).
 */
export function fillValues(x: Explanation, context: Record<string, CedarValue> | undefined, entities: EntityJson[] | undefined, principal: { type: string; id: string }, resource: { type: string; id: string }): void {
  const entity = (u: { type: string; id: string }) => entities?.find((e) => own(e.uid, 'type') === u.type && own(e.uid, 'id') === u.id);
  for (const p of x.policies) {
    const b = p.blocking;
    if (!b) continue;
    b.values = (pathsOf.get(b) ?? []).map((path) => {
      let v: unknown;
      if (path[0] === 'context') v = context;
      else if (path[0] === 'principal') v = entity(principal)?.attrs;
      else if (path[0] === 'resource') v = entity(resource)?.attrs;
      for (const k of path.slice(1)) v = v === undefined ? undefined : own(v, k);
      return { path: path.join('.'), value: v === undefined ? 'absent' : showValue(v as CedarValue) };
    });
  }
}

/** A Cedar value as a reader writes it: `750`, `"billing"`, `[1, 2]`, `Acme::Agent::"a"`, `decimal("1.5")`. */
export function showValue(v: CedarValue): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(showValue).join(', ')}]`;
  if (v && typeof v === 'object') {
    const ent = own(v, '__entity') as { type?: unknown; id?: unknown } | undefined;
    if (ent) return `${String(ent.type)}::${JSON.stringify(String(ent.id))}`;
    const ext = own(v, '__extn') as { fn?: unknown; arg?: unknown } | undefined;
    if (ext) return `${String(ext.fn)}(${JSON.stringify(ext.arg)})`;
    return `{${Object.keys(v).map((k) => `${k}: ${showValue(own(v, k) as CedarValue)}`).join(', ')}}`;
  }
  return String(v);
}

/** One line per finding about a policy (without its location): what a reader needs to see why it did not apply. */
export function policyFinding(p: PolicyExplanation): string {
  if (p.status === 'out-of-scope') return `out of scope: ${(p.scopeMisses ?? []).join('; ') || 'its scope does not match'}`;
  if (p.status === 'applies') return p.effect === 'permit' ? 'applies (a forbid overrides it)' : 'applies';
  const b = p.blocking!;
  const vals = b.values.length ? ` (${b.values.map((v) => `${v.path} = ${truncate(v.value)}`).join(', ')})` : '';
  if (b.result === 'error') return `\`${b.text}\` errored${vals}: ${b.error ?? 'Cedar could not evaluate it'}; Cedar skipped the policy`;
  const verb = b.clause === 'when' ? 'was false' : 'was true (in `unless`)';
  const near = p.nearest ? `; with ${p.nearest.change} it ${p.nearest.allows ? 'would be allowed' : 'would apply, but the call would still be denied'}` : '';
  return `\`${b.text}\` ${verb}${vals}${near}`;
}

/** The heading of an explanation: what was examined, for whom. */
export function explanationHeading(x: Explanation): string {
  if (x.unavailable) return x.unavailable;
  const kind = `${x.examined}s`;
  const inScope = x.policies.filter((p) => p.status !== 'out-of-scope').length;
  if (!x.policies.length) return `no ${kind} can apply to ${x.agent} and this tool`;
  const n = (k: number, what: string) => `${k} ${what}${k === 1 ? '' : 's'}`;
  return `${n(inScope, x.examined)} in scope for ${x.agent}${x.examined === 'forbid' ? ' (none applied)' : ''}${x.moreOutOfScope ? `; ${x.moreOutOfScope} more out of scope not shown` : ''}`;
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}
