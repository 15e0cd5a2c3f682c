// Helpers for extension-host integration tests (they run inside VS Code with the full `vscode` API).
// Later suites (quick fixes, code lenses, simulation) reuse these: wait on conditions, never sleep.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AgentPolicyApi } from '../../../client/src/extension';
import type { AccessResult } from '../../../server/src/protocol';
import { DIFF_MANIFEST, makeDiffRepo, type DiffTag } from '../../helpers/gitFixture';
import { derivePlainFix, parsePlainRange, readMistakesFile, type MistakeRow, type PlainRange, type Severity } from '../support/mistakes';

export type { Severity };

export const EXTENSION_ID = 'agent-policy-studio.agent-policy-studio';
export const SOURCE = 'agent-policy';
export const SCHEMA_SCHEME = 'agent-policy-schema';
/** The files the language server analyses (as the client's watcher sees them). */
export const ANALYSED_GLOB = '**/{*.cedar,*.cedarschema,*.cedarschema.json,cedarschema.json,*.agents.yaml,*.agents.yml,*.agents.json,agents.yaml,agents.yml,agents.json,*.tools.json}';
export const DEFAULT_TIMEOUT_MS = 20_000;

// ---------------------------------------------------------------- workspace and extension

/** The root of the opened workspace: a scratch copy of examples/ made by the harness. */
export function workspaceRoot(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('no workspace folder is open: the harness must open a copy of examples/');
  return f.uri;
}

export function exampleUri(relPath: string): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...relPath.split('/'));
}

export function relPath(uri: vscode.Uri): string {
  return path.relative(workspaceRoot().fsPath, uri.fsPath).split(path.sep).join('/');
}

/** Activates the extension (if VS Code has not yet) and returns its API. */
export async function activateExtension(): Promise<AgentPolicyApi> {
  const ext = vscode.extensions.getExtension<AgentPolicyApi>(EXTENSION_ID);
  if (!ext) {
    const ids = vscode.extensions.all.filter((e) => !e.id.startsWith('vscode.')).map((e) => e.id);
    throw new Error(`extension ${EXTENSION_ID} is not installed (non-builtin extensions: ${ids.join(', ') || 'none'})`);
  }
  const api = ext.isActive ? ext.exports : await ext.activate();
  // VS Code marks an extension active even when its activate() threw; the API object is missing then.
  if (!api || typeof api.client !== 'function' || typeof api.status !== 'function') {
    throw new Error(`${EXTENSION_ID} is active but returned no API ({ client(), status() }): its activate() failed (see the extension host log)`);
  }
  return api;
}

/** Opens a file of the workspace in an editor (relative path, `/`-separated) and returns the editor. */
export async function openExample(rel: string, options: vscode.TextDocumentShowOptions = {}): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(exampleUri(rel));
  return vscode.window.showTextDocument(doc, { preview: false, ...options });
}

