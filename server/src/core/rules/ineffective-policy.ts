import type { AccessCell } from '../analysis/access';
import type { Finding } from '../types';
import type { AccessRule } from './meta';
import { cellList, directCells, policySpan, refKey } from './access-util';

export const rule: AccessRule = {
  kind: 'access',
  meta: {
    id: 'ineffective-policy',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    options: { maxCells: { description: 'Computed only for manifests with at most this many agent × tool cells: the access map takes about 10 ms a cell (`agent-policy access` computes any map on demand).', default: 1000 } },
    description: 'A permit that allows no call of any agent (scoped to nothing the manifest declares, or shadowed by forbids), or a forbid that applies to no agent and tool the manifest declares.',
    rationale:
      'A policy that changes no decision is dead weight at best; at worst it is a grant or a guardrail its author believes is in force — a typo in a tool name, a role no agent has, a condition no call satisfies.',
  },
  check(ctx) {
    const cells = directCells(ctx);
    if (!cells) return [];
    const permitsIn = new Map<string, AccessCell[]>();
    const forbidsIn = new Map<string, AccessCell[]>();
    for (const c of cells) {
      for (const p of c.permits) permitsIn.set(refKey(p), [...(permitsIn.get(refKey(p)) ?? []), c]);
      for (const f of c.forbids) forbidsIn.set(refKey(f), [...(forbidsIn.get(refKey(f)) ?? []), c]);
    }
    const out: Finding[] = [];
    for (const ref of ctx.map.policies) {
      const at = { code: 'ineffective-policy', file: ref.file, span: policySpan(ctx, ref), policyId: ref.id };
      if (ref.effect === 'permit') {
        const mine = permitsIn.get(refKey(ref)) ?? [];
        if (mine.length === 0) out.push({ ...at, message: 'this permit applies to no agent and tool of the manifest (its scope or its condition matches none): it allows nothing' });
        else if (mine.every((c) => c.access === 'never')) out.push({ ...at, message: `this permit allows nothing: every call it could allow is denied (${cellList(mine)})` });
      } else if (ref.effect === 'forbid') {
        // A guardrail with no permit under it yet is defence in depth, not a mistake: only a forbid that applies to
        // nothing the manifest declares is reported, and as information (it may guard agents or tools to come).
        const mine = forbidsIn.get(refKey(ref)) ?? [];
        if (mine.length === 0) out.push({ ...at, severity: 'info', message: 'this forbid applies to no agent and tool of the manifest (its scope or its condition matches none of them): it removes nothing today' });
      }
    }
    return out;
  },
};
