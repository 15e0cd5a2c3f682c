import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  InitializeRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  ExitNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
  DidSaveTextDocumentNotification,
  DidCloseTextDocumentNotification,
  ConfigurationRequest,
  CodeLensRefreshRequest,
  RegistrationRequest,
  type ClientCapabilities,
  type InitializeResult,
  type RegistrationParams,
} from 'vscode-languageserver-protocol/node';
import { REPO } from './memoryHost';
import { makeDiffRepo, type DiffTag } from './gitFixture';

export const SERVER = path.join(REPO, 'dist', 'server.js');

export function uriOf(file: string): string {
  return pathToFileURL(file).href;
}

/** A real LSP client over stdio, talking to the bundled server (dist/server.js). */
export class TestClient {
  readonly conn: ProtocolConnection;
  readonly proc: ChildProcess;
  /** Every publishDiagnostics notification, in arrival order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly notifications: { method: string; params: unknown }[] = [];
  settings: Record<string, unknown> = { validate: { onType: true } };
  /** Every client/registerCapability the server sent. */
  readonly registrations: RegistrationParams[] = [];
  /** How many times the server pulled the settings. */
  configurationRequests = 0;
  /** How many times the server asked to refresh the code lenses (only when `start` declared refreshSupport). */
  codeLensRefreshes = 0;
  stderr = '';
  private waiters: (() => void)[] = [];

  constructor(readonly root: string) {
    this.proc = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout!), new StreamMessageWriter(this.proc.stdin!));
    this.conn.onNotification(PublishDiagnosticsNotification.type, (p) => {
      this.published.push(p);
      this.wake();
    });
    this.conn.onUnhandledNotification((n) => {
      this.notifications.push({ method: n.method, params: n.params });
      this.wake();
    });
    this.conn.onRequest(ConfigurationRequest.type, (p) => {
      this.configurationRequests++;
      this.wake();
      return p.items.map(() => this.settings);
    });
    this.conn.onRequest(CodeLensRefreshRequest.type, () => {
      this.codeLensRefreshes++;
      this.wake();
    });
    this.conn.onRequest(RegistrationRequest.type, (p) => {
      this.registrations.push(p);
      this.wake();
      return undefined;
    });
    this.conn.listen();
  }

  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Starts the server; `textDocument` and `workspace` capabilities are added to the client's few (linkSupport, hierarchical symbols, codeLens refresh…). */
  async start(textDocument: ClientCapabilities['textDocument'] = {}, workspace: ClientCapabilities['workspace'] = {}): Promise<InitializeResult> {
    const result = await this.conn.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: uriOf(this.root),
      workspaceFolders: [{ uri: uriOf(this.root), name: 'ws' }],
      capabilities: { workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, ...workspace }, textDocument: { publishDiagnostics: { versionSupport: true }, ...textDocument } },
    });
    await this.conn.sendNotification(InitializedNotification.type, {});
    return result;
  }

  /** Changes the settings and waits until the server has pulled them. */
  async configure(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    const before = this.configurationRequests;
    await this.conn.sendNotification('workspace/didChangeConfiguration', { settings: {} });
    await this.waitFor('the server to pull its settings', () => this.configurationRequests > before);
    await this.conn.sendRequest('agentPolicy/schema', {}); // a round trip: the answer to the pull has been handled
  }

  /** The latest diagnostics published for a file. */
  latest(file: string): PublishDiagnosticsParams | undefined {
    const uri = uriOf(file);
    for (let i = this.published.length - 1; i >= 0; i--) if (this.published[i]!.uri === uri) return this.published[i];
    return undefined;
  }

  /** Waits (event-driven, with a deadline) until `predicate` holds; returns its value. */
  async waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 15000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\nserver stderr:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for a publish for `file` (after the `since`-th notification) that satisfies `predicate`. */
  waitForPublish(file: string, predicate: (p: PublishDiagnosticsParams) => boolean, since = 0, timeoutMs = 15000): Promise<PublishDiagnosticsParams> {
    const uri = uriOf(file);
    return this.waitFor(`diagnostics for ${path.basename(file)}`, () => this.published.slice(since).reverse().find((p) => p.uri === uri && predicate(p)), timeoutMs);
  }

  open(file: string, text: string, languageId = file.endsWith('.cedar') ? 'cedar' : file.endsWith('.json') ? 'json' : 'yaml', version = 1) {
    return this.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: uriOf(file), languageId, version, text } });
  }

  change(file: string, version: number, text: string) {
    return this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uriOf(file), version }, contentChanges: [{ text }] });
  }

  changeRange(file: string, version: number, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string) {
    return this.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: uriOf(file), version }, contentChanges: [{ range, text }] });
  }

  save(file: string) {
    return this.conn.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri: uriOf(file) } });
  }

  close(file: string) {
    return this.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: uriOf(file) } });
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.conn.sendNotification(ExitNotification.type);
    } catch {
      // the process may be gone already
    }
    this.conn.dispose();
    if (this.proc.exitCode === null) this.proc.kill();
  }
}

/** The server over a fresh git fixture repository (gitFixture.ts) checked out at `checkout`; `stopOnDiffRepo` ends both. */
export async function startOnDiffRepo(checkout: DiffTag): Promise<{ repo: ReturnType<typeof makeDiffRepo>; client: TestClient }> {
  const repo = makeDiffRepo(checkout);
  const client = new TestClient(repo.dir);
  await client.start();
  return { repo, client };
}

export async function stopOnDiffRepo(repo: ReturnType<typeof makeDiffRepo> | undefined, client: TestClient | undefined): Promise<void> {
  await client?.stop();
  repo?.cleanup();
}
