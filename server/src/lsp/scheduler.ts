/**
 * Diagnostics in the background: debounced, per file, several files at a time in round-robin (so a small file is not
 * stuck behind a 5 MB one), cancellable (a newer edit abandons a check in flight) and never publishing results for a
 * document version that is no longer current.
 */
import { CodeLensRefreshRequest, DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import type { FileReport, Project } from '../core/project';
import { isManifestFile, isPolicyFile, isToolListFile } from '../core/manifest/model';
import { ruleDocsUrl } from '../core/rules';
import type { CoreDiagnostic } from '../core/types';
import { Methods, type StatusParams } from '../protocol';
import { pathToUri } from './uris';
import type { WorkerState } from './workspace';
import { accessSummaries } from './features/access';

export const DEBOUNCE_MS = 200;

const SEVERITY: Record<CoreDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspDiagnostic(d: CoreDiagnostic, docsBase: string): Diagnostic {
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

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export class Scheduler {
  private pending: string[] = [];
  private queued = new Set<string>();
  /** Files whose next check skips the lint (typed into with lint.run = onSave). */
  private noLint = new Set<string>();
  private active = new Map<string, { gen: number; version: number | undefined; lint: boolean; steps: Generator<void, FileReport> }>();
  /**
   * Manifests whose access map (and the findings of the access rules) must be brought up to date. The map is engine
   * work over every agent x tool: it runs when no diagnostics are waiting, in steps, and the files whose findings it
   * changed are checked again (cheaply: everything else is cached).
   */
  private accessPending = new Set<string>();
  private accessJob: { manifest: string; project: Project; steps: Generator<void, unknown> } | undefined;
  private running = false;
  private timers = new Map<string, NodeJS.Timeout>();
  /** Bumped whenever a file must be checked again; a check in flight for an older generation is abandoned. */
  private generation = new Map<string, number>();
  private problems = new Map<string, number>();
  /** Files just typed into: while one is being checked, the other checks wait. */
  private urgent = new Set<string>();
  private static readonly PARALLEL = 4;
  /** Bumped by any new work: a warm-up in flight (see warm) stops at its next step. */
  private warmGen = 0;
  /** Warm-ups in progress (a stopped one ends at its next step). */
  private warming = 0;
  /** Called when the scheduler has nothing more to do for now (the checks and the warm-up are over). */
  onQuiet: (() => void) | undefined;

  constructor(private readonly state: WorkerState) {}

  /** True while a check, the access job or the warm-up is in progress. */
  get busy(): boolean {
    return this.running || this.warming > 0 || this.accessJob !== undefined;
  }

  debounce(file: string, lint: boolean) {
    this.warmGen++;
    clearTimeout(this.timers.get(file));
    this.bump(file);
    this.timers.set(
      file,
      setTimeout(() => {
        this.timers.delete(file);
        // The edited file's diagnostics first, alone: its dependents (siblings, the manifest's scenarios) wait for them.
        this.urgent.add(file);
        this.enqueueWithDependents(file, lint);
      }, DEBOUNCE_MS),
    );
  }

  enqueueWithDependents(file: string, lint = true) {
    const pr = this.state.projectOf(file);
    const files = pr ? pr.project.dependentsOf(file) : [file];
    for (const f of files) this.enqueue(f, lint);
  }

  enqueueAll() {
    for (const f of this.state.allFiles()) this.enqueue(f);
  }

  enqueue(file: string, lint = true) {
    this.warmGen++;
    if (lint) this.noLint.delete(file);
    else if (!this.queued.has(file)) this.noLint.add(file);
    this.bump(file);
    if (!this.queued.has(file)) {
      this.queued.add(file);
      // Open documents first: they are what the user is looking at.
      if (this.state.documents.get(pathToUri(file))) this.pending.unshift(file);
      else this.pending.push(file);
    }
    void this.run();
  }

  private bump(file: string) {
    this.generation.set(file, (this.generation.get(file) ?? 0) + 1);
  }

  clear(file: string) {
    this.problems.delete(file);
    void this.state.connection.sendDiagnostics({ uri: pathToUri(file), diagnostics: [] });
  }

  /** Stops checking a file (its project is gone) and clears its diagnostics: nothing queued or running publishes it again. */
  forget(file: string) {
    const t = this.timers.get(file);
    if (t) clearTimeout(t);
    this.timers.delete(file);
    this.queued.delete(file);
    this.pending = this.pending.filter((f) => f !== file);
    this.active.delete(file);
    this.accessPending.delete(file);
    this.clear(file);
  }

  private async run() {
    if (this.running) return;
    this.running = true;
    this.status('checking');
    const { connection, documents } = this.state;
    try {
      while (this.pending.length || this.active.size || this.accessPending.size || this.accessJob) {
        if (!this.pending.length && !this.active.size) {
          this.stepAccess();
          await yieldToEventLoop();
          continue;
        }
        // A file just typed into starts at once, even when as many checks as run at a time are under way.
        while (this.pending.length && (this.active.size < Scheduler.PARALLEL || this.urgent.has(this.pending[0]!))) this.start(this.pending.shift()!);
        const jobs = [...this.active];
        const first = jobs.filter(([file]) => this.urgent.has(file));
        for (const [file, job] of first.length ? first : jobs) {
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
          this.urgent.delete(file);
          const now = documents.get(pathToUri(file));
          if (now?.version !== job.version) continue; // never publish for a stale version
          this.problems.set(file, r.value.diagnostics.length);
          await connection.sendDiagnostics({ uri: pathToUri(file), version: job.version, diagnostics: r.value.diagnostics.map((d) => toLspDiagnostic(d, this.state.docsBase)) });
          if (job.lint) this.markAccess(file);
          if (isPolicyFile(file)) this.state.publishCoverage(file);
          if (isManifestFile(file)) {
            this.state.rememberLoadedManifest(file);
            if (this.state.client.refreshCodeLens) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
          }
        }
        await yieldToEventLoop();
      }
    } finally {
      this.running = false;
      this.status('idle');
    }
    void this.warm();
  }

  /**
   * Once every file's diagnostics are out: the simulation groups the last changes touched are preparsed, one engine
   * call per event-loop turn, so that the next simulation (a scenario lens, the panel, a pipeline of calls) does not
   * pay for them. Any new work stops it; it starts over, from what is still missing, when the checks are done.
   */
  private async warm() {
    const gen = ++this.warmGen;
    this.warming++;
    try {
      await this.warmProjects(gen);
    } finally {
      this.warming--;
      if (!this.busy) this.onQuiet?.();
    }
  }

  private async warmProjects(gen: number) {
    for (const pr of this.state.projects) {
      for (const entry of pr.project.allManifests()) {
        const steps = pr.project.warmSimulationSteps(entry);
        for (;;) {
          await yieldToEventLoop();
          if (gen !== this.warmGen || this.running) return;
          try {
            if (steps.next().done) break;
          } catch (err) {
            this.state.connection.console.error(`preparing simulations for ${entry.file} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
            break;
          }
        }
      }
    }
  }

  private start(file: string) {
    this.queued.delete(file);
    const pr = this.state.projectOf(file);
    if (!pr) return;
    // A missing file has nothing to say; a refused one (too large, say) is checked to say so.
    if ('missing' in pr.host.read(file)) return this.clear(file);
    const lint = !this.noLint.has(file);
    this.noLint.delete(file);
    // The access rules read the map only when it is up to date: computing it is the access job's, after the diagnostics.
    this.active.set(file, { gen: this.generation.get(file)!, version: this.state.documents.get(pathToUri(file))?.version, lint, steps: pr.project.checkSteps(file, { lint, access: 'cached' }) });
  }

  /** The manifests whose access map a checked file takes part in. */
  private markAccess(file: string) {
    const project = this.state.projectOf(file)?.project;
    if (!project) return;
    const manifests = isManifestFile(file) ? [file] : isPolicyFile(file) ? [project.coveringManifest(file)?.file] : isToolListFile(file) ? project.importersOf(file).map((m) => m.file) : [];
    for (const m of manifests) if (m) this.accessPending.add(m);
  }

  /** One step of the access job (starting the next one when none runs); when it ends, re-checks what it changed. */
  private stepAccess() {
    if (!this.accessJob) {
      const [manifest] = this.accessPending;
      if (manifest === undefined) return;
      this.accessPending.delete(manifest);
      const project = this.state.projectOf(manifest)?.project;
      const entry = project?.manifest(manifest);
      if (!project || !entry) return;
      this.accessJob = { manifest, project, steps: project.accessFindingsSteps(entry) };
    }
    const job = this.accessJob;
    let done = false;
    try {
      done = !!job.steps.next().done;
    } catch (err) {
      done = true;
      this.state.connection.console.error(`the access map of ${job.manifest} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    if (!done) return;
    this.accessJob = undefined;
    const entry = job.project.manifest(job.manifest);
    const map = entry && job.project.cachedAccessMap(entry);
    if (map) this.state.publishSnapshot({ access: [[job.manifest, accessSummaries(map)]] });
    for (const f of job.project.takeAccessChanges()) this.enqueue(f);
  }

  private status(state: StatusParams['state']) {
    let problems = 0;
    for (const n of this.problems.values()) problems += n;
    void this.state.connection.sendNotification(Methods.status, { state, problems } satisfies StatusParams);
  }
}
