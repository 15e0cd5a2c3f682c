/**
 * "Compare Policies with…" over the protocol: `agentPolicy/diff` (a manifest and its policies as the editor has them,
 * unsaved edits included, compared with the same manifest at a git ref: core/analysis/diff.ts) and
 * `agentPolicy/gitRefs` (the refs the picker offers). The base is read from git's object store (node/gitBase.ts): the
 * working tree is never touched. The comparison runs in steps, a turn of the event loop between them, like the access
 * map: diagnostics, completion and hover go on meanwhile, and a request the client cancels stops.
 */
import { diffSteps, type DiffResult, type DiffSide } from '../../core/analysis/diff';
import type { Project, ManifestEntry } from '../../core/project';
import type { PolicySetInput } from '../../core/simulate';
import { LineIndex } from '../../core/text';
import type { Span } from '../../core/types';
import { baseManifestNote, baseManifestOf } from '../../node/baseSide';
import { gitRefs } from '../../node/gitBase';
import { Methods, type DiffParams, type DiffPolicyRef, type DiffResponse, type GitRefsParams, type GitRefsResult, type Range } from '../../protocol';
import { pathToUri, uriToPath } from '../uris';
import type { ProjectSlot, WorkerState } from '../workspace';
import type { Feature } from './feature';

const NO_RESULT = { policies: [], cells: [], scenarios: [], calls: [], summary: { widening: 0, narrowing: 0, changes: 0 }, notes: [] };

/** Where a side's policies are, by id (the first of an id wins, as in the simulator's results). */
function policiesById(set: PolicySetInput): Map<string, { file: string; span: Span; effect?: 'permit' | 'forbid' }> {
  const out = new Map<string, { file: string; span: Span; effect?: 'permit' | 'forbid' }>();
  for (const f of set.files) for (const p of f.policies) if (!out.has(p.id)) out.set(p.id, { file: f.file, span: p.slice.bodySpan, effect: p.slice.effect });
  return out;
}

interface Sides {
  state: WorkerState;
  pr: ProjectSlot;
  base: Project;
  baseSide: DiffSide;
  current: DiffSide;
}

/** The answer: every position in UTF-16 lines and characters; the working tree's files as URIs, the base's by path. */
function toResponse(s: Sides, r: DiffResult, head: Pick<DiffResponse, 'manifestUri' | 'ref' | 'base' | 'commit'>, notes: string[]): DiffResponse {
  const baseIndexes = new Map<string, LineIndex>();
  const rangeAt = (side: 'base' | 'current', file: string, span: Span): Range => {
    if (side === 'current') return s.state.lineIndexOf(file, s.pr.project.host.readFile(file) ?? '').range(span);
    let ix = baseIndexes.get(file);
    if (!ix) baseIndexes.set(file, (ix = new LineIndex(s.base.host.readFile(file) ?? '')));
    return ix.range(span);
  };
  const rootOf = (side: 'base' | 'current') => (side === 'base' ? s.baseSide.root : s.current.root);
  const relOf = (side: 'base' | 'current', file: string) => (file.startsWith(`${rootOf(side)}/`) ? file.slice(rootOf(side).length + 1) : file);
  const byId = { base: policiesById(s.baseSide.set), current: policiesById(s.current.set) };
  const ref = (side: 'base' | 'current', id: string): DiffPolicyRef => {
    const p = byId[side].get(id);
    if (!p) return { id, file: '' };
    return { id, file: relOf(side, p.file), ...(side === 'current' ? { uri: pathToUri(p.file) } : {}), range: rangeAt(side, p.file, p.span), ...(p.effect ? { effect: p.effect } : {}) };
  };
  return {
    ...head,
    policies: r.policies.map((p) => {
      const abs = `${rootOf(p.side)}/${p.file}`;
      return { id: p.id, change: p.change, ...(p.effect ? { effect: p.effect } : {}), side: p.side, file: p.file, ...(p.side === 'current' ? { uri: pathToUri(abs) } : {}), range: rangeAt(p.side, abs, p.span) };
    }),
    cells: r.cells,
    scenarios: r.scenarios,
    calls: r.calls.map((c) => ({
      agent: c.agent,
      tool: c.tool,
      ...(c.via ? { via: c.via } : {}),
      args: c.args,
      context: c.context,
      from: c.from,
      to: c.to,
      source: c.source,
      label: c.label,
      policies: c.policies.map((id) => ref('current', id)),
      basePolicies: c.basePolicies.map((id) => ref('base', id)),
      widening: c.widening,
      ...(c.reasons ? { reasons: c.reasons } : {}),
      ...(c.redacted ? { redacted: true } : {}),
    })),
    // The calls as decided stay here (the answer shows them redacted): "Simulate" in the panel asks for them by index.
    callsId: s.state.heldCalls.hold(r.calls.map((c) => ({ agent: c.agent, tool: c.tool, args: c.input?.args ?? c.args, context: c.input?.context ?? c.context, via: c.input?.via ?? c.via ?? [] }))),
    compared: r.compared,
    summary: r.summary,
    notes: [...notes, ...r.notes],
  };
}

