/** The hover on an agent in a manifest, from its access summary: answered by the worker, or by the router from its snapshot. */
import type { Hover } from 'vscode-languageserver/node';
import type { Manifest } from '../core/manifest/model';

/** The hover of an agent whose name (its key in `m`) is at `offset`, given the agents' summaries. Shared with the router. */
export function agentHoverAt(m: Manifest, file: string, offset: number, summary: (agent: string) => string | undefined, index: { range(span: { start: number; end: number }): Hover['range'] }): Hover | null {
  const agent = m.agents.find((a) => a.loc.file === file && offset >= a.loc.span.start && offset <= a.loc.span.end);
  const line = agent ? summary(agent.id) : undefined;
  if (!agent || line === undefined) return null;
  return { range: index.range(agent.loc.span), contents: { kind: 'markdown', value: `**${agent.id}** — ${line}` } };
}
