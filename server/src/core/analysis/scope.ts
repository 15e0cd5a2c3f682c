/** Which agents and tools a policy's scope can match, read from its JSON (Cedar decides the rest). */
import { actionScope, localType, principalScope, resourceServer } from '../cedar/ast';
import type { PolicyJson } from '../cedar/engine';
import type { AgentDef, ToolDef } from '../manifest/model';

/** False only when the policy's action or resource scope certainly excludes the tool (Cedar decides the rest). */
export function mayMatchTool(json: PolicyJson, t: ToolDef): boolean {
  const a = actionScope(json);
  if (a.kind === 'tools' && !a.tools.includes(t.action)) return false;
  const s = resourceServer(json);
  return s === undefined || s === t.server;
}

/** False only when the principal scope certainly excludes the agent (another agent, a role it is not in). */
export function mayMatchAgent(json: PolicyJson, a: AgentDef): boolean {
  const p = principalScope(json);
  if (p.kind === 'agent') return localType(p.uid.type) !== 'Agent' || p.uid.id === a.id;
  if (p.kind === 'role') return a.roles.includes(p.uid.id);
  return true;
}
