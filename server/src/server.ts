import './node/v8guard';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import {
  createConnection,
  PortMessageReader,
  PortMessageWriter,
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  CodeLensRefreshRequest,
  type CodeLens,
  type CompletionItem,
  type Hover,
  FileChangeType,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { Project, type FileReport } from './core/project';
import { isManifestFile, isPolicyFile, isToolListFile } from './core/manifest/model';
import { ruleDocsUrl, DOCS_BASE_URL } from './core/rules';
import type { CoreDiagnostic } from './core/types';
import { ServerHost } from './node/serverHost';
import { isRelevantFile } from './node/fsHost';
import {
  Methods,
  type ScenarioEditParams,
  type ScenarioEditResult,
  type SchemaParams,
  type SchemaResult,
  type SimulateParams,
  type SimulateResponse,
  type SimulationTargetsResult,
  type StatusParams,
} from './protocol';
import { simulate, type PolicyRef, type SimulationResult } from './core/simulate';
import { judgeScenario } from './core/scenarios';
import { sampleValue } from './core/sampleValues';
import { appendScenarioEdit, placeholderNote } from './core/scenarioEdit';
import { LineIndex } from './core/text';
import { manifestCompletion, policyCompletion, policyHover, quickFixes } from './lsp/assist';
import { SNAPSHOT_METHOD, type AssistSnapshot } from './lsp/snapshot';
import { pathToUri, uriToPath } from './lsp/uris';
import type { Manifest } from './core/manifest/model';
import type { ManifestEntry } from './core/project';
import type { RulesSetting } from './core/configFile';

// In the analysis worker (started by main.ts) the connection is the worker's port; run directly, stdio or IPC.
const connection = parentPort
  ? createConnection(ProposedFeatures.all, new PortMessageReader(parentPort), new PortMessageWriter(parentPort))
  : createConnection(ProposedFeatures.all);

/** Tells the router (main.ts) which manifests are loaded and which manifest covers a policy file. */
function publishSnapshot(snapshot: AssistSnapshot) {
  if (parentPort) void connection.sendNotification(SNAPSHOT_METHOD, snapshot);
}
const documents = new TextDocuments(TextDocument);

interface Settings {
  validateOnType: boolean;
  /** `onType`: lint as you type; `onSave`: typing runs the engine checks only, and a save lints the whole workspace. */
  lintRun: 'onType' | 'onSave';
  rules: RulesSetting | undefined;
}
let settings: Settings = { validateOnType: true, lintRun: 'onType', rules: undefined };
let canPullConfiguration = false;
let canRefreshCodeLens = false;

/** One project per workspace folder. */
const projects: { host: ServerHost; project: Project }[] = [];

/** Rule pages shipped with the extension open offline; otherwise link to the public pages. */
const localDocs = path.join(__dirname, '..', 'docs', 'rules');
const docsBase = fs.existsSync(localDocs) ? pathToFileURL(localDocs).href + '/' : DOCS_BASE_URL;

function projectOf(p: string) {
  return projects.filter((x) => x.host.contains(p)).sort((a, b) => b.host.root.length - a.host.root.length)[0];
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  for (const uri of folders) {
    const root = uriToPath(uri);
    if (root) {
      const host = new ServerHost(root);
      projects.push({ host, project: new Project(host) });
    }
  }
  canPullConfiguration = !!params.capabilities.workspace?.configuration;
  canRefreshCodeLens = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      codeLensProvider: { resolveProvider: false },
      // `.` and `"` in policies; a space after `agent:` or `principal ==`.
      completionProvider: { triggerCharacters: ['.', '"', ' '] },
      hoverProvider: true,
    },
    serverInfo: { name: 'agent-policy-server' },
  };
});

connection.onInitialized(async () => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'agentPolicy' }).catch(() => undefined);
  }
  await loadSettings();
  // Diagnostics for the whole workspace, not only open files: the Problems panel shows every mistake.
  for (const { host } of projects) for (const f of host.listFiles()) scheduler.enqueue(f);
});

async function loadSettings() {
  if (!canPullConfiguration) return;
  try {
    const [s] = (await connection.workspace.getConfiguration([{ section: 'agentPolicy' }])) as [
      { validate?: { onType?: boolean }; lint?: { run?: string }; rules?: RulesSetting } | null,
    ];
    settings = {
      validateOnType: s?.validate?.onType !== false,
      lintRun: s?.lint?.run === 'onSave' ? 'onSave' : 'onType',
      rules: s?.rules && typeof s.rules === 'object' ? s.rules : undefined,
    };
    for (const { project } of projects) project.settingsRules = settings.rules;
  } catch {
    // keep the defaults
  }
}

