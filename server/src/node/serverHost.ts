import { Confinement, isRelevantFile, orphanFolderFiles, textOf, walkWorkspace } from './fsHost';
import type { ProjectHost } from '../core/project';
import type { FileRead } from '../core/manifest/load';

/**
 * The language server's view of a workspace folder: open documents win over the disk; disk reads are
 * cached until a watcher (or a save) says the file changed. Every path, open or not, must have its real path
 * inside the folder's real path (see `Confinement`).
 */
export class ServerHost implements ProjectHost {
  private files: Set<string> | undefined;
  /** The sorted listing last handed out, until a file or an open document comes or goes (a simulation asks several times). */
  private listed: readonly string[] | undefined;
  private readonly disk = new Map<string, FileRead>();
  /** Open documents refused for leaving the workspace (checked once per path, again after a change on disk). */
  private readonly outside = new Map<string, boolean>();
  private readonly open = new Map<string, string>();
  private readonly confinement: Confinement;

  /**
   * `orphan`: the folder of a file outside every workspace folder. Its files are listed only when the folder
   * is small (see `orphanFolderFiles`); otherwise the project holds just the open documents.
   */
  constructor(
    readonly root: string,
    readonly orphan = false,
  ) {
    this.confinement = new Confinement(root);
  }

  listFiles(): readonly string[] {
    if (this.listed) return this.listed;
    this.files ??= new Set(this.orphan ? orphanFolderFiles(this.root).files : walkWorkspace(this.root));
    const all = new Set(this.files);
    for (const p of this.open.keys()) if (p.startsWith(this.root + '/')) all.add(p);
    this.listed = [...all].sort();
    return this.listed;
  }

  read(p: string): FileRead {
    const o = this.open.get(p);
    if (o !== undefined) {
      // The editor holds the text, but a link out of the workspace is refused all the same.
      let out = this.outside.get(p);
      if (out === undefined) {
        const c = this.confinement.check(p);
        this.outside.set(p, (out = c !== undefined && 'refused' in c && c.refused === 'outside-workspace'));
      }
      return out ? { refused: 'outside-workspace', detail: '' } : { text: o };
    }
    let r = this.disk.get(p);
    if (!r) this.disk.set(p, (r = this.confinement.read(p)));
    return r;
  }

  readFile(p: string): string | undefined {
    return textOf(this.read(p));
  }

  contains(p: string): boolean {
    return p.startsWith(this.root + '/');
  }

  setOpen(p: string, text: string | undefined) {
    if (this.open.has(p) !== (text !== undefined)) this.listed = undefined;
    if (text === undefined) this.open.delete(p);
    else this.open.set(p, text);
  }

  /** A file was created, changed or deleted on disk. */
  diskChanged(p: string, kind: 'created' | 'changed' | 'deleted') {
    this.disk.delete(p);
    this.outside.delete(p);
    if (!this.files || !isRelevantFile(p)) return;
    if (kind === 'deleted' ? !this.files.delete(p) : this.files.has(p)) return;
    if (kind !== 'deleted') this.files.add(p);
    this.listed = undefined;
  }

  /** Forget the file list (a folder was created or deleted). */
  rescan() {
    this.files = undefined;
    this.listed = undefined;
    this.disk.clear();
    this.outside.clear();
  }
}
