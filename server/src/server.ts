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
import { Scheduler } from './lsp/scheduler';
import { uriToPath } from './lsp/uris';
import { WorkerState } from './lsp/workspace';

// In the analysis worker the connection is the worker's port; run directly, stdio or IPC.
const connection = parentPort
  ? createConnection(ProposedFeatures.all, new PortMessageReader(parentPort), new PortMessageWriter(parentPort))
  : createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const state = new WorkerState(connection, documents, !!parentPort);
const ctx: FeatureContext = { state, scheduler: new Scheduler(state) };

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
  for (const uri of folders) {
    const root = uriToPath(uri);
    if (root) state.addFolder(root);
  }
  state.client.pullConfiguration = !!params.capabilities.workspace?.configuration;
  state.client.refreshCodeLens = !!params.capabilities.workspace?.codeLens?.refreshSupport;
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
