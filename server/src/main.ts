/**
 * The language server's entry point (dist/server.js): a router on the main thread, with all analysis — manifests,
 * Cedar checks, lint, scenarios, simulations — in one worker thread (server.ts, bundled as dist/analysis.js).
 *
 * The router only routes, so that no input can make the editor wait:
 * - every message from the client goes to the worker as is, and every message from the worker to the client;
 * - completion and hover go to the worker too, but when it has not answered within ASSIST_DEADLINE_MS (it is busy
 *   with a large check, a slow manifest, a simulation), the router answers from the open document and the manifest
 *   as the worker last loaded it (the worker sends those as snapshots); quick fixes are answered here, from the
 *   diagnostic that carries them, and so is signature help (it needs only the open text);
 * - every other request (definition, references, rename, symbols, formatting, folding…) goes to the worker as is,
 *   and a `$/cancelRequest` for it too: the worker's handlers run in time slices and stop when cancelled;
 * - a capability the worker registers again after a restart (same method, same options) is not registered twice:
 *   the router answers that registration itself;
 * - if the worker dies, the router starts a new one and gives it the open documents again; the client sees errors
 *   for the requests that were in flight, never a dead server.
 */
import './node/v8guard';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  IPCMessageReader,
  IPCMessageWriter,
  Message,
  PortMessageReader,
  PortMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type CodeActionParams,
  type CompletionParams,
  type HoverParams,
  type Registration,
  type RegistrationParams,
  type SignatureHelpParams,
  type MessageReader,
  type MessageWriter,
  type NotificationMessage,
  type RequestMessage,
  type ResponseMessage,
  type TextDocumentContentChangeEvent,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isManifestFile, isPolicyFile, type Manifest } from './core/manifest/model';
import { builtinSignatureHelp, manifestCompletion, policyCompletion, policyHover, quickFixes } from './lsp/assist';
import { SNAPSHOT_METHOD, type AssistSnapshot } from './lsp/snapshot';
import { agentHoverAt } from './lsp/accessHover';
import { LineIndex } from './core/text';
import type { SchemaJson } from './core/cedar/engine';
import { pathToUri, uriToPath } from './lsp/uris';
import { fullCollection, IdleCollector } from './node/idleCollector';
import { setHeadReader, tokenHead } from './core/cedar/headScope';

// The router answers completion and hover without the engine: it reads a policy's scope from Cedar's tokens
// (core/cedar/headScope.ts); loading the engine here would cost about 40 MB for that one question.
setHeadReader(tokenHead);

/** How long completion and hover wait for the worker before the router answers them itself. */
const ASSIST_DEADLINE_MS = 20;
/** The same, for a file whose covering manifest the router does not know yet (the worker has not checked it). */
const UNKNOWN_FILE_DEADLINE_MS = 3000;
const ASSIST_METHODS = new Set(['textDocument/completion', 'textDocument/hover']);
/** Restarts allowed within a minute before the router gives up on the worker (a crash loop). */
const MAX_RESTARTS_PER_MINUTE = 5;
/** The analysis worker's young generation (see startWorker). */
const WORKER_YOUNG_GENERATION_MB = 16;

type Id = number | string | null;

// Everything the worker might print goes to stderr: stdout may be the protocol stream.
console.log = console.info = (...args: unknown[]) => console.error(...args);

const useIpc = process.argv.includes('--node-ipc');
const clientReader: MessageReader = useIpc ? new IPCMessageReader(process) : new StreamMessageReader(process.stdin);
const clientWriter: MessageWriter = useIpc ? new IPCMessageWriter(process) : new StreamMessageWriter(process.stdout);
/**
 * The router keeps the open documents: each edit of a large file replaces a string of megabytes, which V8 allocates
 * in its old generation. Collected once the messages stop (see node/idleCollector.ts).
 */
const routerCollector = new IdleCollector(fullCollection(), () => false);
const toClient = (m: Message) => void clientWriter.write(m).catch(() => undefined);

// ---- What completion and hover need when the worker is busy ----

const documents = new Map<string, TextDocument>();
const manifests = new Map<string, Manifest>();
const coverage = new Map<string, string | null>();
const accessLines = new Map<string, Map<string, string>>();
/** Policy files no manifest covers → their plain Cedar schema (null: none). */
const plainSchemas = new Map<string, SchemaJson | null>();

function applySnapshot(s: AssistSnapshot) {
  for (const [file, m] of s.manifests ?? []) manifests.set(file, m);
  for (const [file, m] of s.coverage ?? []) coverage.set(file, m);
  for (const [file, lines] of s.access ?? []) accessLines.set(file, new Map(lines));
  for (const [file, schema] of s.schemas ?? []) plainSchemas.set(file, schema);
}

