import type { Finding } from '../types';
import type { AccessRule } from './meta';
import { cellList, directCells } from './access-util';

function names(list: string[]): string {
  const shown = list.slice(0, 6).map((n) => `\`${n}\``);
  return list.length > 6 ? `${shown.join(', ')} and ${list.length - 6} more` : shown.join(', ');
}

export const rule: AccessRule = {
  kind: 'access',
  meta: {
    id: 'unreachable-agent-or-tool',
    defaultLevel: 'info',
    category: 'security',
    scope: 'manifest',
    options: { maxCells: { description: 'Computed only for manifests with at most this many agent × tool cells: the access map takes about 10 ms a cell (`agent-policy access` computes any map on demand).', default: 1000 } },
    description: 'An agent that can call no tool, or a tool that no agent can call, under the policy set as a whole.',
    rationale:
      'An agent with no access is overly restricted or left over; a tool no agent can call is either meant to be off (then say so in its description) or a grant is missing. Either way the manifest and the policies disagree about what the agents do.',
  },
  check(ctx) {
    const cells = directCells(ctx);
    // A set without a single permit yet (a manifest being written): everything is unreachable, which says nothing.
    if (!cells?.length || !ctx.map.policies.some((p) => p.effect === 'permit')) return [];
    const out: Finding[] = [];
    for (const a of ctx.manifest.agents) {
      const mine = cells.filter((c) => c.agent === a.id);
      if (mine.length && mine.every((c) => c.access === 'never')) {
        out.push({ code: 'unreachable-agent-or-tool', file: a.loc.file, span: a.loc.span, message: `agent \`${a.id}\` can call no tool: every cell is never (${cellList(mine)})` });
      }
    }
    // Tools declared in the manifest: one finding each. Tools of an imported list: one finding on the server's import
    // (importing a server's whole list and allowing a few of its tools is common; a finding per tool would be noise).
    const dead = ctx.manifest.tools.filter((t) => {
      const mine = cells.filter((c) => c.tool === t.action && c.server === t.server);
      return mine.length > 0 && mine.every((c) => c.access === 'never');
    });
    for (const s of ctx.manifest.servers) {
      const all = ctx.manifest.tools.filter((t) => t.server === s.name);
      const mine = dead.filter((t) => t.server === s.name);
      if (!mine.length) continue;
      if (s.importFile) {
        out.push({
          code: 'unreachable-agent-or-tool',
          file: s.loc.file,
          span: s.loc.span,
          message: `no agent can call ${mine.length === all.length ? `any tool of server \`${s.name}\`` : `${mine.length} of the ${all.length} tools of server \`${s.name}\``}: ${names(mine.map((t) => t.action))}`,
        });
        continue;
      }
      for (const t of mine) {
        const cellsOf = cells.filter((c) => c.tool === t.action && c.server === t.server);
        out.push({ code: 'unreachable-agent-or-tool', file: t.loc.file, span: t.loc.span, message: `no agent can call tool \`${t.action}\`: every cell is never (${cellList(cellsOf)})` });
      }
    }
    return out;
  },
};
