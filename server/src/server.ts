/**
 * The analysis worker of the language server (started by the router, main.ts; it also runs directly over stdio or
 * IPC). It owns the projects and the engine; each LSP capability lives in its own module under `lsp/features/`, all
 * registered from `lsp/features/index.ts`.
 */
import './node/v8guard';
import { parentPort } from 'node:worker_threads';
import {
  createConnection,
  PortMessageReader,
  PortMessageWriter,
  ProposedFeatures,
  TextDocuments,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FEATURES, type FeatureContext } from './lsp/features';
import { fullCollection, IdleCollector } from './node/idleCollector';
import { Navigation } from './lsp/navigation';
import { Scheduler } from './lsp/scheduler';
import { uriToPath } from './lsp/uris';
import { WorkerState } from './lsp/workspace';

// In the analysis worker the connection is the worker's port, watched by the idle collector; run directly, stdio or IPC.
let scheduler: Scheduler | undefined;
const collector = parentPort ? new IdleCollector(fullCollection(), () => scheduler?.busy ?? false) : undefined;
const port = parentPort && collector?.watch(new PortMessageReader(parentPort), new PortMessageWriter(parentPort));
const connection = port ? createConnection(ProposedFeatures.all, port.reader, port.writer) : createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const state = new WorkerState(connection, documents, !!parentPort);
scheduler = new Scheduler(state);
scheduler.onQuiet = () => collector?.touch();
const ctx: FeatureContext = { state, scheduler, navigation: new Navigation(state) };

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  for (const uri of folders) {
    const root = uriToPath(uri);
    if (root) state.addFolder(root);
  }
  state.client.pullConfiguration = !!params.capabilities.workspace?.configuration;
  state.client.refreshCodeLens = !!params.capabilities.workspace?.codeLens?.refreshSupport;
  state.client.refreshInlayHints = !!params.capabilities.workspace?.inlayHint?.refreshSupport;
  const capabilities: ServerCapabilities = {};
  for (const f of FEATURES) Object.assign(capabilities, f.capabilities?.(params));
  return { capabilities, serverInfo: { name: 'agent-policy-server' } };
});

connection.onInitialized(async () => {
  for (const f of FEATURES) await f.initialized?.(ctx);
});

for (const f of FEATURES) f.register(ctx);
documents.listen(connection);
connection.listen();