function trackDocuments(n: NotificationMessage) {
  const p = n.params as { textDocument: { uri: string; languageId?: string; version?: number; text?: string }; contentChanges?: TextDocumentContentChangeEvent[] };
  const uri = p?.textDocument?.uri;
  if (typeof uri !== 'string') return;
  if (n.method === 'textDocument/didOpen') documents.set(uri, TextDocument.create(uri, p.textDocument.languageId ?? '', p.textDocument.version ?? 0, p.textDocument.text ?? ''));
  else if (n.method === 'textDocument/didClose') documents.delete(uri);
  else if (n.method === 'textDocument/didChange') {
    const doc = documents.get(uri);
    if (doc && Array.isArray(p.contentChanges)) TextDocument.update(doc, p.contentChanges, p.textDocument.version ?? doc.version + 1);
  }
}

/** Completion or hover from the open document and the manifest as last loaded. Never throws. */
function answerHere(method: string, params: CompletionParams | HoverParams): unknown {
  const empty = method === 'textDocument/hover' ? null : [];
  try {
    const doc = documents.get(params.textDocument.uri);
    const p = uriToPath(params.textDocument.uri);
    if (!doc || !p) return empty;
    if (method === 'textDocument/completion' && isManifestFile(p) && !p.endsWith('.json')) return manifestCompletion(doc, params.position, manifests.get(p));
    if (method === 'textDocument/hover' && isManifestFile(p)) {
      const m = manifests.get(p);
      return m ? agentHoverAt(m, p, doc.offsetAt(params.position), (id) => accessLines.get(p)?.get(id), new LineIndex(doc.getText())) : empty;
    }
    if (!isPolicyFile(p)) return empty;
    const covering = coverage.get(p);
    const manifest = covering ? manifests.get(covering) : undefined;
    const schema = covering === null ? (plainSchemas.get(p) ?? undefined) : undefined;
    return method === 'textDocument/hover' ? policyHover(doc, params.position, manifest, schema) : policyCompletion(doc, params.position, manifest, schema);
  } catch (err) {
    console.error(`agent-policy: ${method} failed: ${err instanceof Error ? err.message : String(err)}`);
    return empty;
  }
}

/** Whether the router knows what it needs to answer for this file (its manifest, or that none covers it). */
function canAnswerHere(m: RequestMessage): boolean {
  const p = uriToPath((m.params as CompletionParams)?.textDocument?.uri ?? '');
  if (!p) return true;
  if (isManifestFile(p)) return manifests.has(p);
  if (!isPolicyFile(p)) return true;
  const covering = coverage.get(p);
  return (covering === null && plainSchemas.has(p)) || (covering !== undefined && covering !== null && manifests.has(covering));
}

// ---- The worker ----

let worker: Worker;
let workerWriter: MessageWriter;
let exiting = false;
const restarts: number[] = [];
let serial = 0;
/** Client requests the worker has not answered yet (method by id): answered with an error if it dies. */
const inflight = new Map<Id, string>();
/** Completion and hover sent to the worker under the router's own ids. */
const assists = new Map<string, { clientId: Id; settle: (fromWorker: ResponseMessage | undefined) => void }>();
const assistByClientId = new Map<Id, string>();
/** The client's initialize request and initialized notification, to replay to a new worker. */
let initialize: RequestMessage | undefined;
let initialized: NotificationMessage | undefined;
const replayIds = new Set<string>();

const toWorker = (m: Message) => void workerWriter.write(m).catch(() => undefined);

