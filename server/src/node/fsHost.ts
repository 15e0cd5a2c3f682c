import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isManifestFile, isPolicyFile, isToolListFile } from '../core/manifest/model';
import { isCedarSchemaFile } from '../core/cedar/cedarSchema';
import type { ProjectHost } from '../core/project';
import { CONFIG_FILE } from '../core/configFile';
import type { FileRead, ReadRefusal } from '../core/manifest/load';

/** Folders never searched for manifests or policies. */
export const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'out', 'dist', '.vscode-test', '.cache']);
const MAX_FILES = 50_000;
/** Files above this size are not read (a policy file of this size is not something a person wrote). */
export const MAX_FILE_BYTES = 32 * 1024 * 1024;

export function isRelevantFile(p: string): boolean {
  return isManifestFile(p) || isPolicyFile(p) || isToolListFile(p) || isCedarSchemaFile(p) || p.endsWith(`/${CONFIG_FILE}`) || p === CONFIG_FILE;
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

export interface WalkLimits {
  /** At most this many folders are read (the root included). */
  maxDirs: number;
  /** At most this many folder entries are looked at, all folders together. */
  maxEntries: number;
}

/**
 * Lists the relevant files under `root` (absolute, core form); `complete` is false when a limit stopped the
 * walk. Symbolic links are never followed (neither to files nor to folders), so the walk stays inside the
 * root and cannot loop; entries are read one at a time, so a huge folder costs no more than the limits.
 */
export function walkFolder(root: string, limits: WalkLimits = { maxDirs: Infinity, maxEntries: Infinity }): { files: string[]; complete: boolean } {
  const out: string[] = [];
  const stack = [toNativePath(root)];
  let dirs = 0;
  let entries = 0;
  let complete = true;
  walk: while (stack.length) {
    if (out.length >= MAX_FILES || dirs >= limits.maxDirs) {
      complete = false;
      break;
    }
    const dir = stack.pop()!;
    dirs++;
    let handle: fs.Dir;
    try {
      handle = fs.opendirSync(dir);
    } catch {
      continue;
    }
    try {
      for (let e = handle.readSync(); e; e = handle.readSync()) {
        if (++entries > limits.maxEntries) {
          complete = false;
          break walk;
        }
        const full = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(full);
        } else if (e.isFile() && isRelevantFile(e.name)) out.push(toCorePath(full));
      }
    } catch {
      // a folder that vanished or cannot be listed: skip the rest of it
    } finally {
      handle.closeSync();
    }
  }
  return { files: out.sort(), complete };
}

/** Lists the relevant files under `root` (absolute, core form). */
export function walkWorkspace(root: string): string[] {
  return walkFolder(root).files;
}

/** Folders and entries a folder that is no workspace may have for its files to be listed (see `orphanFolderFiles`). */
export const ORPHAN_MAX_DIRS = 100;
export const ORPHAN_MAX_ENTRIES = 5_000;

/**
 * The files of the folder of a file outside every workspace (no workspace folder in the editor, no `.git` or
 * `.agent-policy.yaml` above it on the command line): its relevant files when the folder is small (at most
 * ORPHAN_MAX_DIRS folders and ORPHAN_MAX_ENTRIES entries), else none, so that the file is checked alone. The
 * home folder and a file-system root are never walked.
 */
