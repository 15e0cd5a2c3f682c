import { didYouMean } from '../text';
import type { Finding, Fix } from '../types';
import { spanAt, type JsonPath, type YamlSource } from '../yamlDoc';
import { DEFAULT_SERVER, toolSuggestions, type Manifest } from './model';

const CODE = 'unknown-reference';

/** Checks every name a manifest uses against what it declares, with a "did you mean" where one is close. */
export function checkReferences(m: Manifest, source: YamlSource): Finding[] {
  const out: Finding[] = [];
  const roles = m.roles.map((r) => r.name);
  const agents = m.agents.map((a) => a.id);
  const tools = m.tools.map((t) => t.action);
  const servers = m.servers.map((s) => s.name);

  const check = (kind: string, name: string, known: string[], path: JsonPath, hints = suggest(name, known)) => {
    if (known.includes(name)) return;
    const span = spanAt(source, path);
    const raw = source.text.slice(span.start, span.end);
    const quoted = raw.startsWith('"') || raw.startsWith("'");
    const fixes: Fix[] = hints.map((hint) => ({ title: `Change to '${hint}'`, preferred: hints.length === 1, edits: [{ file: m.file, span, newText: quoted ? JSON.stringify(hint) : hint }] }));
    const declared = known.length ? '' : ` (the manifest declares no ${kind}s)`;
    const mean = hints.length ? `; did you mean ${hints.map((h) => `\`${h}\``).join(' or ')}?` : '';
    out.push({ code: CODE, message: `unknown ${kind} \`${name}\`${declared}${mean}`, span, fixes });
  };

  for (const a of m.agents) {
    a.roles.forEach((r, i) => check('role', r, roles, ['agents', a.id, 'roles', i]));
    a.delegatesTo.forEach((d, i) => check('agent', d, agents, ['agents', a.id, 'delegates_to', i]));
  }
  m.tools.forEach((t) => {
    if (t.loc.file !== m.file || t.server === DEFAULT_SERVER) return;
    const idx = findInlineToolIndex(source, t.name);
    if (idx !== undefined) check('server', t.server, servers, ['tools', idx, 'server']);
  });
  for (const s of m.scenarios) {
    check('agent', s.agent, agents, ['scenarios', s.index, 'agent']);
    // A tool's name where its server prefixes it: the prefixed action ids are the suggestions.
    check('tool', s.tool, tools, ['scenarios', s.index, 'tool'], toolSuggestions(m, s.tool));
    const viaIsList = Array.isArray((source.value as { scenarios?: { via?: unknown }[] }).scenarios?.[s.index]?.via);
    s.via.forEach((v, k) => check('agent', v, agents, viaIsList ? ['scenarios', s.index, 'via', k] : ['scenarios', s.index, 'via']));
  }
  return out;
}

function suggest(name: string, known: string[]): string[] {
  const hint = didYouMean(name, known);
  return hint ? [hint] : [];
}

function findInlineToolIndex(source: YamlSource, name: string): number | undefined {
  const list = (source.value as { tools?: unknown }).tools;
  if (!Array.isArray(list)) return undefined;
  const i = list.findIndex((t) => typeof t === 'object' && t !== null && (t as { name?: unknown }).name === name);
  return i < 0 ? undefined : i;
}
