import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../core/project';
import { FsHost, toCorePath, walkWorkspace, isRelevantFile } from './fsHost';

/** The folder a path belongs to: the nearest ancestor holding `.agent-policy.yaml` or `.git`, else `fallback`. */
export function findWorkspaceRoot(start: string, fallback: string): string {
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
  return path.resolve(fallback);
}

export interface Target {
  /** Workspace root (core path). */
  root: string;
  /** Files to report on (core paths). */
  files: string[];
}

/**
 * Resolves command-line PATHs into projects: each PATH is checked inside its workspace (so that a manifest
 * above a policy folder still covers it), and only files under the PATHs are reported.
 */
export function resolveTargets(paths: string[], cwd: string): { targets: Target[]; errors: string[] } {
  const errors: string[] = [];
  const byRoot = new Map<string, Set<string>>();
  for (const p of paths.length ? paths : ['.']) {
    const abs = path.resolve(cwd, p);
    let st: fs.Stats;
    try {
      st = fs.statSync(abs);
    } catch {
      errors.push(`${p}: no such file or folder`);
      continue;
    }
    let rootNative = findWorkspaceRoot(abs, cwd);
    if (path.relative(rootNative, abs).startsWith('..')) rootNative = st.isDirectory() ? abs : path.dirname(abs);
    const root = toCorePath(rootNative);
    const set = byRoot.get(root) ?? new Set<string>();
    byRoot.set(root, set);
    if (st.isDirectory()) for (const f of walkWorkspace(toCorePath(abs))) set.add(f);
    else if (isRelevantFile(abs)) set.add(toCorePath(abs));
    else errors.push(`${p}: not an agent manifest (*.agents.yaml), a Cedar policy file (*.cedar) or an MCP tool list (*.tools.json)`);
  }
  return { targets: [...byRoot].map(([root, files]) => ({ root, files: [...files].sort() })), errors };
}

export function projectFor(target: Target): Project {
  return new Project(new FsHost(target.root, target.files));
}
