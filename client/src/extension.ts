import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { Methods, type SchemaParams, type SchemaResult, type SimulateParams, type SimulateResponse, type StatusParams } from '../../server/src/protocol';
import { AccessView, ACCESS_VIEW_ID, type AccessViewSnapshot } from './accessView';
import { ComparePanel, type CompareArgs, type CompareSnapshot } from './comparePanel';
import { Simulator } from './simulate';
import { generateScenariosCommand, type GenerateScenariosArgs } from './generateScenarios';
import { McpTools, type ImportToolsArgs } from './mcpTools';
import { CoverageToggle } from './coverageToggle';

export const SCHEMA_SCHEME = 'agent-policy-schema';

/** Files the server analyses: Cedar policies, agent manifests and MCP tool lists. */
const MANIFEST_GLOB = '**/{*.agents.yaml,*.agents.yml,*.agents.json,agents.yaml,agents.yml,agents.json}';
const TOOLS_GLOB = '**/*.tools.json';
const WATCH_GLOB = '**/{*.cedar,*.cedarschema,*.cedarschema.json,cedarschema.json,*.agents.yaml,*.agents.yml,*.agents.json,agents.yaml,agents.yml,agents.json,*.tools.json,.agent-policy.yaml}';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;

/** What the extension exposes to its tests (and to other extensions). */
export interface AgentPolicyApi {
  client(): LanguageClient | undefined;
  status(): StatusParams | undefined;
  /** The simulation the result panel shows, and its HTML (for tests). */
  shownSimulation(): SimulateResponse | undefined;
  simulationHtml(): string | undefined;
  /** Saves the shown simulation as a scenario without asking (for tests; the panel's button asks). */
  saveShownAsScenario(name: string, expect: 'allow' | 'deny'): Promise<boolean>;
  /** What the Agent Access view shows (for tests). */
  accessView(): AccessViewSnapshot;
  /** Delivers a message to the Agent Access view as its webview would (`select`, `filter`, `simulate`…; for tests). */
  accessViewMessage(message: unknown): Promise<void>;
  /** What the "Compare Policies with…" panel shows (for tests). */
  comparison(): CompareSnapshot;
  /** Delivers a message to the comparison panel as its webview would (`openPolicy`, `simulate`, `refresh`; for tests). */
  compareMessage(message: unknown): Promise<void>;
}