/** Discards unsaved edits of `doc` (shows it and runs File: Revert). */
export async function revert(doc: vscode.TextDocument): Promise<void> {
  if (!doc.isDirty) return;
  await vscode.window.showTextDocument(doc, { preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  await waitFor(() => !doc.isDirty, { timeoutMs: 5000, message: () => `could not revert ${relPath(doc.uri)}` });
}

/** Discards every unsaved edit and closes all editors. */
export async function resetEditors(): Promise<void> {
  for (const doc of vscode.workspace.textDocuments) if (doc.isDirty && doc.uri.scheme === 'file') await revert(doc);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

// ---------------------------------------------------------------- waiting

export interface WaitOptions {
  timeoutMs?: number;
  /** Why we waited, for the failure message (called at timeout, so it can describe the last state). */
  message?: () => string;
  /** Events that may change the answer (checked on each, besides a 50 ms poll). */
  events?: vscode.Event<unknown>[];
}

/** Waits until `check` returns a truthy value (and returns it), or fails with a message saying what was awaited. */
export async function waitFor<T>(check: () => T | undefined | null | false | Promise<T | undefined | null | false>, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const disposables: vscode.Disposable[] = [];
  try {
    return await new Promise<T>((resolve, reject) => {
      let busy = false;
      let again = false;
      const attempt = async () => {
        if (busy) return void (again = true);
        busy = true;
        try {
          do {
            again = false;
            const v = await check();
            if (v) return resolve(v);
          } while (again);
          if (Date.now() - started > timeoutMs) {
            reject(new Error(`timed out after ${timeoutMs} ms: ${opts.message?.() ?? 'condition not met'}`));
          }
        } catch (e) {
          reject(e);
        } finally {
          busy = false;
        }
      };
      for (const ev of opts.events ?? []) disposables.push(ev(() => void attempt()));
      const timer = setInterval(() => void attempt(), 50);
      disposables.push({ dispose: () => clearInterval(timer) });
      void attempt();
    });
  } finally {
    for (const d of disposables) d.dispose();
  }
}

// ---------------------------------------------------------------- diagnostics

const SEVERITY_NAMES: Record<vscode.DiagnosticSeverity, Severity> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'info',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};
export const severityName = (s: vscode.DiagnosticSeverity): Severity => SEVERITY_NAMES[s];
const atLeastWarning = (d: vscode.Diagnostic) => d.severity <= vscode.DiagnosticSeverity.Warning;

/** The rule id of a diagnostic (VS Code turns LSP `code` + `codeDescription` into `{ value, target }`). */
export function codeOf(d: vscode.Diagnostic): string | undefined {
  const c = d.code;
  if (c === undefined) return undefined;
  return typeof c === 'object' ? String(c.value) : String(c);
}

/** The extension's diagnostics of one file, or of the whole workspace. */
export function agentDiagnostics(uri: vscode.Uri): vscode.Diagnostic[];
export function agentDiagnostics(): [vscode.Uri, vscode.Diagnostic[]][];
export function agentDiagnostics(uri?: vscode.Uri) {
  if (uri) return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
  return vscode.languages
    .getDiagnostics()
    .map(([u, ds]) => [u, ds.filter((d) => d.source === SOURCE)] as [vscode.Uri, vscode.Diagnostic[]])
    .filter(([, ds]) => ds.length > 0);
}

/** Waits until the extension's diagnostics of `uri` satisfy `predicate`; returns them. */
export async function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (diagnostics: vscode.Diagnostic[]) => boolean,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  what = 'the expected diagnostics',
): Promise<vscode.Diagnostic[]> {
  let last: vscode.Diagnostic[] = [];
  return waitFor(
    () => {
      last = agentDiagnostics(uri);
      return predicate(last) ? last : undefined;
    },
    {
      timeoutMs,
      events: [vscode.languages.onDidChangeDiagnostics],
      message: () => `${what} in ${relPath(uri)}; it has:\n${last.map((d) => '  ' + describeDiagnostic(d)).join('\n') || '  (no diagnostics)'}`,
    },
  );
}

export function formatRange(r: vscode.Range): string {
  return `${r.start.line + 1}:${r.start.character + 1}-${r.end.line + 1}:${r.end.character + 1}`;
}

export function describeDiagnostic(d: vscode.Diagnostic): string {
  return `${formatRange(d.range)} ${severityName(d.severity)} ${codeOf(d)}: ${d.message.split('\n')[0]}`;
}

// ---------------------------------------------------------------- the "Deliberate mistakes" table

export interface Mistake extends Omit<MistakeRow, 'range'> {
  range: vscode.Range;
}

const toRange = (r: PlainRange) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

/** Parses `line:col-line:col` (1-based, UTF-16 columns) into a 0-based range. */
export const parseRange = (text: string): vscode.Range => toRange(parsePlainRange(text));

/**
 * Reads the "Deliberate mistakes" table of the workspace's README.md (the single source of truth of the
 * warning-and-above diagnostics the examples produce).
 */
export function readMistakesTable(readme = path.join(workspaceRoot().fsPath, 'README.md')): Mistake[] {
  return readMistakesFile(readme).map((r) => ({ ...r, range: toRange(r.range) }));
}

const keyOf = (file: string, range: vscode.Range, severity: Severity, code: string | undefined) =>
  `${file} ${formatRange(range)} ${severity} ${code}`;

/**
 * Compares the extension's diagnostics of the whole workspace with the table: the warning-and-above ones must be
 * exactly the table's warning-and-above rows; the table's info/hint rows must be there (other info may exist).
 * Returns undefined when they agree, else a description of the differences.
 */
export function diffWithTable(rows: Mistake[]): string | undefined {
  const serious = (s: Severity) => s === 'error' || s === 'warning';
  const expected = rows.filter((r) => serious(r.severity)).map((r) => keyOf(r.file, r.range, r.severity, r.code));
  const actual: string[] = [];
  // The workspace's files only: suites that open a loose file outside it (the git fixture of the Compare suites) leave
  // its diagnostics behind until VS Code disposes the document (it sends didClose then, minutes after the editor closed).
  const all = agentDiagnostics().filter(([uri]) => vscode.workspace.getWorkspaceFolder(uri) !== undefined);
  for (const [uri, ds] of all) {
    for (const d of ds.filter(atLeastWarning)) actual.push(keyOf(relPath(uri), d.range, severityName(d.severity), codeOf(d)) + ` — ${d.message.split('\n')[0]}`);
  }
  const missing = [...expected];
  const unexpected: string[] = [];
  for (const a of actual) {
    const i = missing.findIndex((e) => a.startsWith(e + ' — '));
    if (i >= 0) missing.splice(i, 1);
    else unexpected.push(a);
  }
  for (const r of rows.filter((x) => !serious(x.severity))) {
    const ds = all.find(([u]) => relPath(u) === r.file)?.[1] ?? [];
    if (!ds.some((d) => matchesRow(d, r))) missing.push(keyOf(r.file, r.range, r.severity, r.code));
  }
  if (!missing.length && !unexpected.length) return undefined;
  return [
    ...missing.map((m) => `  missing:    ${m}`),
    ...unexpected.map((u) => `  unexpected: ${u}`),
  ].join('\n');
}

/** Waits until the workspace's diagnostics agree with the table (see diffWithTable). */
export async function waitForTableState(rows: Mistake[], timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
  let diff: string | undefined;
  await waitFor(() => (diff = diffWithTable(rows)) === undefined, {
    timeoutMs,
    events: [vscode.languages.onDidChangeDiagnostics],
    message: () => `the diagnostics to match the README's "Deliberate mistakes" table:\n${diff}`,
  });
}

/** True when `d` is the diagnostic a table row documents. */
export function matchesRow(d: vscode.Diagnostic, row: Mistake): boolean {
  return d.range.isEqual(row.range) && codeOf(d) === row.code && severityName(d.severity) === row.severity;
}

// ---------------------------------------------------------------- edits

/** Replaces `range` of `doc` as typing would (the document becomes dirty; the server re-checks it). */
export async function replace(doc: vscode.TextDocument, range: vscode.Range, text: string): Promise<void> {
  const edit = new vscode.WorkspaceEdit();
  edit.replace(doc.uri, range, text);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not edit ${relPath(doc.uri)} at ${formatRange(range)}`);
}

export interface Fix {
  range: vscode.Range;
  newText: string;
  /** e.g. "amout → amount" */
  title: string;
}

/** The edit a person would make to fix a row's mistake, from its "mistake" text (see derivePlainFix). */
export function fixFromMistakeText(doc: vscode.TextDocument, row: Mistake): Fix | undefined {
  const f = derivePlainFix(doc.getText(row.range), row.mistake);
  if (!f) return undefined;
  const base = doc.offsetAt(row.range.start) + f.offsetInRange;
  return { range: new vscode.Range(doc.positionAt(base), doc.positionAt(base + f.length)), newText: f.newText, title: `${f.wrong} → ${f.newText}` };
}

/** Throws with `message` unless `cond`; for use inside the suites without an assertion library. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/**
 * Mocha hooks for a suite that edits the examples: start once the extension shows the documented state,
 * and after each test undo the edits and wait for that state again.
 */
export function startEachTestFromDocumentedState(rows: Mistake[]): void {
  before(async () => {
    await activateExtension();
    await waitForTableState(rows, 30_000);
  });
  afterEach(async () => {
    await resetEditors();
    await waitForTableState(rows);
  });
}

/**
 * The git fixture (test/helpers/gitFixture.ts) checked out at `tag`, outside the workspace: its manifest opened as a
 * loose file, once the server knows it (it makes a project for a loose file when it is opened). `repo.cleanup()`
 * removes it.
 */
export async function openDiffFixture(tag: DiffTag = 'widen'): Promise<{ repo: ReturnType<typeof makeDiffRepo>; manifest: vscode.Uri }> {
  const repo = makeDiffRepo(tag);
  const manifest = vscode.Uri.file(path.join(repo.dir, DIFF_MANIFEST));
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(manifest), { preview: false });
  const client = (await activateExtension()).client();
  check(client, 'no language client');
  let last: AccessResult | undefined;
  await waitFor(async () => {
    last = await client.sendRequest<AccessResult>('agentPolicy/access', { uri: manifest.toString() });
    return !last.error && last.manifestUri === manifest.toString() && last.cells.length > 0;
  }, { timeoutMs: 30_000, message: () => `agentPolicy/access to answer for ${manifest.fsPath}; last answer: ${last?.error ?? last?.manifestUri}` });
  return { repo, manifest };
}
