import type { Manifest } from '../manifest/model';
import { didYouMean } from '../text';
import type { Finding } from '../types';
import { entityLiterals, localType, type Uid } from './ast';
import type { PolicyInfo } from './policyCheck';
import { unescapeCedarString, type Token } from './split';

/**
 * Agents, roles and servers a policy names must exist in its manifest: Cedar's validator checks entity
 * types, not ids, so `principal == Acme::Agent::"suport-bot"` validates — and never applies.
 */
export function policyReferences(p: PolicyInfo, m: Manifest, file: string, tokens: Token[]): Finding[] {
  if (!p.json) return [];
  const known: Record<string, { kind: string; names: string[] }> = {
    Agent: { kind: 'agent', names: m.agents.map((a) => a.id) },
    Role: { kind: 'role', names: m.roles.map((r) => r.name) },
    McpServer: { kind: 'server', names: m.servers.map((s) => s.name) },
  };
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const uid of entityLiterals(p.json)) {
    if (!uid.type.startsWith(`${m.namespace}::`) || uid.type.split('::').length !== m.namespace.split('::').length + 1) continue;
    const k = known[localType(uid.type)];
    if (!k || k.names.includes(uid.id) || seen.has(`${uid.type}|${uid.id}`)) continue;
    seen.add(`${uid.type}|${uid.id}`);
    const hint = didYouMean(uid.id, k.names);
    for (const span of literalSpans(uid, tokens, p)) {
      out.push({
        code: 'unknown-reference',
        message: `unknown ${k.kind} \`${uid.id}\`: the manifest declares no such ${k.kind}, so this never matches${hint ? `; did you mean \`${hint}\`?` : ''}`,
        span,
        policyId: p.id,
        fixes: hint ? [{ title: `Change to '${hint}'`, preferred: true, edits: [{ file, span, newText: JSON.stringify(hint) }] }] : undefined,
      });
    }
  }
  return out;
}

/** Spans of the string literal of `Type::"id"` occurrences inside the policy. */
function literalSpans(uid: Uid, tokens: Token[], p: PolicyInfo) {
  const type = localType(uid.type);
  const spans = [];
  for (let i = 2; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.start < p.slice.span.start) continue;
    if (t.start >= p.slice.span.end) break;
    if (t.kind === 'string' && tokens[i - 1]!.value === '::' && tokens[i - 2]!.value === type && unescapeCedarString(t.value) === uid.id) {
      spans.push({ start: t.start, end: t.end });
    }
  }
  return spans;
}
