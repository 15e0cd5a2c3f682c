/**
 * Document symbols (the Outline and the breadcrumbs) of policy files and manifests, and workspace symbols (Go to
 * Symbol in Workspace) over every policy, agent, role, server, tool and scenario.
 */
import { isMap, isPair, isScalar, isSeq, type Node as YamlNode, type Pair, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Span } from '../types';
import type { YamlSource } from '../yamlDoc';
import type { NavManifest } from './navigate';
import type { PolicyFileFacts } from './policyFacts';
import { conditionBlocks } from './structure';
import { scalarSpan } from './yamlNav';

export type SymbolKindName = 'permit' | 'forbid' | 'policy' | 'condition' | 'section' | 'agent' | 'role' | 'server' | 'tool' | 'argument' | 'scenario' | 'field' | 'setting';

export interface DocSymbol {
  name: string;
  detail?: string;
  kind: SymbolKindName;
  /** The whole thing (what the breadcrumbs follow). */
  span: Span;
  /** Its name (what the Outline selects). */
  selection: Span;
  children: DocSymbol[];
}

const MAX_DETAIL = 120;

function clip(text: string, max = MAX_DETAIL): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `Acme::Role::"ops"` → `Role::"ops"`: the namespace is the same everywhere in a manifest's policies. */
function stripNamespaces(text: string): string {
  return text.replace(/\b(?:[A-Za-z_][A-Za-z0-9_]*\s*::\s*)+(?=[A-Za-z_][A-Za-z0-9_]*\s*::\s*")/g, '');
}

/** The symbols of a policy file: one per policy, named by its `@id`, with its conditions as children. */
export function policySymbols(facts: PolicyFileFacts): DocSymbol[] {
  const { text, tokens } = facts;
  return facts.policies.map((p) => {
    const s = p.slice;
    const scope = s.scope ? [s.scope.principal, s.scope.action, s.scope.resource].map((sp) => clip(stripNamespaces(text.slice(sp.start, sp.end)), 60)).join(', ') : undefined;
    const effect = s.effect ? `${s.isTemplate ? 'template ' : ''}${s.effect}` : undefined;
    const detail = effect === undefined ? 'does not parse' : scope === undefined ? effect : `${effect} (${scope})`;
    const children = conditionBlocks(tokens, s).map((c) => ({
      name: c.keyword,
      detail: clip(text.slice(c.inner.start, c.inner.end), 80),
      kind: 'condition' as const,
      span: c.span,
      selection: { start: c.span.start, end: c.span.start + c.keyword.length },
      children: [],
    }));
    const selection = s.id ? s.id.span : s.effectSpan ?? s.bodySpan;
    return { name: p.id, detail, kind: s.effect ?? 'policy', span: s.span, selection, children };
  });
}

// ---- Manifests ----

interface PairInfo {
  key: string;
  keySpan: Span;
  value: YamlNode | null;
  /** Key through the end of the value. */
  span: Span;
}

function pairsOf(map: YAMLMap): PairInfo[] {
  const out: PairInfo[] = [];
  for (const it of map.items) {
    if (!isPair(it)) continue;
    const p = it as Pair<YamlNode | null, YamlNode | null>;
    const keySpan = scalarSpan(p.key);
    const k = p.key?.range;
    if (!keySpan || !k || !isScalar(p.key)) continue;
    const end = p.value?.range ? p.value.range[1] : k[1];
    out.push({ key: String(p.key.value), keySpan, value: p.value, span: { start: k[0], end: Math.max(end, k[1]) } });
  }
  return out;
}

function nodeSpan(n: YamlNode | null | undefined): Span | undefined {
  return n?.range ? { start: n.range[0], end: n.range[1] } : undefined;
}

function get(map: YamlNode | null | undefined, key: string): YamlNode | null | undefined {
  if (!isMap(map)) return undefined;
  const p = map.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === key);
  return p ? (p.value as YamlNode | null) : undefined;
}

function scalarText(n: YamlNode | null | undefined): string | undefined {
  return isScalar(n) && n.value !== null && n.value !== undefined ? String(n.value) : undefined;
}

function textOf(source: YamlSource, n: YamlNode | null | undefined): string {
  const s = nodeSpan(n);
  return s ? source.text.slice(s.start, s.end) : '';
}

const SECTIONS: Record<string, (source: YamlSource, value: YamlNode | null) => DocSymbol[]> = {
  agents: (_source, value) =>
    isMap(value)
      ? pairsOf(value).map((p) => {
          const roles = get(p.value, 'roles');
          const roleNames = isSeq(roles) ? roles.items.map((r) => scalarText(r as YamlNode)).filter((r): r is string => r !== undefined) : [];
          const description = scalarText(get(p.value, 'description'));
          const detail = [roleNames.length ? `roles: ${roleNames.join(', ')}` : undefined, description].filter(Boolean).join(' · ');
          return { name: p.key, detail: clip(detail) || undefined, kind: 'agent' as const, span: p.span, selection: p.keySpan, children: [] };
        })
      : [],
  roles: (_source, value) =>
    isSeq(value)
      ? (value.items as YamlNode[]).flatMap((r) => {
          const span = scalarSpan(r);
          const name = scalarText(r);
          return span && name !== undefined ? [{ name, kind: 'role' as const, span, selection: span, children: [] }] : [];
        })
      : [],
  servers: (source, value) =>
    isMap(value)
      ? pairsOf(value).map((p) => {
          const tools = get(p.value, 'tools');
          const imp = scalarText(get(tools, '$import'));
          const children = isSeq(tools) ? toolSymbols(source, tools) : [];
          const detail = imp ? `tools from ${imp}` : children.length ? `${children.length} tool${children.length === 1 ? '' : 's'}` : scalarText(get(p.value, 'description'));
          return { name: p.key, detail: detail && clip(detail), kind: 'server' as const, span: p.span, selection: p.keySpan, children };
        })
      : [],
  tools: (source, value) => (isSeq(value) ? toolSymbols(source, value) : []),
  scenarios: (_source, value) =>
    isSeq(value)
      ? (value.items as YamlNode[]).flatMap((item) => {
          const nameNode = get(item, 'name');
          const name = scalarText(nameNode);
          const span = nodeSpan(item);
          const selection = scalarSpan(nameNode);
          if (name === undefined || !span || !selection) return [];
          const agent = scalarText(get(item, 'agent')) ?? '?';
          const tool = scalarText(get(item, 'tool')) ?? '?';
          const expect = scalarText(get(item, 'expect'));
          return [{ name, detail: clip(`${agent} → ${tool}${expect ? `: expect ${expect}` : ''}`), kind: 'scenario' as const, span, selection, children: [] }];
        })
      : [],
  context: (source, value) => schemaFields(source, value),
  agent_attributes: (source, value) => schemaFields(source, value),
};

function toolSymbols(source: YamlSource, seq: YAMLSeq): DocSymbol[] {
  return (seq.items as YamlNode[]).flatMap((item) => {
    const nameNode = get(item, 'name');
    const name = scalarText(nameNode);
    const span = nodeSpan(item);
    const selection = scalarSpan(nameNode);
    if (name === undefined || !span || !selection) return [];
    const ann = get(item, 'annotations');
    const kind = scalarText(get(ann, 'readOnlyHint')) === 'true' ? 'read-only' : scalarText(get(ann, 'destructiveHint')) === 'false' ? 'writes' : 'destructive';
    const description = scalarText(get(item, 'description'));
    return [{ name, detail: clip([kind, description].filter(Boolean).join(' · ')), kind: 'tool' as const, span, selection, children: schemaFields(source, get(item, 'inputSchema'), 'argument') }];
  });
}

/** The properties of a JSON Schema (nested objects as children). */
function schemaFields(source: YamlSource, schema: YamlNode | null | undefined, kind: 'field' | 'argument' = 'field', depth = 0): DocSymbol[] {
  const props = get(schema, 'properties');
  if (!isMap(props) || depth > 8) return [];
  const required = get(schema, 'required');
  const req = new Set(isSeq(required) ? required.items.map((r) => scalarText(r as YamlNode)) : []);
  return pairsOf(props).map((p) => {
    const type = scalarText(get(p.value, 'type')) ?? (get(p.value, 'enum') ? 'enum' : get(p.value, '$ref') ? textOf(source, get(p.value, '$ref')) : undefined);
    const detail = [type, req.has(p.key) ? 'required' : undefined].filter(Boolean).join(', ');
    return { name: p.key, detail: detail || undefined, kind, span: p.span, selection: p.keySpan, children: schemaFields(source, p.value, kind, depth + 1) };
  });
}

/** The symbols of a manifest: its sections, with agents, roles, servers, tools (and their arguments) and scenarios. */
export function manifestSymbols(source: YamlSource): DocSymbol[] {
  const root = source.doc.contents as YamlNode | null;
  if (!isMap(root)) return [];
  return pairsOf(root).map((p) => {
    const section = SECTIONS[p.key];
    if (section) {
      const children = section(source, p.value);
      return { name: p.key, detail: `${children.length}`, kind: 'section' as const, span: p.span, selection: p.keySpan, children };
    }
    return { name: p.key, detail: clip(textOf(source, p.value), 60) || undefined, kind: 'setting' as const, span: p.span, selection: p.keySpan, children: [] };
  });
}

// ---- Workspace symbols ----

export interface WorkspaceSymbol {
  name: string;
  kind: SymbolKindName;
  /** Where it lives: the file name of a policy, the manifest of an agent, the server of a tool. */
  container: string;
  file: string;
  span: Span;
}

/** Whether `query` matches `name`: its characters appear in order, ignoring case (as editors filter). */
export function fuzzyMatch(query: string, name: string): boolean {
  const q = query.toLowerCase();
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < q.length; i++) if (n[i] === q[j]) j++;
  return j === q.length;
}

