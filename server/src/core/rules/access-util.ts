import type { AccessCell } from '../analysis/access';
import type { PolicyRef } from '../simulate';
import type { Span } from '../types';
import type { AccessRuleContext } from './meta';
import { headSpan } from './util';

/** At most this many cells are named in a message (the rest are counted). */
const MAX_CELLS = 4;

/** "support-bot × issue_refund, ops-agent × restart_service and 3 more": the cells that prove a finding. */
export function cellList(cells: AccessCell[]): string {
  const names = cells.map((c) => `${c.via ? `${c.via} → ` : ''}${c.agent} × ${c.tool}`);
  if (names.length <= MAX_CELLS) return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
  return `${names.slice(0, MAX_CELLS).join(', ')} and ${names.length - MAX_CELLS} more`;
}

/** Where a finding on a policy goes: its head (effect and scope), or its first line when the analysis is not at hand. */
export function policySpan(ctx: AccessRuleContext, ref: PolicyRef): Span {
  const p = ctx.policy(ref);
  return p ? headSpan(p) : { start: ref.span.start, end: ref.span.start };
}

export const refKey = (r: PolicyRef) => `${r.file}\u0000${r.span.start}`;

/** The direct cells (no delegation) of the map, unless the set cannot be evaluated (then nothing can be concluded). */
export function directCells(ctx: AccessRuleContext): AccessCell[] | undefined {
  if (ctx.map.blocking.length) return undefined;
  return ctx.map.cells.filter((c) => !c.via);
}
