import * as fs from 'node:fs';
import * as path from 'node:path';
import { isManifestFile, isPolicyFile, isToolListFile } from '../core/manifest/model';
import type { ProjectHost } from '../core/project';
import { CONFIG_FILE } from '../core/configFile';

/** Folders never searched for manifests or policies. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.vscode-test', '.cache']);
const MAX_FILES = 50_000;
/** Files above this size are not read (a policy file of this size is not something a person wrote). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export function isRelevantFile(p: string): boolean {
  return isManifestFile(p) || isPolicyFile(p) || isToolListFile(p) || p.endsWith(`/${CONFIG_FILE}`) || p === CONFIG_FILE;
}

/** Converts a native path to the POSIX form the core uses ("C:\x\y" becomes "/C:/x/y"). */
export function toCorePath(native: string): string {
  const abs = path.resolve(native);
  if (path.sep === '/') return abs;
  const p = abs.split(path.sep).join('/');
  return p.startsWith('/') ? p : `/${p}`;
}

export function toNativePath(core: string): string {
  if (path.sep === '/') return core;
  return core.replace(/^\/([A-Za-z]:)/, '$1').split('/').join(path.sep);
}

/** Lists the relevant files under `root` (absolute, core form). */
export function walkWorkspace(root: string): string[] {
  const out: string[] = [];
  const stack = [toNativePath(root)];
  while (stack.length && out.length < MAX_FILES) {
    const dir = stack.pop()!;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(full);
      } else if (e.isFile() && isRelevantFile(e.name)) out.push(toCorePath(full));
    }
  }
  return out.sort();
}

/** Reads a file as UTF-8 text, or undefined when it is missing, unreadable, a folder or too large. */
export function readText(corePath: string): string | undefined {
  try {
    const native = toNativePath(corePath);
    const st = fs.statSync(native);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return fs.readFileSync(native, 'utf8');
  } catch {
    return undefined;
  }
}

/** A project host over the file system, with an optional set of extra files (outside the walk) and in-memory overlays. */
export class FsHost implements ProjectHost {
  private files: string[] | undefined;
  private readonly texts = new Map<string, string | undefined>();

  constructor(readonly root: string, private readonly extraFiles: string[] = []) {}

  listFiles(): string[] {
    this.files ??= [...new Set([...walkWorkspace(this.root), ...this.extraFiles])].sort();
    return this.files;
  }

  readFile(p: string): string | undefined {
    if (!this.texts.has(p)) this.texts.set(p, readText(p));
    return this.texts.get(p);
  }
}