connection.onDidChangeConfiguration(async () => {
  const before = JSON.stringify(settings);
  await loadSettings();
  if (JSON.stringify(settings) !== before) for (const { host } of projects) for (const f of host.listFiles()) scheduler.enqueue(f);
});

/**
 * Orphan documents (outside every workspace folder) get a project of their own folder: its files when the
 * folder is small, else just the open documents (a loose file in the home folder must not walk the machine).
 */
function ensureProject(p: string) {
  if (projectOf(p)) return;
  const host = new ServerHost(path.posix.dirname(p), true);
  const project = new Project(host);
  project.settingsRules = settings.rules;
  projects.push({ host, project });
}

// ---- Scheduling: debounced, per file, cancellable, never publishing stale results ----

const DEBOUNCE_MS = 200;

/**
 * Checks files in the background: debounced, several at a time in round-robin (so a small file is not stuck
 * behind a 5 MB one), cancellable (a newer edit abandons a check in flight) and never publishing results for
 * a document version that is no longer current.
 */
class Scheduler {
  private pending: string[] = [];
  private queued = new Set<string>();
  /** Files whose next check skips the lint (typed into with lint.run = onSave). */
  private noLint = new Set<string>();
  private active = new Map<string, { gen: number; version: number | undefined; steps: Generator<void, FileReport> }>();
  private running = false;
  private timers = new Map<string, NodeJS.Timeout>();
  /** Bumped whenever a file must be checked again; a check in flight for an older generation is abandoned. */
  private generation = new Map<string, number>();
  private problems = new Map<string, number>();
  private static readonly PARALLEL = 4;