export async function activate(context: vscode.ExtensionContext): Promise<AgentPolicyApi> {
  output = vscode.window.createOutputChannel('Agent Policy', { log: true });
  context.subscriptions.push(output);

  const statusItem = vscode.window.createStatusBarItem('agentPolicy.status', vscode.StatusBarAlignment.Left, 10);
  statusItem.name = 'Agent Policy';
  statusItem.command = 'workbench.actions.view.problems';
  statusItem.text = '$(shield) Agent Policy';
  statusItem.tooltip = 'Agent Policy Studio: starting';
  statusItem.show();
  context.subscriptions.push(statusItem);
  let lastStatus: StatusParams | undefined;

  const simulator = new Simulator(() => client);
  context.subscriptions.push(simulator);

  const access = new AccessView(
    () => client,
    (params) => vscode.commands.executeCommand('agentPolicy.simulate', params),
    (uri, range) => simulator.revealPolicy(uri, range, vscode.ViewColumn.One),
  );
  context.subscriptions.push(
    access,
    vscode.window.registerWebviewViewProvider(ACCESS_VIEW_ID, access),
    vscode.commands.registerCommand('agentPolicy.showAccess', (target?: vscode.Uri) => access.show(target ?? vscode.window.activeTextEditor?.document.uri)),
    vscode.commands.registerCommand('agentPolicy.refreshAccess', () => access.onServerChange()),
  );

  const compare = new ComparePanel(
    () => client,
    (params) => vscode.commands.executeCommand('agentPolicy.simulate', params),
    (uri, range, column) => simulator.revealPolicy(uri, range, column),
  );
  context.subscriptions.push(
    compare,
    vscode.commands.registerCommand('agentPolicy.comparePolicies', (args?: CompareArgs) => compare.command(args)),
  );

  const schemas = new SchemaDocuments();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(SCHEMA_SCHEME, schemas));

  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const watcher = vscode.workspace.createFileSystemWatcher(WATCH_GLOB);
  context.subscriptions.push(watcher);
  const coverage = new CoverageToggle(context.workspaceState, () => client);
  context.subscriptions.push(coverage, vscode.commands.registerCommand('agentPolicy.toggleCoverage', () => coverage.toggle()));
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'cedar' },
      { scheme: 'file', language: 'cedarschema' },
      { scheme: 'file', pattern: '**/{cedarschema.json,*.cedarschema.json}' },
      { scheme: 'file', pattern: MANIFEST_GLOB },
      { scheme: 'file', pattern: TOOLS_GLOB },
      { scheme: 'file', pattern: '**/.agent-policy.yaml' },
    ],
    synchronize: { fileEvents: watcher },
    outputChannel: output,
    traceOutputChannel: output,
    middleware: { workspace: coverage.middleware },
  };

  const start = async () => {
    client = new LanguageClient('agentPolicy', 'Agent Policy', serverOptions, clientOptions);
    client.onNotification(Methods.status, (s: StatusParams) => {
      lastStatus = s;
      if (s.state === 'checking') {
        statusItem.text = '$(sync~spin) Agent Policy';
        statusItem.tooltip = 'Agent Policy Studio: checking policies and manifests';
      } else {
        statusItem.text = s.problems === 0 ? '$(shield) Agent Policy' : `$(shield) ${s.problems} problem${s.problems === 1 ? '' : 's'}`;
        statusItem.tooltip = `Agent Policy Studio: ${s.problems === 0 ? 'no problems' : `${s.problems} problem${s.problems === 1 ? '' : 's'}`} — click to open the Problems view`;
      }
      access.onStatus(s);
    });
    client.onNotification(Methods.decisionLog, (record: unknown) => simulator.logDecision(record));
    statusItem.text = '$(sync~spin) Agent Policy';
    await client.start();
    output.info('Agent Policy language server started');
    access.onServerChange();
  };

  context.subscriptions.push(
    vscode.commands.registerCommand('agentPolicy.restartServer', async () => {
      output.info('restarting the language server');
      const old = client;
      client = undefined;
      if (old) await old.stop().catch((e: unknown) => output.warn(`stopping the server: ${String(e)}`));
      await start();
      void vscode.window.setStatusBarMessage('Agent Policy: server restarted', 3000);
    }),
    vscode.commands.registerCommand('agentPolicy.showSchema', async (target?: vscode.Uri) => {
      if (!client) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
      const uri = target ?? vscode.window.activeTextEditor?.document.uri;
      const params: SchemaParams = { uri: uri?.scheme === 'file' ? uri.toString() : undefined };
      const result = await client.sendRequest<SchemaResult>(Methods.schema, params);
      if (!result.schema) {
        return void vscode.window.showErrorMessage(`Agent Policy: ${result.error ?? 'no schema'}`);
      }
      const manifest = result.manifestUri ? vscode.Uri.parse(result.manifestUri) : undefined;
      const name = manifest ? path.posix.basename(manifest.path).replace(/\.(ya?ml|json)$/, '') : 'schema';
      const docUri = vscode.Uri.from({ scheme: SCHEMA_SCHEME, path: `/${name}.cedarschema`, query: manifest?.toString() ?? '' });
      schemas.set(docUri, result.schema);
      let doc = await vscode.workspace.openTextDocument(docUri);
      if (doc.languageId !== 'cedarschema') doc = await vscode.languages.setTextDocumentLanguage(doc, 'cedarschema');
      await vscode.window.showTextDocument(doc, { preview: false });
    }),
  );

  context.subscriptions.push(
    vscode.commands.registerCommand('agentPolicy.simulate', (params?: SimulateParams) => simulator.simulateCommand(params)),
    vscode.commands.registerCommand('agentPolicy.simulateScenario', (manifestUri: string, index: number) => simulator.simulateScenario(manifestUri, index)),
    vscode.commands.registerCommand('agentPolicy.generateScenarios', (args?: GenerateScenariosArgs) => generateScenariosCommand(() => client, args)),
  );

  const mcpTools = new McpTools(context.asAbsolutePath(path.join('dist', 'cli.js')), output);
  context.subscriptions.push(
    mcpTools,
    vscode.commands.registerCommand('agentPolicy.importTools', (args?: ImportToolsArgs) => mcpTools.importTools(args)),
    vscode.commands.registerCommand('agentPolicy.checkTools', (args?: { confirmed?: boolean }) => mcpTools.checkTools(args)),
  );

  await start();
  return {
    client: () => client,
    status: () => lastStatus,
    shownSimulation: () => simulator.panel.shown,
    simulationHtml: () => simulator.panel.html,
    saveShownAsScenario: async (name, expect) => {
      const shown = simulator.panel.shown;
      return shown ? simulator.saveAsScenario(shown, { name, expect }) : false;
    },
    accessView: () => access.snapshot(),
    accessViewMessage: (message) => access.receive(message),
    comparison: () => compare.snapshot(),
    compareMessage: (message) => compare.receive(message),
  };
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}

/** Read-only documents holding generated schemas. */
class SchemaDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.emitter.event;

  set(uri: vscode.Uri, text: string) {
    const changed = this.texts.has(uri.toString()) && this.texts.get(uri.toString()) !== text;
    this.texts.set(uri.toString(), text);
    if (changed) this.emitter.fire(uri);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '// Run "Agent Policy: Show Generated Cedar Schema" to generate this schema again.';
  }
}
