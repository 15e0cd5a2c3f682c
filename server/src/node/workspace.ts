import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Project } from '../core/project';
import { FsHost, toCorePath, walkWorkspace, isRelevantFile, orphanFolderFiles } from './fsHost';

/** The folder a path belongs to: the nearest ancestor holding `.agent-policy.yaml` or `.git`, else undefined. */
export function findWorkspaceRoot(start: string): string | undefined {
  let dir = path.resolve(start);
  try {
    if (!fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, '.agent-policy.yaml')) || fs.existsSync(path.join(d, '.git'))) return d;
    if (path.dirname(d) === d) break;
  }
  return undefined;
}

export interface Target {
  /** Workspace root (core path). */
  root: string;
  /** Files to report on (core paths). */
  files: string[];
  /** The project's files when it is not the whole root: a file outside any workspace (see `orphanFolderFiles`). */
  listing?: string[];
}

/**
 * Resolves command-line PATHs into projects: each PATH is checked inside its workspace (so that a manifest
 * above a policy folder still covers it), and only files under the PATHs are reported. A workspace is the
 * nearest folder with `.agent-policy.yaml` or `.git`. Without one, the current folder for the PATHs under it (not
 * the home folder or a root); else a folder PATH is its own workspace, and a file PATH gets its folder when that
 * folder is small (never the home folder), else it is checked alone.
 */
export function resolveTargets(paths: string[], cwd: string): { targets: Target[]; errors: string[]; notes: string[] } {
  const errors: string[] = [];
  const notes: string[] = [];
  const byRoot = new Map<string, { files: Set<string>; whole?: boolean; listing?: Set<string> }>();
  for (const p of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      errors.push(`${p}: no such file or folder`);
      continue;
    }
    if (!st.isDirectory() && !isRelevantFile(abs)) {
      errors.push(`${p}: not an agent manifest (*.agents.yaml), a Cedar policy file (*.cedar) or an MCP tool list (*.tools.json)`);
      continue;
    }
    const marked = findWorkspaceRoot(abs);
    // Without a marker, the current folder is the workspace of the PATHs under it (`cd project; agent-policy check
    // policies` finds the manifest above policies/), unless it is the home folder or a filesystem root.
    const here = path.resolve(cwd);
    const underCwd = !marked && !path.relative(here, abs).startsWith('..') && here !== os.homedir() && path.dirname(here) !== here;
    const rootNative = marked ?? (underCwd ? here : st.isDirectory() ? abs : path.dirname(abs));
    const root = toCorePath(rootNative);
    const entry = byRoot.get(root) ?? { files: new Set<string>() };
    byRoot.set(root, entry);
    if (st.isDirectory()) for (const f of walkWorkspace(toCorePath(abs))) entry.files.add(f);
    else entry.files.add(toCorePath(abs));
    if (marked || underCwd || st.isDirectory()) entry.whole = true;
    else if (!entry.listing) {
      const orphan = orphanFolderFiles(root);
      entry.listing = new Set(orphan.files);
      if (!orphan.walked) notes.push(`${p} is outside any workspace (no .git or .agent-policy.yaml above it) and its folder is too large to search (or is your home folder): it is checked alone`);
    }
  }
  return { targets: [...byRoot].map(([root, e]) => ({ root, files: [...e.files].sort(), ...(e.listing && !e.whole ? { listing: [...e.listing] } : {}) })), errors, notes };
}

export function projectFor(target: Target): Project {
  return new Project(new FsHost(target.root, target.files, target.listing));
}