function startWorker() {
  // A young generation of 16 MB instead of V8's default 48: the worker's garbage is collected once it is quiet
  // (node/idleCollector.ts), and at 10,000 policies this keeps about 20 MB less resident at the same keystroke
  // latency. 8 MB saved 20 MB more in one measurement and nothing in the bench (runs vary by ±20 MB).
  worker = new Worker(path.join(__dirname, 'analysis.js'), { stdout: true, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
  worker.stdout.pipe(process.stderr);
  const reader = new PortMessageReader(worker);
  workerWriter = new PortMessageWriter(worker);
  reader.listen(fromWorker);
  worker.on('error', (err) => console.error(`agent-policy: the analysis worker failed: ${err.stack ?? err.message}`));
  worker.on('exit', (code) => {
    reader.dispose();
    if (exiting) process.exit(0);
    restart(code);
  });
}

function restart(code: number) {
  const now = Date.now();
  restarts.push(now);
  while (restarts.length && now - restarts[0]! > 60_000) restarts.shift();
  for (const [id, method] of inflight) toClient({ jsonrpc: '2.0', id, error: { code: -32603, message: `${method} failed: the analysis worker stopped (exit ${code}) and is restarting` } } as ResponseMessage);
  inflight.clear();
  for (const a of [...assists.values()]) a.settle(undefined);
  if (restarts.length > MAX_RESTARTS_PER_MINUTE) {
    console.error(`agent-policy: the analysis worker stopped ${restarts.length} times within a minute; not restarting it (completion and hover still answer)`);
    workerWriter = { write: async () => undefined } as unknown as MessageWriter;
    return;
  }
  console.error(`agent-policy: the analysis worker stopped (exit ${code}); starting a new one`);
  startWorker();
  if (initialize) {
    const id = `router/replay-${++serial}`;
    replayIds.add(id);
    toWorker({ ...initialize, id } as RequestMessage);
  }
  if (initialized) toWorker(initialized);
  for (const doc of documents.values()) {
    toWorker({ jsonrpc: '2.0', method: 'textDocument/didOpen', params: { textDocument: { uri: doc.uri, languageId: doc.languageId, version: doc.version, text: doc.getText() } } } as NotificationMessage);
  }
}

/** Capabilities the client has registered (method and options), so that a restarted worker does not register them twice. */
const registered = new Set<string>();
const registrationKey = (r: Registration) => `${r.method} ${JSON.stringify(r.registerOptions ?? null)}`;

function fromWorker(m: Message) {
  routerCollector.touch();
  if (Message.isNotification(m) && m.method === SNAPSHOT_METHOD) return applySnapshot(m.params as AssistSnapshot);
  if (Message.isRequest(m) && m.method === 'client/registerCapability') {
    const regs = (m.params as RegistrationParams | undefined)?.registrations ?? [];
    if (regs.length && regs.every((r) => registered.has(registrationKey(r)))) return toWorker({ jsonrpc: '2.0', id: m.id, result: null } as ResponseMessage);
    for (const r of regs) registered.add(registrationKey(r));
  }
  if (Message.isResponse(m) && m.id !== null) {
    const a = typeof m.id === 'string' ? assists.get(m.id) : undefined;
    if (a) return a.settle(m);
    if (typeof m.id === 'string' && replayIds.delete(m.id)) return;
    inflight.delete(m.id);
  }
  toClient(m);
}

function routeAssist(m: RequestMessage) {
  const id = `router/${++serial}`;
  let timer: NodeJS.Timeout | undefined;
  const settle = (fromWorker: ResponseMessage | undefined) => {
    if (!assists.delete(id)) return;
    assistByClientId.delete(m.id);
    clearTimeout(timer);
    const result = fromWorker && !fromWorker.error ? fromWorker.result : answerHere(m.method, m.params as CompletionParams);
    toClient({ jsonrpc: '2.0', id: m.id, result } as ResponseMessage);
  };
  assists.set(id, { clientId: m.id, settle });
  assistByClientId.set(m.id, id);
  toWorker({ ...m, id } as RequestMessage);
  // Until the worker has said which manifest covers the file, the router could only answer without one: wait longer.
  timer = setTimeout(() => {
    toWorker({ jsonrpc: '2.0', method: '$/cancelRequest', params: { id } } as NotificationMessage);
    settle(undefined);
  }, canAnswerHere(m) ? ASSIST_DEADLINE_MS : UNKNOWN_FILE_DEADLINE_MS);
}

function fromClient(m: Message) {
  routerCollector.touch();
  if (Message.isRequest(m)) {
    if (ASSIST_METHODS.has(m.method)) return routeAssist(m);
    if (m.method === 'textDocument/signatureHelp') {
      let result: unknown = null;
      try {
        const p = m.params as SignatureHelpParams;
        const doc = documents.get(p.textDocument.uri);
        if (doc && isPolicyFile(uriToPath(p.textDocument.uri) ?? '')) result = builtinSignatureHelp(doc, p.position);
      } catch (err) {
        console.error(`agent-policy: signature help failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      return toClient({ jsonrpc: '2.0', id: m.id, result } as ResponseMessage);
    }
    if (m.method === 'textDocument/codeAction') {
      let result: unknown = [];
      try {
        result = quickFixes(m.params as CodeActionParams, pathToUri);
      } catch (err) {
        console.error(`agent-policy: code actions failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      return toClient({ jsonrpc: '2.0', id: m.id, result } as ResponseMessage);
    }
    if (m.method === 'initialize') initialize = m;
    inflight.set(m.id, m.method);
  } else if (Message.isNotification(m)) {
    if (m.method.startsWith('textDocument/did')) trackDocuments(m);
    else if (m.method === 'initialized') initialized = m;
    else if (m.method === '$/cancelRequest') {
      const own = assistByClientId.get((m.params as { id: Id }).id);
      if (own) return assists.get(own)?.settle(undefined);
    } else if (m.method === 'exit') {
      exiting = true;
      toWorker(m);
      setTimeout(() => process.exit(0), 2000).unref();
      return;
    }
  }
  toWorker(m);
}

startWorker();
clientReader.listen(fromClient);
clientReader.onClose(() => process.exit(0));
if (useIpc) process.on('disconnect', () => process.exit(0));
