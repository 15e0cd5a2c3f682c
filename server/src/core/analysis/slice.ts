/**
 * What a change of a manifest's policy set can affect: the policies added, removed or changed (by id; a policy's
 * content is its JSON), and the slice of agents and tools whose calls may decide differently. Used by diff.ts (which
 * calls to compare) and by the access map's incremental update (which cells to evaluate again).
 */
import type { PolicyJson } from '../cedar/engine';
import type { Manifest } from '../manifest/model';
import type { ManifestEntry } from '../project';
import type { PolicySetInput } from '../simulate';
import { hashText } from '../text';
import { mayMatchAgent, mayMatchTool } from './scope';

/** One side of a comparison. `root` makes file paths relative in the results. */
export interface DiffSide {
  entry: ManifestEntry | undefined;
  set: PolicySetInput;
  root: string;
}

export interface PolicyChange {
  id: string;
  change: 'added' | 'removed' | 'changed';
  effect?: 'permit' | 'forbid';
  /** Where it is (the current side's file and span; the base's for a removed policy), the file relative to its side's root. */
  file: string;
  span: { start: number; end: number };
  side: 'base' | 'current';
}

const relTo = (root: string, file: string) => (file.startsWith(`${root}/`) ? file.slice(root.length + 1) : file);

/** The parts of a manifest that decisions depend on, as one string (scenarios, positions and file names left out). */
export function decisionKey(m: Manifest | undefined): string {
  if (!m) return '';
  const drop = new Set(['loc', 'span', 'nameSpan', 'kindSpan', 'ttlSpan', 'file', 'dir', 'scenarios', 'imports', 'description', 'title', 'schemaPath', 'importFile', 'importPath', 'owner']);
  return hashText(JSON.stringify(m, (k, v: unknown) => (drop.has(k) ? undefined : v)));
}

interface Fingerprint {
  id: string;
  key: string;
  json?: PolicyJson;
  effect?: 'permit' | 'forbid';
  file: string;
  span: { start: number; end: number };
}

function fingerprints(side: DiffSide): Map<string, Fingerprint> {
  const out = new Map<string, Fingerprint>();
  for (const f of side.set.files) {
    for (const p of f.policies) {
      // The JSON when the policy parses (formatting and comments do not change what it does), else its text.
      const key = hashText(p.json ? JSON.stringify(p.json) : p.text);
      const effect = p.json ? (p.json.effect === 'forbid' ? 'forbid' : 'permit') : undefined;
      let id = p.id;
      for (let n = 2; out.has(id); n++) id = `${p.id}#${n}`;
      out.set(id, { id, key, json: p.json, effect, file: relTo(side.root, f.file), span: p.slice.bodySpan });
    }
  }
  return out;
}

/** The policies added, removed or changed between the sides (by id; a policy's content is its JSON). */
export function policyChanges(base: DiffSide, current: DiffSide): { changes: PolicyChange[]; before: Map<string, Fingerprint>; after: Map<string, Fingerprint> } {
  const before = fingerprints(base);
  const after = fingerprints(current);
  const changes: PolicyChange[] = [];
  for (const [id, a] of after) {
    const b = before.get(id);
    if (!b) changes.push({ id, change: 'added', effect: a.effect, file: a.file, span: a.span, side: 'current' });
    else if (b.key !== a.key) changes.push({ id, change: 'changed', effect: a.effect ?? b.effect, file: a.file, span: a.span, side: 'current' });
  }
  for (const [id, b] of before) if (!after.has(id)) changes.push({ id, change: 'removed', effect: b.effect, file: b.file, span: b.span, side: 'base' });
  return { changes, before, after };
}

/**
 * The slice of calls a change can affect: the tools and agents of the current manifest (else the base's) that an
 * added, removed or changed policy can match, and the agents that delegate to those; every tool and agent when the
 * change cannot be placed (see the module comment). A call outside the slice decides the same on both sides.
 */
export function diffSlice(base: DiffSide, current: DiffSide, options: { everything?: boolean } = {}) {
  const notes: string[] = [];
  const { changes, before, after } = policyChanges(base, current);
  const bm = base.entry?.manifest;
  const cm = current.entry?.manifest;
  const manifestChanged = decisionKey(bm) !== decisionKey(cm) || !bm || !cm;
  const changedJson = changes.map((c) => (c.side === 'base' ? before : after).get(c.id)).concat(changes.filter((c) => c.change === 'changed').map((c) => before.get(c.id)));
  const unplaced = changedJson.some((p) => !p || !p.json) || !!base.set.unread?.length || !!current.set.unread?.length;
  const everything = manifestChanged || unplaced || options.everything === true;
  if (manifestChanged && bm && cm) notes.push('the manifest changed in what decisions depend on (agents, roles, tools, schemas): every agent and tool is compared');
  if (unplaced && !manifestChanged) notes.push('a changed policy does not parse (or a policy file was not read): every agent and tool is compared');
  const m = cm ?? bm;
  // The tools and agents of both manifests (the current's first): one that is gone is denied now, a narrowing to report.
  const unique = <T>(list: T[], key: (x: T) => string) => {
    const seen = new Set<string>();
    return list.filter((x) => !seen.has(key(x)) && !!seen.add(key(x)));
  };
  const allTools = unique([...(cm?.tools ?? []), ...(bm?.tools ?? [])], (t) => t.action);
  const allAgents = unique([...(cm?.agents ?? []), ...(bm?.agents ?? [])], (a) => a.id);
  const tools = allTools.filter((t) => everything || changedJson.some((p) => p?.json && mayMatchTool(p.json, t)));
  const agentIds = new Set(allAgents.filter((a) => everything || changedJson.some((p) => p?.json && mayMatchAgent(p.json, a))).map((a) => a.id));
  // A delegated call A → B depends on B's cells: the agents that delegate to a compared agent are compared too.
  for (const a of allAgents) if (a.delegatesTo.some((d) => agentIds.has(d))) agentIds.add(a.id);
  const agents = allAgents.filter((a) => agentIds.has(a.id));
  return { changes, before, after, bm, cm, m, tools, agents, agentIds, toolSet: new Set(tools.map((t) => t.action)), everything, notes };
}

