/**
 * Inlay hints (off by default: `agentPolicy.inlayHints.enabled`): the Cedar type of an argument or session field that
 * a condition compares (`context.input.amount: Long <= 50`), the agents a role grant covers, and the tools that
 * `action in Action::"call_tool"` or a server scope expands to — what a reviewer would otherwise look up in the
 * manifest.
 */
import { attributeTypes } from '../cedar/assist';
import type { Manifest } from '../manifest/model';
import type { Span } from '../types';
import { toolsOfPolicy } from './navigate';
import { CALL_TOOL_GROUP, type PolicyFileFacts } from './policyFacts';

export interface Hint {
  /** Where the hint is drawn (after this offset). */
  offset: number;
  label: string;
  kind: 'type' | 'expansion';
  tooltip?: string;
}

const COMPARISON = new Set(['==', '!=', '<', '<=', '>', '>=', 'like', 'in']);
const MAX_NAMES = 3;

function names(list: string[]): string {
  return list.length <= MAX_NAMES ? list.join(', ') : `${list.slice(0, MAX_NAMES).join(', ')} +${list.length - MAX_NAMES}`;
}

/** The hints of the policies that overlap `range` (all of them when it is absent). */
export function inlayHints(facts: PolicyFileFacts, manifest: Manifest, range?: Span): Hint[] {
  const out: Hint[] = [];
  const { tokens } = facts;
  const byStart = new Map<number, number>();
  tokens.forEach((t, i) => byStart.set(t.start, i));
  for (const p of facts.policies) {
    if (range && (p.slice.span.end < range.start || p.slice.span.start > range.end)) continue;
    const tools = toolsOfPolicy(p, manifest);
    for (const a of p.attrs) {
      if (a.via !== 'read' || a.path[0] !== 'context' || (a.path[1] !== 'input' && a.path[1] !== 'session') || a.path.length < 3) continue;
      const last = a.spans[a.spans.length - 1]!;
      const first = byStart.get(a.spans[0]!.start);
      let after = first;
      while (after !== undefined && after < tokens.length && tokens[after]!.end <= last.end) after++;
      const next = after === undefined ? undefined : tokens[after];
      const before = first === undefined ? undefined : tokens[first - 1];
      const compared = (next && COMPARISON.has(next.value)) || (before && COMPARISON.has(before.value) && before.value !== 'in');
      if (!compared) continue;
      const types = attributeTypes(a.path, manifest, tools);
      if (!types?.length || types.includes('unknown')) continue;
      out.push({ offset: last.end, label: `: ${types.join(' | ')}`, kind: 'type' });
    }
    for (const e of p.entities) {
      if (e.namespace !== manifest.namespace) continue;
      if (e.where === 'principal' && e.local === 'Role') {
        const agents = manifest.agents.filter((x) => x.roles.includes(e.id)).map((x) => x.id);
        out.push({ offset: e.span.end, label: agents.length ? `⇒ ${names(agents)}` : '⇒ no agent', kind: 'expansion', tooltip: `Agents with the role \`${e.id}\`: ${agents.join(', ') || 'none'}` });
      } else if (e.where === 'action' && e.local === 'Action' && e.id === CALL_TOOL_GROUP) {
        const all = manifest.tools.map((t) => t.action);
        out.push({ offset: e.span.end, label: `⇒ every tool (${all.length})`, kind: 'expansion', tooltip: all.join(', ') });
      } else if (e.where === 'resource' && e.local === 'McpServer') {
        const onServer = manifest.tools.filter((t) => t.server === e.id).map((t) => t.action);
        out.push({ offset: e.span.end, label: `⇒ ${onServer.length ? names(onServer) : 'no tool'}`, kind: 'expansion', tooltip: `Tools of \`${e.id}\`: ${onServer.join(', ') || 'none'}` });
      }
    }
  }
  return out.sort((a, b) => a.offset - b.offset);
}