const basename = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Policies of the files, and what the manifests declare, whose names match `query`; at most `limit`. */
export function workspaceSymbols(policyFiles: { file: string; facts: PolicyFileFacts }[], manifests: NavManifest[], query: string, limit = 500): WorkspaceSymbol[] {
  const out: WorkspaceSymbol[] = [];
  // A tool list imported by two manifests declares its tools once: one symbol per place.
  const seen = new Set<string>();
  const add = (s: WorkspaceSymbol) => {
    const at = `${s.kind}\u0000${s.file}\u0000${s.span.start}`;
    if (out.length < limit && fuzzyMatch(query, s.name) && !seen.has(at)) {
      seen.add(at);
      out.push(s);
    }
  };
  for (const m of manifests) {
    const man = m.manifest;
    const container = basename(m.file);
    for (const a of man.agents) add({ name: a.id, kind: 'agent', container, file: a.loc.file, span: a.loc.span });
    for (const r of man.roles) add({ name: r.name, kind: 'role', container, file: r.loc.file, span: r.loc.span });
    for (const s of man.servers) add({ name: s.name, kind: 'server', container, file: s.loc.file, span: s.loc.span });
    for (const t of man.tools) add({ name: t.name, kind: 'tool', container: `${t.server} · ${container}`, file: t.loc.file, span: t.loc.span });
    for (const s of man.scenarios) add({ name: s.name, kind: 'scenario', container, file: m.file, span: s.nameSpan });
  }
  for (const { file, facts } of policyFiles) {
    for (const p of facts.policies) add({ name: p.id, kind: p.slice.effect ?? 'policy', container: basename(file), file, span: p.slice.id?.span ?? p.slice.bodySpan });
  }
  return out;
}
