import { actionScope, principalScope, readsVar, type Uid } from '../cedar/ast';
import type { PolicyInfo } from '../cedar/policyCheck';
import type { Span } from '../types';

export type ParsedPolicy = PolicyInfo & { json: NonNullable<PolicyInfo['json']> };

export function principalSpan(p: PolicyInfo): Span {
  return p.slice.scope?.principal ?? p.slice.effectSpan ?? p.slice.bodySpan;
}

export function actionSpan(p: PolicyInfo): Span {
  return p.slice.scope?.action ?? p.slice.effectSpan ?? p.slice.bodySpan;
}

export function headSpan(p: PolicyInfo): Span {
  return p.slice.headSpan ?? p.slice.bodySpan;
}

export function uidText(u: Uid): string {
  return `${u.type}::${JSON.stringify(u.id)}`;
}

/**
 * A permit whose principal and action both are unconstrained and that has no condition at all. Under a manifest,
 * `action in Action::"call_tool"` (the group of every tool) counts as unconstrained; in plain Cedar (`plain`), only
 * an action scope that names nothing does.
 */
export function isWildcardGrant(p: ParsedPolicy, plain = false): boolean {
  if (p.json.effect !== 'permit' || p.json.conditions.length > 0) return false;
  const action = actionScope(p.json).kind;
  return principalScope(p.json).kind === 'any' && (plain ? action === 'any' : action !== 'tools');
}

/** Any agent satisfies the permit: its principal is unconstrained (or only `is Agent`) and no condition looks at the principal. */
export function anyAgent(p: ParsedPolicy): boolean {
  return principalScope(p.json).kind === 'any' && !readsVar(p.json, 'principal');
}

/** The permit covers every tool: its action is unconstrained (or only `in call_tool`) and no condition looks at the action. */
export function everyTool(p: ParsedPolicy): boolean {
  return actionScope(p.json).kind !== 'tools' && !readsVar(p.json, 'action');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
