/**
 * Questions the lint rules ask about a policy, answered on Cedar's own JSON AST (policyToJson), never on
 * the policy's text.
 */
import type { CedarExpr, EntityUidJson, PolicyJson } from './engine';

export interface Uid {
  type: string;
  id: string;
}

export function uidOf(e: EntityUidJson | undefined): Uid | undefined {
  if (!e) return undefined;
  const v = '__entity' in e ? e.__entity : e;
  return { type: v.type, id: v.id };
}

/** The unqualified type name of a uid (`Acme::Role` → `Role`). */
export function localType(type: string): string {
  return type.slice(type.lastIndexOf('::') + 2 || 0);
}

export type PrincipalScope =
  | { kind: 'any' } // `principal` or `principal is Agent`
  | { kind: 'agent'; uid: Uid } // `principal == Agent::"x"` (or `in` an agent): one named entity
  | { kind: 'role'; uid: Uid } // `principal in Role::"r"` (or `is Agent in Role::"r"`)
  | { kind: 'slot' }; // a template slot: narrowed when linked

export function principalScope(p: PolicyJson): PrincipalScope {
  const c = p.principal;
  switch (c.op) {
    case 'All':
      return { kind: 'any' };
    case '==':
      // `principal == Role::"r"` names one entity (and never matches an agent): it is not a role grant.
      return 'slot' in c ? { kind: 'slot' } : { kind: 'agent', uid: uidOf(c.entity)! };
    case 'in':
      return 'slot' in c ? { kind: 'slot' } : entityScope(uidOf(c.entity)!);
    case 'is': {
      if (!c.in) return { kind: 'any' };
      return 'slot' in c.in ? { kind: 'slot' } : entityScope(uidOf(c.in.entity)!);
    }
  }
}

function entityScope(uid: Uid): PrincipalScope {
  return localType(uid.type) === 'Role' ? { kind: 'role', uid } : { kind: 'agent', uid };
}

/** The server a resource scope names (`resource == McpServer::"s"` or `resource in McpServer::"s"`), if any. */
export function resourceServer(p: Pick<PolicyJson, 'resource'>): string | undefined {
  const c = p.resource;
  const uid = (c.op === '==' || c.op === 'in') && !('slot' in c) ? uidOf(c.entity) : c.op === 'is' && c.in && !('slot' in c.in) ? uidOf(c.in.entity) : undefined;
  return uid && localType(uid.type) === 'McpServer' ? uid.id : undefined;
}

export type ActionScope =
  | { kind: 'any' } // `action`
  | { kind: 'group'; uid: Uid } // `action in Action::"call_tool"`: every tool
  | { kind: 'tools'; tools: string[] }; // `action == Action::"t"` or `action in [..]`

export const CALL_TOOL_GROUP = 'call_tool';

export function actionScope(p: Pick<PolicyJson, 'action'>): ActionScope {
  const c = p.action;
  if (c.op === 'All') return { kind: 'any' };
  if (c.op === '==') return 'slot' in c ? { kind: 'any' } : { kind: 'tools', tools: [uidOf(c.entity)!.id] };
  const list = 'entities' in c ? c.entities.map((e) => uidOf(e)!) : [uidOf(c.entity)!];
  const group = list.find((u) => u.id === CALL_TOOL_GROUP);
  if (group) return { kind: 'group', uid: group };
  return { kind: 'tools', tools: list.map((u) => u.id) };
}

/** Calls `visit` on every sub-expression of a policy's conditions. */
export function walkConditions(p: PolicyJson, visit: (e: CedarExpr, parents: CedarExpr[]) => void) {
  for (const c of p.conditions) walk(c.body, [], visit);
}

const BINARY = ['==', '!=', 'in', '<', '<=', '>', '>=', '&&', '||', '+', '-', '*', 'contains', 'containsAll', 'containsAny', 'getTag', 'hasTag'] as const;

