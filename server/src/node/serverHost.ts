import { isRelevantFile, readText, walkWorkspace } from './fsHost';
import type { ProjectHost } from '../core/project';

/**
 * The language server's view of a workspace folder: open documents win over the disk; disk reads are
 * cached until a watcher (or a save) says the file changed.
 */
export class ServerHost implements ProjectHost {
  private files: Set<string> | undefined;
  private readonly disk = new Map<string, string | undefined>();
  private readonly open = new Map<string, string>();

  constructor(readonly root: string) {}

  listFiles(): string[] {
    this.files ??= new Set(walkWorkspace(this.root));
    const all = new Set(this.files);
    for (const p of this.open.keys()) if (p.startsWith(this.root + '/')) all.add(p);
    return [...all].sort();
  }

  readFile(p: string): string | undefined {
    const o = this.open.get(p);
    if (o !== undefined) return o;
    if (!this.disk.has(p)) this.disk.set(p, readText(p));
    return this.disk.get(p);
  }

  contains(p: string): boolean {
    return p.startsWith(this.root + '/');
  }

  setOpen(p: string, text: string | undefined) {
    if (text === undefined) this.open.delete(p);
    else this.open.set(p, text);
  }

  /** A file was created, changed or deleted on disk. */
  diskChanged(p: string, kind: 'created' | 'changed' | 'deleted') {
    this.disk.delete(p);
    if (!this.files || !isRelevantFile(p)) return;
    if (kind === 'deleted') this.files.delete(p);
    else this.files.add(p);
  }

  /** Forget the file list (a folder was created or deleted). */
  rescan() {
    this.files = undefined;
    this.disk.clear();
  }
}
