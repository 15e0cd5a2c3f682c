/**
 * What the navigation features share: the policy sets a file belongs to (its manifest, the tool lists it imports, the
 * policy files it covers, with their facts cached by text), ranges for the core's spans, and running a request in
 * time slices that a `$/cancelRequest` stops.
 */
import { LSPErrorCodes, ResponseError, type CancellationToken, type Range } from 'vscode-languageserver/node';
import type { ManifestEntry } from '../core/project';
import { isManifestFile, isPolicyFile, isToolListFile } from '../core/manifest/model';
import type { NavManifest, NavSet } from '../core/navigation/navigate';
import { PolicyFactsCache, type PolicyFileFacts } from '../core/navigation/policyFacts';
import { parseYaml, type YamlSource } from '../core/yamlDoc';
import { TimeSlice } from '../core/timeSlice';
import type { Span } from '../core/types';
import { uriToPath } from './uris';
import type { ProjectSlot, WorkerState } from './workspace';

/** Runs steps, yielding to the event loop between slices; a cancelled request ends with RequestCancelled. */
export async function runCancellable<T>(token: CancellationToken, steps: Generator<void, T>): Promise<T> {
  for (;;) {
    if (token.isCancellationRequested) throw new ResponseError(LSPErrorCodes.RequestCancelled, 'the request was cancelled');
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A request handler that runs in time slices (see runCancellable). */
export function sliced<P, R>(body: (params: P) => Generator<void, R>): (params: P, token: CancellationToken) => Promise<R> {
  return (params, token) => runCancellable(token, body(params));
}

export class Navigation {
  readonly facts = new PolicyFactsCache();

  constructor(readonly state: WorkerState) {}

  text(file: string): string | undefined {
    return this.state.projectOf(file)?.host.readFile(file);
  }

  range(file: string, span: Span, text = this.text(file) ?? ''): Range {
    return this.state.lineIndexOf(file, text).range(span);
  }

  offsetAt(file: string, text: string, position: { line: number; character: number }): number {
    return this.state.lineIndexOf(file, text).offsetAt(position);
  }

  /** An open document: its core path and text, and what kind of file it is for the outline-like features. */
  openDocument(uri: string): { file: string; text: string; kind: 'policy' | 'manifest' | 'other' } | undefined {
    const file = uriToPath(uri);
    const text = this.state.documents.get(uri)?.getText();
    if (!file || text === undefined) return undefined;
    return { file, text, kind: isPolicyFile(file) ? 'policy' : isManifestFile(file) ? 'manifest' : 'other' };
  }

  /** A manifest's YAML (or JSON) tree, parsed from the text as it is now (it need not load as a manifest). */
  manifestSource(file: string, text: string): YamlSource {
    return parseYaml(text, 'manifest-invalid', file.endsWith('.json') ? 'json' : 'yaml').source;
  }

  /** The facts of a policy file's current text. */
  *factsSteps(file: string, text: string, slice = new TimeSlice()): Generator<void, PolicyFileFacts> {
    return yield* this.facts.getSteps(file, text, slice);
  }

  /** The policy set of a manifest entry. */
  *setOfSteps(pr: ProjectSlot, entry: ManifestEntry | undefined, extraFile?: string): Generator<void, NavSet> {
    const slice = new TimeSlice();
    const manifest: NavManifest | undefined = entry?.manifest ? { file: entry.file, manifest: entry.manifest, sources: entry.result.sources } : undefined;
    const files = entry ? [...pr.project.policyFilesOf(entry)] : [];
    if (extraFile && !files.includes(extraFile)) files.push(extraFile);
    const policies: NavSet['policies'] = [];
    for (const file of files) {
      const text = pr.host.readFile(file);
      if (text === undefined) continue;
      policies.push({ file, facts: yield* this.factsSteps(file, text, slice) });
    }
    return { manifest, policies };
  }

  /** The policy sets that `uri` belongs to: the set of its manifest (a tool list may be imported by several). */
  *setsOfSteps(uri: string): Generator<void, { file: string; sets: NavSet[] } | undefined> {
    const file = uriToPath(uri);
    if (!file) return undefined;
    const pr = this.state.projectOf(file);
    if (!pr) return undefined;
    const sets: NavSet[] = [];
    if (isPolicyFile(file)) sets.push(yield* this.setOfSteps(pr, pr.project.coveringManifest(file), file));
    else if (isManifestFile(file)) {
      const entry = pr.project.manifest(file);
      if (entry) sets.push(yield* this.setOfSteps(pr, entry));
    } else if (isToolListFile(file)) {
      for (const entry of pr.project.allManifests().filter((m) => m.imports.has(file))) sets.push(yield* this.setOfSteps(pr, entry));
    }
    return { file, sets };
  }

  /** The file of `uri`, its text, the offset of `position` in it, and the policy sets it belongs to. */
  *atSteps(uri: string, position: { line: number; character: number }): Generator<void, { file: string; text: string; offset: number; sets: NavSet[] } | undefined> {
    const found = yield* this.setsOfSteps(uri);
    const text = found && this.text(found.file);
    if (!found || text === undefined) return undefined;
    return { ...found, text, offset: this.offsetAt(found.file, text, position) };
  }

  /** Every policy file of the workspace with its facts, and every manifest that loads (for workspace symbols). */
  *everythingSteps(): Generator<void, { policies: NavSet['policies']; manifests: NavManifest[] }> {
    const slice = new TimeSlice();
    const policies: NavSet['policies'] = [];
    const manifests: NavManifest[] = [];
    const seen = new Set<string>();
    for (const pr of this.state.projects) {
      for (const file of pr.host.listFiles()) {
        if (seen.has(file)) continue;
        seen.add(file);
        if (isPolicyFile(file)) {
          const text = pr.host.readFile(file);
          if (text !== undefined) policies.push({ file, facts: yield* this.factsSteps(file, text, slice) });
        } else if (isManifestFile(file)) {
          const entry = pr.project.manifest(file);
          if (entry?.manifest) manifests.push({ file, manifest: entry.manifest, sources: entry.result.sources });
        }
        if (slice.due()) yield;
      }
    }
    this.facts.retain(seen);
    return { policies, manifests };
  }
}
