/**
 * The access map over the protocol: `agentPolicy/access` (every agent x tool of a manifest, with policy locations a
 * view can link to; with `baseRef`, the map at that git ref beside it and the cells that differ),
 * `agentPolicy/accessCalls` (an allowed and a denied call for a conditional cell) and the hover on an agent in a
 * manifest ("10 tools: 0 always, 6 conditional, 4 never").
 */
import type { Hover, HoverParams } from 'vscode-languageserver/node';
import { cellView, summarizeAgent, type AccessMap } from '../../core/analysis/access';
import { isManifestFile } from '../../core/manifest/model';
import { agentHoverAt } from '../accessHover';
import type { ManifestEntry } from '../../core/project';
import type { PolicyRef, PolicySetInput } from '../../core/simulate';
import { cellCalls } from '../../core/analysis/cellCalls';
import { mapChangesSteps } from '../../core/analysis/diff';
import { runToEnd } from '../../core/cedar/policyCheck';
import { LineIndex } from '../../core/text';
import { baseManifestNote, baseManifestOf } from '../../node/baseSide';
import { Methods, type AccessBase, type AccessCallsParams, type AccessCallsResult, type AccessParams, type AccessResult, type DiffPolicyRef, type PolicyLocation } from '../../protocol';
import { pathToUri, uriToPath } from '../uris';
import type { ProjectSlot, WorkerState } from '../workspace';
import type { Feature } from './feature';

/** Maps this large are computed by the access job only, never inside a hover (the hover then says so). */
const HOVER_COMPUTE_LIMIT = 2000;

function rangeOf(state: WorkerState, pr: ProjectSlot, file: string, span: { start: number; end: number }) {
  return state.lineIndexOf(file, pr.project.host.readFile(file) ?? '').range(span);
}

function locate(state: WorkerState, pr: ProjectSlot, ref: PolicyRef): PolicyLocation {
  return { id: ref.id, uri: pathToUri(ref.file), range: rangeOf(state, pr, ref.file, ref.span), effect: ref.effect };
}

/** The filters of a request: agents (as the agent or the one that delegates), servers, destructive tools. */
function filters(params: AccessParams) {
  const wanted = (agent: string, via?: string) => !params.agents?.length || params.agents.includes(agent) || (via !== undefined && params.agents.includes(via));
  const cell = (c: { agent: string; via?: string; server: string; destructive: boolean }) => wanted(c.agent, c.via) && (!params.servers?.length || params.servers.includes(c.server)) && (!params.destructiveOnly || c.destructive);
  return { wanted, cell };
}

export function accessResult(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry, map: AccessMap, params: AccessParams = {}): AccessResult {
  const m = entry.manifest;
  const { wanted, cell } = filters(params);
  const cells = map.cells.filter(cell);
  return {
    manifestUri: pathToUri(entry.file),
    namespace: map.namespace,
    agents: (m?.agents ?? []).filter((a) => wanted(a.id)).map((a) => ({ id: a.id, summary: summarizeAgent(map, a.id), uri: pathToUri(a.loc.file), range: rangeOf(state, pr, a.loc.file, a.loc.span) })),
    tools: (m?.tools ?? [])
      .filter((t) => map.tools.some((x) => x.tool === t.action && x.server === t.server))
      .filter((t) => (!params.servers?.length || params.servers.includes(t.server)) && (!params.destructiveOnly || t.destructive))
      .map((t) => ({ tool: t.action, server: t.server, destructive: t.destructive, uri: pathToUri(t.loc.file), range: rangeOf(state, pr, t.loc.file, t.loc.span) })),
    cells: cells.map((c) => cellView(c, (p) => locate(state, pr, p))),
    blocking: map.blocking,
    notes: map.notes,
  };
}

const EMPTY_MAP = (entry: ManifestEntry): AccessMap => ({ manifest: entry.file, namespace: '', agents: [], tools: [], cells: [], policies: [], notes: [], blocking: [] });

/**
 * The map of the same manifest at a git ref, and the cells that differ from the current map (core/analysis/diff.ts
 * judges whether each widens). The base's project is kept per commit (state.bases): its map is computed once, and an
 * edit of the working tree only compares again. Errors (no git, no such ref) are the answer's `error`.
 */
function* baseSteps(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry, current: AccessMap, ref: string, params: AccessParams): Generator<void, AccessBase> {
  const root = pr.host.root;
  const g = state.bases.open(root, ref, pr.project.cache);
  // The CLI's hint (--base-dir) is not something the editor offers.
  if ('error' in g) return { ref, cells: [], changes: [], blocking: [], notes: [], error: g.error.replace(/ \(use --base-dir [^)]*\)$/, '') };
  const manifestRel = entry.file.slice(root.length + 1);
  const found = baseManifestOf(g.project, manifestRel);
  const note = baseManifestNote(g.label, manifestRel, found, g.rel);
  yield;
  const baseEntry = found.entry?.manifest && found.entry.model ? found.entry : undefined;
  const baseSet: PolicySetInput = baseEntry ? yield* g.project.policySetSteps(baseEntry) : { files: [] };
  const baseMap = baseEntry ? yield* g.project.accessMapSteps(baseEntry) : EMPTY_MAP(entry);
  const currentSet = yield* pr.project.policySetSteps(entry);
  const changes = yield* mapChangesSteps({ entry: baseEntry, set: baseSet, root: g.project.host.root }, { entry, set: currentSet, root }, baseMap, current);
  const indexes = new Map<string, LineIndex>();
  const at = (p: PolicyRef): DiffPolicyRef => {
    let ix = indexes.get(p.file);
    if (!ix) indexes.set(p.file, (ix = new LineIndex(g.project.host.readFile(p.file) ?? '')));
    return { id: p.id, file: g.rel(p.file), range: ix.range(p.span), ...(p.effect ? { effect: p.effect } : {}) };
  };
  const { cell } = filters(params);
  return {
    ref,
    label: g.label,
    commit: g.commit,
    cells: baseMap.cells.filter(cell).map((c) => cellView(c, at)),
    changes: changes.filter(cell),
    blocking: baseMap.blocking,
    notes: [...(note ? [note] : []), ...baseMap.notes],
  };
}

