/**
 * What of a tool's arguments (and of the session context) Cedar sees. The JSON Schema may say more than Cedar can
 * express (a union, an untyped value): such an argument is left out of the Cedar schema, still checked against its
 * JSON Schema, and no policy can read it. Completion, hover and the policy checks ask here whether an attribute path
 * reaches Cedar, and if not, why.
 */
import type { Manifest, ToolDef } from '../manifest/model';
import { hasOwn } from '../own';
import { actionScope, resourceServer } from './ast';
import { argumentPath, type CType, type Unexpressible } from './ctype';
import type { PolicyJson } from './engine';

/**
 * Where an attribute path under `context.input` or `context.session` leads: its Cedar type (and whether the attribute
 * is required in Cedar: a nullable one is not, whatever the JSON Schema's `required`), why it is not in Cedar, or
 * nowhere (no such field).
 */
export type Reach = { type: CType; required: boolean } | { leftOut: string; path: string } | undefined;

/**
 * Follows `names` (`['filter', 'state']`) from an object's Cedar type. A name the Cedar type lacks is left out when the
 * mapping dropped it from the JSON Schema (every drop is recorded, with its reason); otherwise it is undefined: no such
 * field (Cedar's own "not found" says so).
 */
export function reach(type: CType, leftOut: readonly Unexpressible[], names: readonly string[]): Reach {
  let t = type;
  let required = true;
  for (let i = 0; i < names.length; i++) {
    if (t.kind !== 'Record' && t.kind !== 'Tagged') return undefined;
    const name = names[i]!;
    if (hasOwn(t.attrs, name)) {
      required = t.attrs[name]!.required;
      t = t.attrs[name]!.type;
      continue;
    }
    const path = names.slice(0, i + 1).join('.');
    const why = leftOut.find((u) => argumentPath(u.path) === path);
    return why ? { leftOut: why.reason, path } : undefined;
  }
  return { type: t, required };
}

/**
 * The tools a policy is about: those its action scope names (of the server its resource scope names, if it does), or
 * every tool (of that server).
 */
export function toolsInScope(json: Pick<PolicyJson, 'action' | 'resource'>, manifest: Pick<Manifest, 'tools'>): ToolDef[] {
  const scope = actionScope(json);
  const server = resourceServer(json);
  const named = scope.kind === 'tools' ? manifest.tools.filter((t) => scope.tools.includes(t.action)) : manifest.tools;
  return server === undefined ? named : named.filter((t) => t.server === server);
}
