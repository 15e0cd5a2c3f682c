/**
 * The base side of a comparison: a project over a git commit (gitBase.ts) and, in it, the manifest that stands for
 * the working tree's. Shared by `agent-policy diff --base` (and `--base-dir`, for the choice of the manifest), by
 * "Compare Policies with…" (agentPolicy/diff) and by the Access view's comparison (agentPolicy/access with
 * `baseRef`), so that the three read the base the same way.
 */
import { isManifestFile } from '../core/manifest/model';
import { Project, type ManifestEntry } from '../core/project';
import type { PolicyCache } from '../core/cedar/policyCheck';
import { gitBase, resolveCommit } from './gitBase';

/** The base's manifest for the working tree's `manifestRel`: at the same place; else the base's only manifest; else none. */
export interface BaseManifest {
  file?: string;
  entry?: ManifestEntry;
  /** How the base's manifest differs from the expected one, for a note. */
  problem?: 'missing' | 'errors' | 'elsewhere';
}

export function baseManifestOf(base: Project, manifestRel: string): BaseManifest {
  const manifests = base.host.listFiles().filter(isManifestFile);
  const same = `${base.host.root}/${manifestRel}`;
  const file = manifests.includes(same) ? same : manifests.length === 1 ? manifests[0] : undefined;
  const entry = file ? base.manifest(file) : undefined;
  const problem = !entry ? 'missing' : !entry.manifest || !entry.model ? 'errors' : file !== same ? 'elsewhere' : undefined;
  return { ...(file ? { file } : {}), ...(entry ? { entry } : {}), ...(problem ? { problem } : {}) };
}

/** The note that goes with a base's manifest that is not where (or what) it should be; undefined when it is. */
export function baseManifestNote(label: string, manifestRel: string, m: BaseManifest, relOf: (file: string) => string): string | undefined {
  switch (m.problem) {
    case 'missing':
      return `${label} has no manifest at ${manifestRel}: every call counts as denied there`;
    case 'errors':
      return `the manifest at ${label} has errors that prevent deciding calls: every call counts as denied there`;
    case 'elsewhere':
      return `${label} has no manifest at ${manifestRel}: compared with its only manifest, ${relOf(m.file!)}`;
    default:
      return undefined;
  }
}

export interface GitBaseProject {
  project: Project;
  /** The commit the ref resolved to (full hash). */
  commit: string;
  /** How the base is named for people: "HEAD (3f2a1b9c4d5e)". */
  label: string;
  /** A file of the base (virtual path) relative to the workspace. */
  rel(file: string): string;
}

/**
 * The project of the workspace `root` at the git `ref`, or why there is none (for the user). `cache` (the working
 * tree's policy cache) shares the engine's results for the texts both sides have. `reuse` gives a project built
 * before for the same commit (its analyses and access maps are kept: a commit never changes).
 */
export function gitBaseProject(root: string, ref: string, cache?: PolicyCache, reuse?: (commit: string) => Project | undefined): GitBaseProject | { error: string } {
  // The commit first: a base kept for it needs no listing of the commit's files (the Access view asks on every edit).
  const resolved = resolveCommit(root, ref);
  if ('error' in resolved) return resolved;
  const label = `${ref} (${resolved.commit.slice(0, 12)})`;
  const kept = reuse?.(resolved.commit);
  if (kept) return { project: kept, commit: resolved.commit, label, rel: (f) => (f.startsWith(`${kept.host.root}/`) ? f.slice(kept.host.root.length + 1) : f) };
  const g = gitBase(root, ref, resolved);
  if ('error' in g) return g;
  return { project: new Project(g.host, cache), commit: g.commit, label, rel: g.rel };
}

/**
 * The base projects a language server keeps, per workspace root and commit (the few most recently used): the Access
 * view asks for its base on every edit, and the base does not change while the user types.
 */
export class BaseProjects {
  private readonly projects = new Map<string, Project>();

  constructor(private readonly limit = 4) {}

  /** The base of `root` at `ref` (see gitBaseProject), from the kept ones when its commit was seen before. */
  open(root: string, ref: string, cache?: PolicyCache): GitBaseProject | { error: string } {
    let key = '';
    const r = gitBaseProject(root, ref, cache, (commit) => {
      key = `${root}\u0000${commit}`;
      return this.projects.get(key);
    });
    if ('error' in r) return r;
    this.projects.delete(key);
    this.projects.set(key, r.project);
    while (this.projects.size > this.limit) this.projects.delete(this.projects.keys().next().value!);
    return r;
  }

  clear() {
    this.projects.clear();
  }
}
