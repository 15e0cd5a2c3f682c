import { reach, toolsInScope } from '../cedar/inCedar';
import type { PolicyInfo } from '../cedar/policyCheck';
import type { CedarModel } from '../cedar/schemaGen';
import type { Token } from '../cedar/split';
import { pathSpan, tokenPaths } from '../cedar/tokenPaths';
import type { Manifest } from '../manifest/model';
import type { Finding } from '../types';
import type { RuleMeta } from './meta';

/**
 * Reported by the schema generator (cedar/schemaGen.ts) at the argument shapes Cedar cannot express, and here on every
 * policy that reads such an argument (Cedar alone says only "not found" or "policy is impossible").
 */
export const meta: RuleMeta = {
  id: 'argument-not-in-cedar',
  defaultLevel: 'info',
  category: 'manifest',
  scope: 'manifest',
  description: 'A tool argument or context field has a JSON Schema type that Cedar cannot express, so policies cannot read it.',
  rationale:
    'Union types (`anyOf`, `oneOf` other than a nullable value), `null`, untyped values and mixed arrays have no Cedar type. Such a field is still checked against its JSON Schema before a request reaches Cedar, but no policy condition can look at it: a policy that tries is told why, on the policy.',
};

/**
 * The reads of a policy (`context.input.sort`, `context.input has sort`, `context.session.x`) of a field that the
 * Cedar schema leaves out, for the tools the policy is about: one finding per read, at the path up to that field.
 */
export function leftOutReads(p: PolicyInfo, manifest: Manifest, model: CedarModel, tokens: readonly Token[]): Finding[] {
  if (!p.json) return [];
  const tools = toolsInScope(p.json, manifest);
  const out: Finding[] = [];
  for (const tp of tokenPaths(tokens, p.slice.span)) {
    if (tp.names[0] !== 'context' || tp.names.length < 3) continue;
    const names = tp.names.slice(2);
    const hits: { path: string; reason: string; tool?: string }[] = [];
    if (tp.names[1] === 'input') {
      for (const t of tools) {
        const type = model.inputTypes.get(t.action);
        const r = type && reach(type, model.leftOut.input.get(t.action) ?? [], names);
        if (r && 'leftOut' in r) hits.push({ path: r.path, reason: r.leftOut, tool: t.action });
      }
    } else if (tp.names[1] === 'session' && manifest.context) {
      const r = reach(model.sessionType, model.leftOut.session, names);
      if (r && 'leftOut' in r) hits.push({ path: r.path, reason: r.leftOut });
    }
    if (hits.length === 0) continue;
    const path = hits.map((h) => h.path).sort((a, b) => a.length - b.length)[0]!;
    const reasons = new Map<string, string[]>();
    for (const h of hits.filter((x) => x.path === path)) reasons.set(h.reason, [...(reasons.get(h.reason) ?? []), ...(h.tool ? [h.tool] : [])]);
    const why = [...reasons].map(([reason, of]) => `${of.length ? ` of ${of.length === 1 ? 'tool' : 'tools'} ${of.map((t) => `\`${t}\``).join(', ')}` : ''}: ${reason}`).join('; and');
    out.push({
      code: meta.id,
      message: `\`context.${tp.names[1]}.${path}\` is not in the Cedar schema${why}. Calls are still checked against the JSON Schema, but no policy can read it`,
      span: pathSpan(tokens, tp, 1 + path.split('.').length),
      policyId: p.id,
    });
  }
  return out;
}