/** The answer to agentPolicy/access, in steps: the current map, then (with `baseRef`) the base's. */
function* accessSteps(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry, params: AccessParams): Generator<void, AccessResult> {
  const map = yield* pr.project.accessMapSteps(entry);
  const result = accessResult(state, pr, entry, map, params);
  const ref = typeof params.baseRef === 'string' ? params.baseRef.trim() : undefined;
  if (ref === undefined) return result;
  if (!ref) return { ...result, base: { ref, cells: [], changes: [], blocking: [], notes: [], error: 'no git ref given: name a branch, a tag or a commit (HEAD for the last commit)' } };
  try {
    return { ...result, base: yield* baseSteps(state, pr, entry, map, ref, params) };
  } catch (err) {
    // Never on user input; if it fails after all, the view shows the current map and says why the base is missing.
    return { ...result, base: { ref, cells: [], changes: [], blocking: [], notes: [], error: `the map at ${ref} could not be computed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` } };
  }
}

/** The two calls of a conditional cell (core/analysis/cellCalls.ts), for the view's "Simulate" buttons. */
function accessCalls(state: WorkerState, params: AccessCallsParams): AccessCallsResult {
  if (typeof params?.agent !== 'string' || typeof params.tool !== 'string') return { notes: [], error: 'name the agent and the tool of the cell' };
  const found = state.manifestFor(typeof params.uri === 'string' ? params.uri : undefined);
  if (!found) return { notes: [], error: 'no agent manifest in the workspace' };
  const { pr, entry } = found;
  if (!entry.manifest || !entry.model) return { notes: [], error: 'the manifest has errors that prevent deciding calls; fix them first' };
  const map = pr.project.accessMap(entry);
  const via = typeof params.via === 'string' && params.via ? params.via : undefined;
  const cell = map.cells.find((c) => c.agent === params.agent && c.tool === params.tool && c.via === via);
  if (!cell) return { notes: [], error: `the access map has no cell ${via ? `${via} → ` : ''}${params.agent} × ${params.tool}` };
  const set = runToEnd(pr.project.policySetSteps(entry));
  const r = cellCalls(entry, set, cell);
  return { ...(r.satisfying ? { satisfying: r.satisfying } : {}), ...(r.failing ? { failing: r.failing } : {}), notes: r.notes };
}

/** Hover on an agent's name in a manifest: its access in one line, from the map when it is at hand (or small). */
export function agentAccessHover(state: WorkerState, params: HoverParams): Hover | null {
  const file = uriToPath(params.textDocument.uri);
  if (!file || !isManifestFile(file)) return null;
  const pr = state.projectOf(file);
  const entry = pr?.project.manifest(file);
  const m = entry?.manifest;
  const doc = state.documents.get(params.textDocument.uri);
  if (!pr || !entry || !m || !entry.model || !doc) return null;
  const offset = doc.offsetAt(params.position);
  if (!m.agents.some((a) => a.loc.file === file && offset >= a.loc.span.start && offset <= a.loc.span.end)) return null;
  let map = pr.project.cachedAccessMap(entry);
  if (!map && m.agents.length * m.tools.length <= HOVER_COMPUTE_LIMIT) map = pr.project.accessMap(entry);
  const index = state.lineIndexOf(file, doc.getText());
  return agentHoverAt(m, file, offset, (id) => (map ? `${summarizeAgent(map, id)}${map.blocking.length ? ' (every call is denied: the policy set cannot be evaluated)' : ''}` : 'the access map is being computed'), index);
}

/** Each agent's summary line, for the router's snapshot (it answers hover while the worker is busy). */
export function accessSummaries(map: AccessMap): [string, string][] {
  return map.agents.map((a) => [a, `${summarizeAgent(map, a)}${map.blocking.length ? ' (every call is denied: the policy set cannot be evaluated)' : ''}`]);
}

export const accessFeature: Feature = {
  name: 'access',
  register({ state }) {
    // The map costs about 10 ms a cell: it is computed in steps, a turn of the event loop between them, so that the
    // diagnostics, completion and hover go on meanwhile, and a request the client cancels (a newer one) stops.
    state.connection.onRequest(Methods.access, async (params: AccessParams, token): Promise<AccessResult> => {
      const found = state.manifestFor(params?.uri);
      if (!found) return { agents: [], tools: [], cells: [], blocking: [], notes: [], error: 'no agent manifest in the workspace' };
      const { pr, entry } = found;
      if (!entry.manifest || !entry.model) return { manifestUri: pathToUri(entry.file), agents: [], tools: [], cells: [], blocking: [], notes: [], error: 'the manifest has errors that prevent generating the Cedar schema; fix them first' };
      const steps = accessSteps(state, pr, entry, params ?? {});
      for (;;) {
        const r = steps.next();
        if (r.done) return r.value;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (token.isCancellationRequested) return { manifestUri: pathToUri(entry.file), agents: [], tools: [], cells: [], blocking: [], notes: [], error: 'cancelled: a newer request replaced this one' };
      }
    });

    state.connection.onRequest(Methods.accessCalls, (params: AccessCallsParams): AccessCallsResult => {
      try {
        return accessCalls(state, params);
      } catch (err) {
        return { notes: [], error: `no calls could be proposed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
      }
    });
  },
};