/** The comparison of `entry` with the ref, in steps; the response (with `error` when it cannot be made). */
function* compareSteps(state: WorkerState, pr: ProjectSlot, entry: ManifestEntry, ref: string): Generator<void, DiffResponse> {
  const manifestUri = pathToUri(entry.file);
  if (!entry.manifest || !entry.model) return { ...NO_RESULT, manifestUri, ref, error: 'the manifest has errors that prevent deciding calls; fix them first' };
  const root = pr.host.root;
  // The base's texts are mostly the current ones: the engine results cached by content are shared.
  const g = state.bases.open(root, ref, pr.project.cache);
  // The CLI's hint (--base-dir) is not something the editor offers.
  if ('error' in g) return { ...NO_RESULT, manifestUri, ref, error: g.error.replace(/ \(use --base-dir [^)]*\)$/, '') };
  const { project: base, label } = g;
  const manifestRel = entry.file.slice(root.length + 1);
  const found = baseManifestOf(base, manifestRel);
  const baseEntry = found.entry;
  const note = baseManifestNote(label, manifestRel, found, g.rel);
  const notes: string[] = note ? [note] : [];
  yield;
  const baseSet: PolicySetInput = baseEntry ? yield* base.policySetSteps(baseEntry) : { files: [] };
  const currentSet = yield* pr.project.policySetSteps(entry);
  const baseSide: DiffSide = { entry: baseEntry, set: baseSet, root: base.host.root };
  const current: DiffSide = { entry, set: currentSet, root };
  const r = yield* diffSteps(baseSide, current, { keepInputs: true });
  return toResponse({ state, pr, base, baseSide, current }, r, { manifestUri, ref, base: label, commit: g.commit }, notes);
}

export const compareFeature: Feature = {
  name: 'compare',
  register({ state }) {
    state.connection.onRequest(Methods.diff, async (params: DiffParams, token): Promise<DiffResponse> => {
      const ref = typeof params?.ref === 'string' ? params.ref.trim() : '';
      if (!ref) return { ...NO_RESULT, ref, error: 'no git ref given: name a branch, a tag or a commit (HEAD for the last commit)' };
      const found = state.manifestFor(typeof params.manifestUri === 'string' ? params.manifestUri : undefined);
      if (!found) return { ...NO_RESULT, ref, error: 'no agent manifest in the workspace' };
      const steps = compareSteps(state, found.pr, found.entry, ref);
      try {
        for (;;) {
          const r = steps.next();
          if (r.done) return r.value;
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (token.isCancellationRequested) return { ...NO_RESULT, manifestUri: pathToUri(found.entry.file), ref, error: 'cancelled: a newer request replaced this one' };
        }
      } catch (err) {
        // Never on user input; if the analysis fails after all, the editor says so instead of losing the request.
        return { ...NO_RESULT, manifestUri: pathToUri(found.entry.file), ref, error: `the comparison failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
      }
    });

    state.connection.onRequest(Methods.gitRefs, (params: GitRefsParams): GitRefsResult => {
      const p = typeof params?.uri === 'string' ? uriToPath(params.uri) : undefined;
      const pr = (p ? state.projectOf(p) : undefined) ?? state.manifestFor(undefined)?.pr ?? state.projects[0];
      if (!pr) return { refs: [], error: 'no workspace folder is open' };
      const r = gitRefs(pr.host.root);
      return 'error' in r ? { refs: [], error: r.error } : r;
    });
  },
};