export function children(e: CedarExpr): CedarExpr[] {
  const o = e as Record<string, unknown>;
  const key = Object.keys(o)[0];
  if (key === undefined) return [];
  const v = o[key] as Record<string, unknown> | unknown[];
  if (key === 'Value' || key === 'Var' || key === 'Slot') return [];
  if (key === 'Set') return v as CedarExpr[];
  if (key === 'Record') return Object.values(v as Record<string, CedarExpr>);
  if ((BINARY as readonly string[]).includes(key)) return [(v as { left: CedarExpr }).left, (v as { right: CedarExpr }).right];
  if (key === '!' || key === 'neg' || key === 'isEmpty') return [(v as { arg: CedarExpr }).arg];
  if (key === '.' || key === 'has' || key === 'like') return [(v as { left: CedarExpr }).left];
  if (key === 'is') {
    const x = v as { left: CedarExpr; in?: CedarExpr };
    return x.in ? [x.left, x.in] : [x.left];
  }
  if (key === 'if-then-else') {
    const x = v as { if: CedarExpr; then: CedarExpr; else: CedarExpr };
    return [x.if, x.then, x.else];
  }
  // An extension function or method call: { name: [args] }
  return Array.isArray(v) ? (v as CedarExpr[]) : [];
}

function walk(e: CedarExpr, parents: CedarExpr[], visit: (e: CedarExpr, parents: CedarExpr[]) => void) {
  visit(e, parents);
  const next = [...parents, e];
  for (const c of children(e)) walk(c, next, visit);
}

/** The attribute path of an access chain rooted at a variable: `context.input.a.b` → ['context','input','a','b']. */
export function accessPath(e: CedarExpr): string[] | undefined {
  const o = e as Record<string, unknown>;
  if ('Var' in o) return [o.Var as string];
  if ('.' in o) {
    const x = o['.'] as { left: CedarExpr; attr: string };
    const base = accessPath(x.left);
    return base ? [...base, x.attr] : undefined;
  }
  return undefined;
}

/** Whether any condition reads `context` (optionally only under `context.<sub>`). */
export function readsContext(p: PolicyJson, sub?: string): boolean {
  let found = false;
  walkConditions(p, (e) => {
    if (found) return;
    const path = accessPath(e);
    if (path && path[0] === 'context' && (sub === undefined || path[1] === sub)) found = true;
    const o = e as Record<string, unknown>;
    if (!sub && 'Var' in o && o.Var === 'context') found = true;
    if (sub && 'has' in o) {
      const h = o.has as { left: CedarExpr; attr: string | string[] };
      const base = accessPath(h.left);
      const attrs = Array.isArray(h.attr) ? h.attr : [h.attr];
      if (base && base[0] === 'context' && (base[1] === sub || (base.length === 1 && attrs[0] === sub))) found = true;
    }
  });
  return found;
}

/** Whether any condition mentions the variable (`principal`, `action`, `resource`, `context`). */
export function readsVar(p: PolicyJson, name: 'principal' | 'action' | 'resource' | 'context'): boolean {
  let found = false;
  walkConditions(p, (e) => {
    const o = e as Record<string, unknown>;
    if ('Var' in o && o.Var === name) found = true;
  });
  return found;
}

export const EXTENSION_CONSTRUCTORS = ['ip', 'decimal', 'datetime', 'duration'] as const;

/** Extension constructors applied to something other than a literal (they error at run time on bad input). */
export function nonLiteralConstructorCalls(p: PolicyJson): string[] {
  const out: string[] = [];
  walkConditions(p, (e) => {
    const o = e as Record<string, unknown>;
    for (const fn of EXTENSION_CONSTRUCTORS) {
      const args = o[fn];
      if (Array.isArray(args) && args.some((a) => !('Value' in (a as object)))) out.push(fn);
    }
  });
  return out;
}