export function orphanFolderFiles(folder: string): { files: string[]; walked: boolean } {
  const native = path.resolve(toNativePath(folder));
  if (native === path.parse(native).root || samePath(native, os.homedir())) return { files: [], walked: false };
  const r = walkFolder(folder, { maxDirs: ORPHAN_MAX_DIRS, maxEntries: ORPHAN_MAX_ENTRIES });
  return r.complete ? { files: r.files, walked: true } : { files: [], walked: false };
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return fs.realpathSync.native(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

/** Sizes as a person reads them: 512 bytes, 1.5 KB, 50 MB (1 KB = 1024 bytes; rounded up, so 32 MB + 1 byte is not "32 MB"). */
export function formatBytes(n: number): string {
  const up = (x: number) => String(Math.ceil(x * 10) / 10);
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${up(n / 1024)} KB`;
  if (n < 1024 * 1024 * 1024) return `${up(n / (1024 * 1024))} MB`;
  return `${up(n / (1024 * 1024 * 1024))} GB`;
}

/** What a file-system object that is not a regular file is, for messages. */
function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

type NoText = Exclude<FileRead, { text: string }>;

function errorRead(err: unknown): NoText {
  const code = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : '';
  if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
  if (code === 'EISDIR') return { refused: 'not-a-file', detail: 'a folder' };
  if (code === 'ELOOP') return { refused: 'unreadable', detail: 'a loop of symbolic links' };
  if (code === 'EACCES' || code === 'EPERM') return { refused: 'unreadable', detail: 'permission denied' };
  return { refused: 'unreadable', detail: code || 'error' };
}

const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Reads a regular file as UTF-8 text, holding at most `limit` + 1 bytes in memory. Anything else (a folder,
 * FIFO, device, socket) is refused without reading; a FIFO does not block (its type is checked before it is
 * opened, and it is opened non-blocking in case it was swapped in meanwhile). `noFollow`: the last
 * component must not be a symbolic link (the caller resolved it already).
 */
export function readRegularFile(native: string, limit: number, noFollow = false): FileRead {
  const tooLarge = (size: string): FileRead => ({ refused: 'too-large', detail: `${size} > ${formatBytes(limit)}` });
  let fd: number;
  try {
    const st = fs.statSync(native);
    if (!st.isFile()) return { refused: 'not-a-file', detail: kindOf(st) };
    if (st.size > limit) return tooLarge(formatBytes(st.size));
    fd = fs.openSync(native, OPEN_FLAGS | (noFollow ? (fs.constants.O_NOFOLLOW ?? 0) : 0));
  } catch (err) {
    return errorRead(err);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { refused: 'not-a-file', detail: kindOf(st) };
    if (st.size > limit) return tooLarge(formatBytes(st.size));
    // The file may grow between fstat and read: read until EOF, but never more than limit + 1 bytes.
    let buf = Buffer.allocUnsafe(Math.min(st.size, limit) + 1);
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > limit) return tooLarge(`more than ${formatBytes(limit)}`);
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, limit + 1));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = fs.readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return { text: buf.toString('utf8', 0, n) };
  } catch (err) {
    return errorRead(err);
  } finally {
    fs.closeSync(fd);
  }
}

/** The real path of `native`, or of its nearest existing ancestor joined with the rest (a file not created yet). */
function realPathOf(native: string): { real: string; exists: boolean } | { error: unknown } {
  try {
    return { real: fs.realpathSync.native(native), exists: true };
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : '';
    const parent = path.dirname(native);
    if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === native) return { error: err };
    const up = realPathOf(parent);
    return 'real' in up ? { real: path.join(up.real, path.basename(native)), exists: false } : up;
  }
}

function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * The one owner of what may be read in a workspace: the root's real path is resolved once, and every file's
 * real path before it is read. A file whose real path is outside the real root is refused (never opened, so
 * its content cannot reach a schema or a message); one above MAX_FILE_BYTES, or not a regular file, too.
 */
export class Confinement {
  readonly realRoot: string;

  constructor(readonly root: string) {
    const native = path.resolve(toNativePath(root));
    const r = realPathOf(native);
    this.realRoot = 'real' in r ? r.real : native;
  }

  /** Whether `p` (core path) may be read: undefined when it may, else why not (or that it does not exist). */
  check(p: string): NoText | undefined {
    const r = this.locate(p);
    return 'real' in r ? undefined : r;
  }

  /** Reads `p` (core path) when its real path is inside the real root, under the size limit. */
  read(p: string, limit = MAX_FILE_BYTES): FileRead {
    const r = this.locate(p);
    // The real path is opened, and its last component must not have become a link meanwhile.
    return 'real' in r ? readRegularFile(r.real, limit, true) : r;
  }

  /**
   * Where `p` (core path) may be written: its real path (through any symbolic link) when that is inside the real
   * root and is a regular file or does not exist yet; else why not. The folders on the way are not created.
   */
  writable(p: string): { real: string } | { refused: ReadRefusal; detail: string } {
    const r = realPathOf(toNativePath(p));
    if ('error' in r) {
      const e = errorRead(r.error);
      return 'refused' in e ? e : { refused: 'unreadable', detail: 'missing' };
    }
    if (!isInside(this.realRoot, r.real)) return { refused: 'outside-workspace', detail: '' };
    if (r.exists) {
      try {
        const st = fs.statSync(r.real);
        if (!st.isFile()) return { refused: 'not-a-file', detail: kindOf(st) };
      } catch (err) {
        const e = errorRead(err);
        if ('refused' in e) return e;
      }
    }
    return { real: r.real };
  }

  private locate(p: string): { real: string } | NoText {
    const r = realPathOf(toNativePath(p));
    if ('error' in r) return errorRead(r.error);
    if (!isInside(this.realRoot, r.real)) return { refused: 'outside-workspace', detail: '' };
    return r.exists ? { real: r.real } : { missing: true };
  }
}

/** The text of a read, or undefined. */
export function textOf(r: FileRead): string | undefined {
  return 'text' in r ? r.text : undefined;
}

/** A project host over the file system, with an optional set of extra files and an optional listing instead of the walk. */
export class FsHost implements ProjectHost {
  private files: string[] | undefined;
  private readonly reads = new Map<string, FileRead>();
  private readonly confinement: Confinement;

  /** `listing`: the files of the project when it is not the whole root (a file outside every workspace). */
  constructor(readonly root: string, private readonly extraFiles: string[] = [], private readonly listing?: string[]) {
    this.confinement = new Confinement(root);
  }

  listFiles(): readonly string[] {
    this.files ??= [...new Set([...(this.listing ?? walkWorkspace(this.root)), ...this.extraFiles])].sort();
    return this.files;
  }

  read(p: string): FileRead {
    let r = this.reads.get(p);
    if (!r) this.reads.set(p, (r = this.confinement.read(p)));
    return r;
  }

  readFile(p: string): string | undefined {
    return textOf(this.read(p));
  }
}

/**
 * Writes `text` to `p` (core path) inside the workspace: the folders on the way are created, the real path is
 * checked again after that (a folder on the way may be a link), and the file is replaced atomically (a temporary
 * file beside it, then a rename), so that a reader never sees half a file.
 */
export function writeInside(confinement: Confinement, p: string, text: string): { written: string } | { refused: ReadRefusal; detail: string } {
  const first = confinement.writable(p);
  if ('refused' in first) return first;
  try {
    fs.mkdirSync(path.dirname(toNativePath(p)), { recursive: true });
  } catch (err) {
    const e = errorRead(err);
    return 'refused' in e ? e : { refused: 'unreadable', detail: 'cannot create its folder' };
  }
  const target = confinement.writable(p);
  if ('refused' in target) return target;
  const tmp = `${target.real}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, text, { encoding: 'utf8', flag: 'wx' });
    fs.renameSync(tmp, target.real);
  } catch (err) {
    try {
      fs.rmSync(tmp, { force: true });
    } catch {
      // nothing to clean
    }
    const e = errorRead(err);
    return 'refused' in e ? e : { refused: 'unreadable', detail: 'cannot write' };
  }
  return { written: target.real };
}