  debounce(file: string, lint: boolean) {
    clearTimeout(this.timers.get(file));
    this.bump(file);
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        this.enqueueWithDependents(file, lint);
      }, DEBOUNCE_MS),
    );
  }

  enqueueWithDependents(file: string, lint = true) {
    const pr = projectOf(file);
    const files = pr ? pr.project.dependentsOf(file) : [file];
    for (const f of files) this.enqueue(f, lint);
  }

  enqueue(file: string, lint = true) {
    if (lint) this.noLint.delete(file);
    else if (!this.queued.has(file)) this.noLint.add(file);
    this.bump(file);
    if (!this.queued.has(file)) {
      this.queued.add(file);
      // Open documents first: they are what the user is looking at.
      if (documents.get(pathToUri(file))) this.pending.unshift(file);
      else this.pending.push(file);
    }
    void this.run();
  }

  private bump(file: string) {
    this.generation.set(file, (this.generation.get(file) ?? 0) + 1);
  }

  clear(file: string) {
    this.problems.delete(file);
    void connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }

  private async run() {
    if (this.running) return;
    this.running = true;
    this.status('checking');
    try {
      while (this.pending.length || this.active.size) {
        while (this.active.size < Scheduler.PARALLEL && this.pending.length) this.start(this.pending.shift()!);
        for (const [file, job] of [...this.active]) {
          if (this.generation.get(file) !== job.gen) {
            this.active.delete(file); // superseded: a newer check is queued
            continue;
          }
          let r: IteratorResult<void, FileReport>;
          try {
            r = job.steps.next();
          } catch (err) {
            this.active.delete(file);
            connection.console.error(`checking ${file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            continue;
          }
          if (!r.done) continue;
          this.active.delete(file);
          const now = documents.get(pathToUri(file));
          if (now?.version !== job.version) continue; // never publish for a stale version
          this.problems.set(file, r.value.diagnostics.length);
          await connection.sendDiagnostics({ uri: pathToUri(file), version: job.version, diagnostics: r.value.diagnostics.map(toLsp) });
          if (isPolicyFile(file)) publishSnapshot({ coverage: [[file, projectOf(file)?.project.coveringManifest(file)?.file ?? null]] });
          if (isManifestFile(file)) {
            rememberLoadedManifest(file);
            if (canRefreshCodeLens) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
          }
        }
        await yieldToEventLoop();
      }
    } finally {
      this.running = false;
      this.status('idle');
    }
  }

  private start(file: string) {
    this.queued.delete(file);
    const pr = projectOf(file);
    if (!pr) return;
    // A missing file has nothing to say; a refused one (too large, say) is checked to say so.
    if ('missing' in pr.host.read(file)) return this.clear(file);
    const lint = !this.noLint.has(file);
    this.noLint.delete(file);
    this.active.set(file, { gen: this.generation.get(file)!, version: documents.get(pathToUri(file))?.version, steps: pr.project.checkSteps(file, { lint }) });
  }

  private status(state: StatusParams['state']) {
    let problems = 0;
    for (const n of this.problems.values()) problems += n;
    void connection.sendNotification(Methods.status, { state, problems } satisfies StatusParams);
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

const scheduler = new Scheduler();

const SEVERITY: Record<CoreDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

function toLsp(d: CoreDiagnostic): Diagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    codeDescription: { href: ruleDocsUrl(d.code, docsBase) },
    source: 'agent-policy',
    message: d.message,
    relatedInformation: d.related?.map((r) => ({ location: { uri: pathToUri(r.file), range: r.range }, message: r.message })),
    data: d.fixes?.length ? { fixes: d.fixes } : undefined,
  };
}

// ---- Documents ----

/** Version each document was opened at: TextDocuments reports an open as a content change too, which must not check twice. */
const openedAt = new Map<string, number>();

documents.onDidOpen((e) => {
  openedAt.set(e.document.uri, e.document.version);
  const p = uriToPath(e.document.uri);
  if (!p || !isRelevantFile(p)) return;
  ensureProject(p);
  projectOf(p)?.host.setOpen(p, e.document.getText());
  scheduler.enqueueWithDependents(p);
});

documents.onDidChangeContent((e) => {
  if (openedAt.get(e.document.uri) === e.document.version) return;
  const p = uriToPath(e.document.uri);
  if (!p || !isRelevantFile(p)) return;
  projectOf(p)?.host.setOpen(p, e.document.getText());
  if (settings.validateOnType) scheduler.debounce(p, settings.lintRun === 'onType');
});

documents.onDidSave((e) => {
  const p = uriToPath(e.document.uri);
  if (!p || !isRelevantFile(p)) return;
  const pr = projectOf(p);
  pr?.host.diskChanged(p, 'changed');
  scheduler.enqueueWithDependents(p);
  // Lint on save: the whole workspace, so that findings that span files (duplicate ids) are current.
  if (settings.lintRun === 'onSave' && pr) for (const f of pr.host.listFiles()) scheduler.enqueue(f);
});

documents.onDidClose((e) => {
  openedAt.delete(e.document.uri);
  const p = uriToPath(e.document.uri);
  if (!p) return;
  lastLoadedManifest.delete(p);
  const pr = projectOf(p);
  if (!pr) return;
  pr.host.setOpen(p, undefined);
  // The disk version is what counts now (an unsaved edit was discarded).
  pr.host.diskChanged(p, 'changed');
  if (pr.host.readFile(p) === undefined) scheduler.clear(p);
  scheduler.enqueueWithDependents(p);
});

connection.onDidChangeWatchedFiles((params) => {
  for (const change of params.changes) {
    const p = uriToPath(change.uri);
    if (!p) continue;
    const pr = projectOf(p);
    if (!pr) continue;
    const kind = change.type === FileChangeType.Created ? 'created' : change.type === FileChangeType.Deleted ? 'deleted' : 'changed';
    if (!isRelevantFile(p)) {
      if (kind !== 'changed' && !path.posix.extname(p)) pr.host.rescan(); // a folder came or went
      continue;
    }
    // Dependents are computed before the change (who imported it) and after (who imports it now).
    const before = pr.project.dependentsOf(p);
    pr.host.diskChanged(p, kind);
    if (kind === 'deleted') scheduler.clear(p);
    for (const f of new Set([...before, ...pr.project.dependentsOf(p)])) scheduler.enqueue(f);
  }
});

// ---- Quick fixes, completion and hover (the router answers them too when this worker is busy: see main.ts) ----

connection.onCodeAction((params) => quickFixes(params, pathToUri));

/** An open policy file and the manifest that covers it. */
function policyContext(uri: string) {
  const doc = documents.get(uri);
  const p = uriToPath(uri);
  if (!doc || !p || !isPolicyFile(p)) return undefined;
  const manifest = projectOf(p)?.project.coveringManifest(p);
  if (manifest) publishSnapshot({ coverage: [[p, manifest.file]] });
  return { doc, manifest: manifest?.manifest };
}

/** The last manifest each open manifest file loaded to: completion goes on while the text being typed does not load. */
const lastLoadedManifest = new Map<string, Manifest>();

/** Keeps the manifest a file loads to, if it loads (called when the manifest has been checked). */
function rememberLoadedManifest(file: string): Manifest | undefined {
  const loaded = projectOf(file)?.project.manifest(file)?.manifest;
  if (loaded && lastLoadedManifest.get(file) !== loaded) {
    lastLoadedManifest.set(file, loaded);
    publishSnapshot({ manifests: [[file, loaded]] });
  }
  return loaded ?? lastLoadedManifest.get(file);
}

connection.onCompletion((params): CompletionItem[] => {
  const p = uriToPath(params.textDocument.uri);
  const doc = documents.get(params.textDocument.uri);
  if (p && doc && isManifestFile(p) && !p.endsWith('.json')) return manifestCompletion(doc, params.position, rememberLoadedManifest(p));
  const ctx = policyContext(params.textDocument.uri);
  return ctx ? policyCompletion(ctx.doc, params.position, ctx.manifest) : [];
});

connection.onHover((params): Hover | null => {
  const ctx = policyContext(params.textDocument.uri);
  return ctx ? policyHover(ctx.doc, params.position, ctx.manifest) : null;
});

// ---- Custom requests ----

connection.onRequest(Methods.schema, (params: SchemaParams): SchemaResult => {
  const found = manifestFor(params.uri);
  if (!found) return { error: 'no agent manifest (*.agents.yaml) found in the workspace' };
  const { entry } = found;
  if (!entry.model) return { manifestUri: pathToUri(entry.file), error: 'the manifest has errors that prevent generating a schema; see the Problems panel' };
  return { manifestUri: pathToUri(entry.file), schema: entry.model.text };
});

// ---- Simulation ----

/** Ranges of policies, from the texts the project already holds. */
function locate(pr: { project: Project }, ref: PolicyRef) {
  const text = pr.project.host.readFile(ref.file) ?? '';
  return { id: ref.id, uri: pathToUri(ref.file), range: lineIndexOf(ref.file, text).range(ref.span), effect: ref.effect };
}

/** The manifest a file belongs to (itself, the one covering a policy, the one importing a tool list), else the workspace's first. */
function manifestFor(uri: string | undefined): { pr: (typeof projects)[number]; entry: ManifestEntry } | undefined {
  const p = uri ? uriToPath(uri) : undefined;
  for (const pr of p ? [projectOf(p)].filter((x) => x !== undefined) : projects) {
    let entry: ManifestEntry | undefined;
    if (p && isManifestFile(p)) entry = pr.project.manifest(p);
    else if (p && isPolicyFile(p)) entry = pr.project.coveringManifest(p);
    else if (p && isToolListFile(p)) entry = pr.project.allManifests().find((m) => m.imports.has(p));
    entry ??= pr.project.allManifests()[0];
    if (entry) return { pr, entry };
  }
  return undefined;
}

/** Line indexes of the texts the server holds, kept while a text is unchanged (a 5 MB file is not re-indexed per request). */
const lineIndexes = new Map<string, LineIndex>();
function lineIndexOf(file: string, text: string): LineIndex {
  let ix = lineIndexes.get(file);
  if (!ix || ix.text !== text) {
    ix = new LineIndex(text);
    lineIndexes.set(file, ix);
  }
  return ix;
}

function toResponse(pr: (typeof projects)[number], entry: ManifestEntry | undefined, r: SimulationResult, input: { agent: string; tool: string; args: unknown; context: unknown; via: string[] }): SimulateResponse {
  return {
    manifestUri: entry ? pathToUri(entry.file) : undefined,
    ...input,
    // What leaves the core is redacted: the call as the simulator shows it, never the raw arguments.
    args: r.call.args,
    context: r.call.context,
    decision: r.decision,
    reason: r.reason,
    determining: r.determining.map((d) => locate(pr, d)),
    errors: r.errors.map((e) => ({ ...locate(pr, e), message: e.message })),
    failOpenRisk: r.failOpenRisk,
    cannotEvaluate: r.cannotEvaluate,
    requestErrors: r.requestErrors,
    notes: r.notes,
    chain: r.chain.map((c) => ({ agent: c.agent, decision: c.decision, reason: c.reason })),
    request: r.request,
  };
}

connection.onRequest(Methods.simulate, (params: SimulateParams): SimulateResponse => {
  const found = manifestFor(params.manifestUri);
  const empty = { agent: params.agent ?? '', tool: params.tool ?? '', args: params.args ?? {}, context: params.context ?? {}, via: params.via ?? [] };
  if (!found) {
    const r = simulate(undefined, { files: [] }, empty);
    return { ...empty, args: r.call.args, context: r.call.context, decision: r.decision, reason: r.reason, determining: [], errors: [], failOpenRisk: false, cannotEvaluate: r.cannotEvaluate, requestErrors: r.requestErrors, notes: [], chain: [] };
  }
  const { pr, entry } = found;
  const scenario = params.scenarioIndex !== undefined ? entry.manifest?.scenarios.find((s) => s.index === params.scenarioIndex) : undefined;
  const input = scenario ? { agent: scenario.agent, tool: scenario.tool, args: scenario.args, context: scenario.context, via: scenario.via } : empty;
  const result = pr.project.simulate(entry.file, input);
  const response = toResponse(pr, entry, result, input);
  if (scenario) {
    const o = judgeScenario(scenario, result);
    response.scenario = { name: scenario.name, expect: scenario.expect, passed: o.passed, summary: o.summary };
  }
  // The decision log: one JSON record per explicit simulation, sensitive arguments redacted (by the core).
  void connection.sendNotification(Methods.decisionLog, {
    time: new Date().toISOString(),
    manifest: path.posix.basename(entry.file),
    agent: input.agent,
    ...(input.via.length ? { via: input.via } : {}),
    tool: input.tool,
    args: result.call.args,
    context: result.call.context,
    decision: result.decision,
    policies: result.determining.map((d) => d.id),
    ...(result.errors.length ? { errored: result.errors.map((e) => e.id) } : {}),
    ...(result.failOpenRisk ? { failOpenRisk: true } : {}),
    ...(result.requestErrors.length ? { requestErrors: result.requestErrors } : {}),
    ...(scenario ? { scenario: scenario.name } : {}),
  });
  return response;
});

connection.onRequest(Methods.simulationTargets, (): SimulationTargetsResult => {
  const manifests = projects.flatMap(({ project }) =>
    project.allManifests().flatMap((e) => {
      const m = e.manifest;
      if (!m) return [];
      return [
        {
          uri: pathToUri(e.file),
          name: path.posix.relative(project.host.root, e.file),
          namespace: m.namespace,
          agents: m.agents.map((a) => ({ id: a.id, description: a.description, roles: a.roles })),
          tools: m.tools.map((t) => ({ name: t.action, title: t.title, description: t.description, server: t.server, readOnly: t.readOnly, destructive: t.destructive, exampleArgs: sampleValue(t.inputSchema) ?? {} })),
          exampleContext: m.context ? (sampleValue(m.context) ?? {}) : {},
        },
      ];
    }),
  );
  return manifests.length ? { manifests } : { manifests, error: 'no agent manifest (*.agents.yaml) found in the workspace' };
});

connection.onRequest(Methods.scenarioEdit, (params: ScenarioEditParams): ScenarioEditResult => {
  const file = uriToPath(params.manifestUri);
  const pr = file ? projectOf(file) : undefined;
  const text = file && pr ? pr.host.readFile(file) : undefined;
  if (!file || !pr || text === undefined) return { error: 'the manifest cannot be read' };
  const e = appendScenarioEdit(file, text, params.scenario, pr.project.manifest(file)?.manifest);
  if (!e) return { error: 'the manifest cannot be edited safely (fix its syntax first)' };
  const ix = lineIndexOf(file, text);
  const note = placeholderNote(e.redacted);
  return { edit: { changes: { [params.manifestUri]: [{ range: ix.range(e.span), newText: e.newText }] } }, ...(note ? { note } : {}) };
});

connection.onCodeLens((params): CodeLens[] => {
  const file = uriToPath(params.textDocument.uri);
  if (!file || !isManifestFile(file)) return [];
  const pr = projectOf(file);
  const entry = pr?.project.manifest(file);
  if (!pr || !entry?.manifest || !entry.model) return [];
  const ix = lineIndexOf(file, pr.host.readFile(file) ?? '');
  const outcomes = pr.project.runScenarios(entry);
  return outcomes.flatMap((o) => {
    const range = ix.range(o.scenario.nameSpan);
    const args = [params.textDocument.uri, o.scenario.index];
    return [
      { range, command: { title: '▶ Simulate', command: 'agentPolicy.simulateScenario', arguments: args } },
      { range, command: { title: o.summary, command: 'agentPolicy.simulateScenario', arguments: args } },
    ];
  });
});

documents.listen(connection);
connection.listen();
