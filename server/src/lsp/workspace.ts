/**
 * What the analysis worker holds: one project per workspace folder (plus one per orphan folder), the settings, the
 * documents the client has open, and the small caches every feature shares. Features receive it from `server.ts`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Connection, TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { Project, type ManifestEntry } from '../core/project';
import { HeldCalls } from './heldCalls';
import { isManifestFile, isPolicyFile, isToolListFile, type Manifest } from '../core/manifest/model';
import { DOCS_BASE_URL } from '../core/rules';
import type { RulesSetting } from '../core/configFile';
import { LineIndex } from '../core/text';
import type { SchemaJson } from '../core/cedar/engine';
import { ServerHost } from '../node/serverHost';
import { BaseProjects } from '../node/baseSide';
import { SNAPSHOT_METHOD, type AssistSnapshot } from './snapshot';
import { uriToPath } from './uris';

export interface Settings {
  validateOnType: boolean;
  /** `onType`: lint as you type; `onSave`: typing runs the engine checks only, and a save lints the whole workspace. */
  lintRun: 'onType' | 'onSave';
  rules: RulesSetting | undefined;
  /** `agentPolicy.inlayHints.enabled`: types of compared arguments, agents of a role, tools of a group (off by default). */
  inlayHints: boolean;
  /** `agentPolicy.cedarSchemaPath`: the Cedar schema of plain Cedar files when their folder and the root have none (relative to each workspace folder). */
  cedarSchemaPath: string | undefined;
  /** `agentPolicy.coverage.showLenses`: a code lens on each policy saying which scenarios it decided (off by default). */
  coverageLenses: boolean;
}

export interface ProjectSlot {
  host: ServerHost;
  project: Project;
}

/** What the client said it can do (set at initialize). */
export interface ClientAbilities {
  pullConfiguration: boolean;
  refreshCodeLens: boolean;
  refreshInlayHints: boolean;
}

export class WorkerState {
  settings: Settings = { validateOnType: true, lintRun: 'onType', rules: undefined, inlayHints: false, cedarSchemaPath: undefined, coverageLenses: false };
  readonly client: ClientAbilities = { pullConfiguration: false, refreshCodeLens: false, refreshInlayHints: false };
  /** One project per workspace folder, then one per orphan folder. */
  readonly projects: ProjectSlot[] = [];
  /** The projects of git commits that comparisons read (the Access view's base, Compare Policies with…). */
  readonly bases = new BaseProjects();
  /** The calls of the last comparisons, as decided (see heldCalls.ts). */
  readonly heldCalls = new HeldCalls();
  /** Rule pages shipped with the extension open offline; otherwise link to the public pages. */
  readonly docsBase: string;
  /** The last manifest each manifest file loaded to: completion goes on while the text being typed does not load. */
  private readonly lastLoaded = new Map<string, Manifest>();
  /** Line indexes of the texts the server holds, kept while a text is unchanged (a 5 MB file is not re-indexed per request). */
  private readonly lineIndexes = new Map<string, LineIndex>();

  constructor(
    readonly connection: Connection,
    readonly documents: TextDocuments<TextDocument>,
    /** True in the worker started by the router (main.ts), which wants assist snapshots. */
    private readonly routed: boolean,
  ) {
    const localDocs = path.join(__dirname, '..', 'docs', 'rules');
    this.docsBase = fs.existsSync(localDocs) ? pathToFileURL(localDocs).href + '/' : DOCS_BASE_URL;
  }

  addFolder(root: string, orphan = false): ProjectSlot {
    const host = new ServerHost(root, orphan);
    const project = new Project(host);
    project.settingsRules = this.settings.rules;
    project.settingsSchemaPath = this.settings.cedarSchemaPath;
    const slot = { host, project };
    this.projects.push(slot);
    return slot;
  }

  /** Forgets a project (an orphan folder whose last open file was closed). */
  dropProject(slot: ProjectSlot) {
    const i = this.projects.indexOf(slot);
    if (i >= 0) this.projects.splice(i, 1);
  }