/** Tag reads (`e.getTag(k)`) not guarded by `e.hasTag(k)` in an enclosing `&&` (or an `if` condition). */
export function unguardedTagReads(p: PolicyJson): string[] {
  const out: string[] = [];
  walkConditions(p, (e, parents) => {
    const o = e as Record<string, unknown>;
    if (!('getTag' in o)) return;
    const g = o.getTag as { left: CedarExpr; right: CedarExpr };
    const key = JSON.stringify([g.left, g.right]);
    const guarded = parents.some((par, i) => {
      const child = parents[i + 1] ?? e;
      const po = par as Record<string, unknown>;
      if ('&&' in po) {
        const a = po['&&'] as { left: CedarExpr; right: CedarExpr };
        return a.right === child && containsHasTag(a.left, key);
      }
      if ('if-then-else' in po) {
        const a = po['if-then-else'] as { if: CedarExpr; then: CedarExpr; else: CedarExpr };
        return (a.then === child && containsHasTag(a.if, key)) || (a.else === child && containsNegatedHasTag(a.if, key));
      }
      if ('||' in po) {
        // `!e.hasTag(k) || e.getTag(k) …`: the right side only runs when the tag exists.
        const a = po['||'] as { left: CedarExpr; right: CedarExpr };
        return a.right === child && containsNegatedHasTag(a.left, key);
      }
      return false;
    });
    if (!guarded) out.push(accessPath(g.left)?.join('.') ?? 'an entity');
  });
  return out;
}

/** `!e.hasTag(k)`, possibly among `||` alternatives. */
function containsNegatedHasTag(e: CedarExpr, key: string): boolean {
  const o = e as Record<string, unknown>;
  if ('!' in o) return containsHasTag((o['!'] as { arg: CedarExpr }).arg, key, false);
  if ('||' in o) return children(e).some((c) => containsNegatedHasTag(c, key));
  return false;
}

function containsHasTag(e: CedarExpr, key: string, throughAnd = true): boolean {
  let found = false;
  const visit = (x: CedarExpr) => {
    const o = x as Record<string, unknown>;
    if ('hasTag' in o) {
      const h = o.hasTag as { left: CedarExpr; right: CedarExpr };
      if (JSON.stringify([h.left, h.right]) === key) found = true;
    }
    if (throughAnd && '&&' in o) for (const c of children(x)) visit(c);
  };
  visit(e);
  return found;
}

/** Entity literals (`Type::"id"`) the policy names, in its scope and its conditions. */
export function entityLiterals(p: PolicyJson): Uid[] {
  const out: Uid[] = [];
  const add = (u: Uid | undefined) => u && out.push(u);
  const scope = (c: PolicyJson['principal'] | PolicyJson['resource']) => {
    if (c.op === '==' || c.op === 'in') {
      if (!('slot' in c)) add(uidOf(c.entity));
    } else if (c.op === 'is' && c.in && !('slot' in c.in)) add(uidOf(c.in.entity));
  };
  scope(p.principal);
  scope(p.resource);
  out.push(...conditionLiterals(p));
  return out;
}

/**
 * Entity literals named in the policy's conditions. Unlike those of its scope (`principal in Role::"r"` reads the
 * principal's ancestors, never the role), these may be read: `Agent::"x".trust_level`, `Agent::"x" in Role::"r"`.
 */
export function conditionLiterals(p: PolicyJson): Uid[] {
  const out: Uid[] = [];
  const add = (u: Uid | undefined) => u && out.push(u);
  walkConditions(p, (e) => {
    const o = e as Record<string, unknown>;
    if ('Value' in o) collectValueEntities(o.Value, add);
  });
  return out;
}

function collectValueEntities(v: unknown, add: (u: Uid | undefined) => void) {
  if (typeof v !== 'object' || v === null) return;
  if ('__entity' in v) return add(uidOf(v as EntityUidJson));
  if (Array.isArray(v)) for (const x of v) collectValueEntities(x, add);
}
