/**
 * The access map over the protocol: `agentPolicy/access` (every agent x tool of a manifest, with policy locations a
 * view can link to) and the hover on an agent in a manifest ("10 tools: 0 always, 6 conditional, 4 never").
 */
import type { Hover, HoverParams } from 'vscode-languageserver/node';
import { cellView, summarizeAgent, type AccessMap } from '../../core/analysis/access';
import { isManifestFile } from '../../core/manifest/model';
import { agentHoverAt } from '../accessHover';
import type { ManifestEntry } from '../../core/project';
import type { PolicyRef } from '../../core/simulate';
import { Methods, type AccessParams, type AccessResult, type PolicyLocation } from '../../protocol';
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

export function accessResult(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry, map: AccessMap, params: AccessParams = {}): AccessResult {
  const m = entry.manifest;
  const wanted = (agent: string, via?: string) => !params.agents?.length || params.agents.includes(agent) || (via !== undefined && params.agents.includes(via));
  const cells = map.cells.filter((c) => wanted(c.agent, c.via) && (!params.servers?.length || params.servers.includes(c.server)) && (!params.destructiveOnly || c.destructive));
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
      const steps = pr.project.accessMapSteps(entry);
      for (;;) {
        const r = steps.next();
        if (r.done) return accessResult(state, pr, entry, r.value, params ?? {});
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (token.isCancellationRequested) return { manifestUri: pathToUri(entry.file), agents: [], tools: [], cells: [], blocking: [], notes: [], error: 'cancelled: a newer request replaced this one' };
      }
    });
  },
};