  /** The innermost project whose folder holds the path. */
  projectOf(p: string): ProjectSlot | undefined {
    return this.projects.filter((x) => x.host.contains(p)).sort((a, b) => b.host.root.length - a.host.root.length)[0];
  }

  /**
   * Orphan documents (outside every workspace folder) get a project of their own folder: its files when the
   * folder is small, else just the open documents (a loose file in the home folder must not walk the machine).
   */
  ensureProject(p: string) {
    if (!this.projectOf(p)) this.addFolder(path.posix.dirname(p), true);
  }

  allFiles(): string[] {
    return this.projects.flatMap(({ host }) => host.listFiles());
  }

  /** Tells the router which manifests are loaded and which manifest covers a policy file. */
  publishSnapshot(snapshot: AssistSnapshot) {
    if (this.routed) void this.connection.sendNotification(SNAPSHOT_METHOD, snapshot);
  }

  /** Keeps the manifest a file loads to, if it loads (called when the manifest has been checked). */
  rememberLoadedManifest(file: string): Manifest | undefined {
    const loaded = this.projectOf(file)?.project.manifest(file)?.manifest;
    if (loaded && this.lastLoaded.get(file) !== loaded) {
      this.lastLoaded.set(file, loaded);
      this.publishSnapshot({ manifests: [[file, loaded]] });
    }
    return loaded ?? this.lastLoaded.get(file);
  }

  forgetLoadedManifest(file: string) {
    this.lastLoaded.delete(file);
  }

  /** An open policy file and the manifest that covers it; else, in a plain Cedar project, its Cedar schema (types resolved). */
  policyContext(uri: string): { doc: TextDocument; manifest: Manifest | undefined; schema?: SchemaJson } | undefined {
    const doc = this.documents.get(uri);
    const p = uriToPath(uri);
    if (!doc || !p || !isPolicyFile(p)) return undefined;
    const { manifest, schema } = this.publishCoverage(p);
    return { doc, manifest: manifest?.manifest, schema };
  }

  /** The last plain schema sent to the router per policy file (sent again only when it changes). */
  private readonly sentSchemas = new Map<string, SchemaJson | null>();

  /**
   * Tells the router which manifest covers a policy file, or, when none does, the plain Cedar schema that applies to it
   * (so that it can complete and hover from it when the worker is busy); returns them.
   */
  publishCoverage(p: string): { manifest?: ManifestEntry; schema?: SchemaJson } {
    const project = this.projectOf(p)?.project;
    const manifest = project?.coveringManifest(p);
    let schema: SchemaJson | undefined;
    if (!manifest && project) {
      const plain = project.plainSchemaFor(p);
      schema = 'file' in plain ? plain.schema?.resolved : undefined;
    }
    const snapshot: AssistSnapshot = { coverage: [[p, manifest?.file ?? null]] };
    if (!manifest && this.sentSchemas.get(p) !== (schema ?? null)) {
      this.sentSchemas.set(p, schema ?? null);
      snapshot.schemas = [[p, schema ?? null]];
    }
    this.publishSnapshot(snapshot);
    return { manifest, schema };
  }

  /** The manifest a file belongs to (itself, the one covering a policy, the one importing a tool list), else the workspace's first. */
  manifestFor(uri: string | undefined): { pr: ProjectSlot; entry: ManifestEntry } | undefined {
    const p = uri ? uriToPath(uri) : undefined;
    for (const pr of p ? [this.projectOf(p)].filter((x) => x !== undefined) : this.projects) {
      let entry: ManifestEntry | undefined;
      if (p && isManifestFile(p)) entry = pr.project.manifest(p);
      else if (p && isPolicyFile(p)) entry = pr.project.coveringManifest(p);
      else if (p && isToolListFile(p)) entry = pr.project.allManifests().find((m) => m.imports.has(p));
      entry ??= pr.project.allManifests()[0];
      if (entry) return { pr, entry };
    }
    return undefined;
  }

  lineIndexOf(file: string, text: string): LineIndex {
    let ix = this.lineIndexes.get(file);
    if (!ix || ix.text !== text) {
      ix = new LineIndex(text);
      this.lineIndexes.set(file, ix);
    }
    return ix;
  }
}
