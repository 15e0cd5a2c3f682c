/**
 * Completion in agent manifests (YAML): the ids a field refers to — a scenario's `agent`, `tool`, `via` and
 * `expect`, an agent's `roles` and `delegates_to`, an identity's `kind`. The text being typed is often not valid
 * YAML yet, so the place of the cursor is read from its line and the lines above it (indentation), not from the
 * parsed document; the ids come from the manifest as last loaded.
 */
import type { Span } from '../types';
import type { AssistKind } from '../cedar/assist';
import type { Manifest } from './model';

export interface ManifestCompletion {
  label: string;
  kind: Extract<AssistKind, 'agent' | 'tool' | 'role' | 'value'>;
  detail?: string;
  replace: Span;
}

const IDENTITY_KINDS: [string, string][] = [
  ['workload', 'short-lived workload identity (preferred)'],
  ['oauth', 'OAuth token on behalf of a user'],
  ['service-account', 'long-lived service account (flagged by static-credential)'],
  ['api-key', 'static API key (flagged by static-credential)'],
];

interface LineAt {
  /** Offset where the line starts. */
  start: number;
  /** The line's text up to the cursor. */
  before: string;
  /** The line's text after the cursor. */
  after: string;
}

function lineAt(text: string, offset: number): LineAt {
  const start = offset === 0 ? 0 : text.lastIndexOf('\n', offset - 1) + 1;
  let end = text.indexOf('\n', offset);
  if (end < 0) end = text.length;
  return { start, before: text.slice(start, offset), after: text.slice(offset, end).replace(/\r$/, '') };
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** The key a line starts (after an optional `- `), or undefined. */
function keyOf(line: string): string | undefined {
  const m = /^\s*(?:-\s+)?["']?([^\s:#"'][^:#"']*?)["']?\s*:(\s|$)/.exec(line);
  return m?.[1];
}

interface Line {
  start: number;
  text: string;
}

/** The non-blank, non-comment lines above the line that starts at `lineStart`, nearest first. */
function* linesAbove(text: string, lineStart: number): Generator<Line> {
  // `end` is the offset of the newline that ends the line being looked at.
  for (let end = lineStart - 1; end >= 0; ) {
    const start = end === 0 ? 0 : text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end).replace(/\r$/, '');
    if (line.trim() && !line.trimStart().startsWith('#')) yield { start, text: line };
    end = start - 1;
  }
}

/** The keys of the mappings that enclose a key at column `col` of the line at `lineStart`, innermost first. */
function enclosingKeys(text: string, lineStart: number, col: number): string[] {
  const keys: string[] = [];
  let want = col;
  for (const line of linesAbove(text, lineStart)) {
    if (want === 0) break;
    const ind = indentOf(line.text);
    if (ind >= want) continue;
    want = ind;
    keys.push(keyOf(line.text) ?? '-');
  }
  return keys;
}

/** The word being typed (ids may contain `-` and `.`) around the cursor, as a span. */
function wordSpan(line: LineAt, offset: number): Span {
  const before = /[\w.-]*$/.exec(line.before)![0].length;
  const after = /^[\w.-]*/.exec(line.after)![0].length;
  return { start: offset - before, end: offset + after };
}

/** Where the cursor is: the key whose value is being typed, and the keys that enclose it (innermost first). */
function placeOf(text: string, line: LineAt): { key: string; parents: string[] } | undefined {
  const value = `["']?[\\w.-]*$`;
  // `key: value`, or `- key: value` (the first key of a list item).
  let m = new RegExp(`^(\\s*(?:-\\s+)?)([\\w-]+):\\s+${value}`).exec(line.before);
  if (m) return { key: m[2]!, parents: enclosingKeys(text, line.start, m[1]!.length) };
  // `key: [a, b, …` (a flow list).
  m = new RegExp(`^(\\s*(?:-\\s+)?)([\\w-]+):\\s*\\[(?:[^\\],]*,)*\\s*${value}`).exec(line.before);
  if (m) return { key: m[2]!, parents: enclosingKeys(text, line.start, m[1]!.length) };
  // `outer: { …, key: value` (a flow mapping).
  m = new RegExp(`^(\\s*(?:-\\s+)?)([\\w-]+):\\s*\\{(?:[^}]*,)?\\s*([\\w-]+):\\s*${value}`).exec(line.before);
  if (m) return { key: m[3]!, parents: [m[2]!, ...enclosingKeys(text, line.start, m[1]!.length)] };
  // `- value` under `key:` (a block list, indented under its key or level with it).
  m = new RegExp(`^(\\s*)-\\s+${value}`).exec(line.before);
  if (m) {
    const col = m[1]!.length;
    for (const above of linesAbove(text, line.start)) {
      const ind = indentOf(above.text);
      if (ind > col || (ind === col && above.text.trimStart().startsWith('-'))) continue;
      const key = keyOf(above.text);
      if (!key || !/:\s*$/.test(above.text.replace(/\s+#.*$/, ''))) return undefined;
      return { key, parents: enclosingKeys(text, above.start, /^\s*-\s+/.exec(above.text)?.[0].length ?? ind) };
    }
  }
  return undefined;
}

/** Completion at `offset` (UTF-16) of a manifest. Never throws; without a loaded manifest there is nothing to offer. */
export function completeManifestAt(text: string, offset: number, manifest: Manifest | undefined): ManifestCompletion[] {
  if (!manifest || offset < 0 || offset > text.length) return [];
  const line = lineAt(text, offset);
  if (line.before.includes('#')) return [];
  const place = placeOf(text, line);
  if (!place) return [];
  const { key, parents } = place;
  const top = parents.at(-1) ?? key;
  const agents = (exclude?: string) =>
    manifest.agents.filter((a) => a.id !== exclude).map((a) => ({ label: a.id, kind: 'agent' as const, detail: a.roles.length ? `roles: ${a.roles.join(', ')}` : a.description }));
  const tools = () => manifest.tools.map((t) => ({ label: t.action, kind: 'tool' as const, detail: `${t.readOnly ? 'read-only' : t.destructive ? 'destructive' : 'writes'} · ${t.server}` }));
  const roles = () => manifest.roles.map((r) => ({ label: r.name, kind: 'role' as const, detail: `${manifest.agents.filter((a) => a.roles.includes(r.name)).length} agents` }));
  let items: Omit<ManifestCompletion, 'replace'>[] = [];
  if (top === 'scenarios') {
    if (key === 'agent' || key === 'via') items = agents();
    else if (key === 'tool') items = tools();
    else if (key === 'expect') items = [{ label: 'allow', kind: 'value' }, { label: 'deny', kind: 'value' }];
  } else if (top === 'agents') {
    // parents: […, <agent id>, 'agents']: the agent whose field this is.
    if (key === 'roles') items = roles();
    else if (key === 'delegates_to') items = agents(parents.at(-2));
    else if (key === 'kind' && parents[0] === 'identity') items = IDENTITY_KINDS.map(([label, detail]) => ({ label, kind: 'value' as const, detail }));
  }
  const replace = wordSpan(line, offset);
  return items.map((i) => ({ ...i, replace }));
}
