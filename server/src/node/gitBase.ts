/**
 * A project host over a git commit: the base side of `agent-policy diff --base REF` and `replay --base REF`. Files
 * are read from git's object store (`git ls-tree`, `git cat-file`), so the working tree, the index and HEAD are
 * never touched. Only regular files count: a symbolic link in the tree is not followed (its target could be
 * anywhere), a submodule is not entered. The host's root is a virtual path (`/@base/<commit>/<workspace>`): the base's
 * files never share a path with the working tree's, so caches keyed by file keep the two apart.
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { ProjectHost } from '../core/project';
import type { FileRead } from '../core/manifest/load';
import { isRelevantFile, MAX_FILE_BYTES, SKIP_DIRS, toNativePath } from './fsHost';

export interface GitBase {
  host: ProjectHost;
  /** The commit the ref resolved to (full hash). */
  commit: string;
  /** Maps a file of the base (virtual path) to its path relative to the workspace, and back. */
  rel(file: string): string;
}

function git(cwd: string, args: string[], maxBuffer = 64 * 1024 * 1024): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', maxBuffer, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
}

function gitOk(cwd: string, args: string[]): string | undefined {
  try {
    return git(cwd, args).trim();
  } catch {
    return undefined;
  }
}

/** Refs are names, never options: `--upload-pack=…` and friends are refused before git sees them. */
function plausibleRef(ref: string): boolean {
  return ref.length > 0 && ref.length < 256 && !ref.startsWith('-') && !/[\s\u0000-\u001f~^:?*[\\]/.test(ref.replace(/[~^]\d*$/, ''));
}

/** The commit `ref` names in the repository holding the workspace `root`, or why there is none (for the user). */
export function resolveCommit(root: string, ref: string): { commit: string; top: string; native: string } | { error: string } {
  const native = toNativePath(root);
  if (!plausibleRef(ref)) return { error: `\`${ref}\` is not a git ref (a branch, a tag or a commit)` };
  const top = gitOk(native, ['rev-parse', '--show-toplevel']);
  if (top === undefined) return { error: `${native} is not inside a git repository (use --base-dir DIR to compare with a folder)` };
  const commit = gitOk(native, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  if (!commit) {
    const shallow = gitOk(native, ['rev-parse', '--is-shallow-repository']) === 'true';
    return {
      error: shallow
        ? `the ref \`${ref}\` is not in this clone, which is shallow: fetch it (git fetch --unshallow, or git fetch origin ${ref}) and run again`
        : `the ref \`${ref}\` does not name a commit of this repository (git branch -a and git tag list what it has)`,
    };
  }
  return { commit, top, native };
}

/**
 * The base side at `ref` for the workspace `root` (core path): its host, or why there is none (for the user).
 * `resolved`: the commit already resolved (resolveCommit), so that a caller that keeps bases asks git once.
 */
export function gitBase(root: string, ref: string, resolved?: { commit: string; top: string; native: string }): GitBase | { error: string } {
  const r = resolved ?? resolveCommit(root, ref);
  if ('error' in r) return r;
  const { commit, top, native } = r;
  const prefix = path.relative(top, native).split(path.sep).join('/');
  let listing: string;
  try {
    listing = git(top, ['ls-tree', '-r', '-z', '--full-tree', commit, '--', ...(prefix ? [prefix] : [])]);
  } catch (err) {
    return { error: `git cannot list the files of ${ref}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  const vroot = `/@base/${commit.slice(0, 12)}${root.startsWith('/') ? root : `/${root}`}`;
  const blobs = new Map<string, string>();
  const links = new Set<string>();
  for (const entry of listing.split('\u0000')) {
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const [mode, type, sha] = entry.slice(0, tab).split(' ');
    const full = entry.slice(tab + 1);
    const rel = prefix ? full.slice(prefix.length + 1) : full;
    if (!rel) continue;
    if (type !== 'blob' || !sha) continue;
    if (mode === '120000') links.add(rel);
    else blobs.set(rel, sha);
  }
  const texts = new Map<string, FileRead>();
  const relOf = (p: string) => (p.startsWith(`${vroot}/`) ? p.slice(vroot.length + 1) : undefined);
  const host: ProjectHost = {
    root: vroot,
    // As the working tree is walked (fsHost.walkFolder): no hidden folders, no build output or dependencies.
    listFiles: () => [...blobs.keys()].filter((r) => isRelevantFile(r) && !r.split('/').slice(0, -1).some((d) => d.startsWith('.') || SKIP_DIRS.has(d))).map((r) => `${vroot}/${r}`).sort(),
    read(p: string): FileRead {
      const rel = relOf(p);
      if (rel === undefined) return { refused: 'outside-workspace', detail: 'outside the workspace at the base' };
      const hit = texts.get(rel);
      if (hit) return hit;
      let r: FileRead;
      const sha = blobs.get(rel);
      if (links.has(rel)) r = { refused: 'not-a-file', detail: 'a symbolic link in git, not followed' };
      else if (!sha) r = { missing: true };
      else {
        const size = Number(gitOk(top, ['cat-file', '-s', sha]) ?? NaN);
        if (!(size <= MAX_FILE_BYTES)) r = { refused: 'too-large', detail: `${Math.round(size / 1024 / 1024)} MB > ${MAX_FILE_BYTES / 1024 / 1024} MB` };
        else {
          try {
            r = { text: git(top, ['cat-file', 'blob', sha], MAX_FILE_BYTES + 1024) };
          } catch {
            r = { refused: 'unreadable', detail: 'git cannot read it' };
          }
        }
      }
      texts.set(rel, r);
      return r;
    },
    readFile(p: string): string | undefined {
      const r = this.read!(p);
      return 'text' in r ? r.text : undefined;
    },
  };
  return { host, commit, rel: (f) => relOf(f) ?? f };
}

/**
 * The refs a comparison may start from, for a picker: `HEAD` (when there is a commit), the local branches (latest
 * commit first), then the tags (newest first); at most `limit`. Or why there are none (not a git repository).
 */
export function gitRefs(root: string, limit = 200): { refs: string[] } | { error: string } {
  const native = toNativePath(root);
  if (gitOk(native, ['rev-parse', '--show-toplevel']) === undefined) return { error: `${native} is not inside a git repository` };
  const list = (pattern: string, sort: string) => (gitOk(native, ['for-each-ref', `--sort=${sort}`, '--format=%(refname:short)', pattern]) ?? '').split('\n').filter((r) => r && plausibleRef(r));
  const head = gitOk(native, ['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']) ? ['HEAD'] : [];
  const refs = [...new Set([...head, ...list('refs/heads', '-committerdate'), ...list('refs/tags', '-creatordate')])];
  return { refs: refs.slice(0, limit) };
}
