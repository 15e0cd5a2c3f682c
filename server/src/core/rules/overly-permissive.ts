import type { AccessCell } from '../analysis/access';
import type { Finding } from '../types';
import type { AccessRule } from './meta';
import { cellList, directCells, policySpan, refKey } from './access-util';
import { plural } from './util';

export const rule: AccessRule = {
  kind: 'access',
  meta: {
    id: 'overly-permissive',
    defaultLevel: 'warning',
    category: 'security',
    scope: 'manifest',
    options: { maxCells: { description: 'Computed only for manifests with at most this many agent × tool cells: the access map takes about 10 ms a cell (`agent-policy access` computes any map on demand).', default: 1000 } },
    description: 'A destructive tool is allowed for an agent for every call: whatever the arguments and the session, the policy set as a whole allows it.',
    rationale:
      'Per-policy rules see one policy at a time; two permits that each look guarded can together cover every call. The access map evaluates the whole set: a destructive tool that an agent may always call is one prompt injection away from damage.',
  },
  check(ctx) {
    const cells = directCells(ctx)?.filter((c) => c.access === 'always' && c.destructive) ?? [];
    // One finding per permit that takes part, naming the cells it helps to open.
    const byPermit = new Map<string, { ref: AccessCell['permits'][number]; cells: AccessCell[] }>();
    for (const c of cells) {
      for (const p of c.permits) {
        const k = refKey(p);
        let e = byPermit.get(k);
        if (!e) byPermit.set(k, (e = { ref: p, cells: [] }));
        e.cells.push(c);
      }
    }
    const out: Finding[] = [];
    for (const { ref, cells: mine } of byPermit.values()) {
      const others = new Set(mine.flatMap((c) => c.permits).filter((p) => refKey(p) !== refKey(ref)).map((p) => `\`${p.id}\``));
      out.push({
        code: 'overly-permissive',
        file: ref.file,
        span: policySpan(ctx, ref),
        policyId: ref.id,
        message: `${plural(mine.length, 'a destructive tool is', 'destructive tools are')} allowed for every call: ${cellList(mine)}${others.size ? ` (with ${[...others].join(', ')})` : ''}. Add conditions on the call (\`context.input.…\`, \`context.session.…\`) or a forbid for what must never happen`,
      });
    }
    return out;
  },
};
