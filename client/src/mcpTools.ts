// "Agent Policy: Import Tools from MCP Server…" and "Agent Policy: Check Tools Against Live Servers".
// Both run the bundled CLI (`dist/cli.js tools pull|check|servers`) in a child process: the same code as in CI,
// no analysis (and no Cedar engine) in the extension host, the MCP server's process tree lives and dies with a
// child that is killed on Cancel, and `.vscode/mcp.json` values (environment, headers) never cross the language
// server's protocol or its trace: the CLI reads them itself, and answers to `${input:…}` go through the child's
// environment only. Files are written only because the user ran the command.
import { fork } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';

/** Arguments that skip the pickers (tests, other extensions); each one left out is asked for. */
export interface ImportToolsArgs {
  /** A server of .vscode/mcp.json, or a command line (stdio), or a streamable HTTP URL. */
  mcpJson?: string;
  command?: string;
  url?: string;
  /** The server's name in the manifest (default: from the server). */
  name?: string;
  /** Where to write the tool list (relative to the manifest's folder, or to the workspace folder). */
  out?: string;
  /** The manifest to update (a path or a file URI); `null`: none. */
  manifest?: string | null;
}

export interface ImportToolsResult {
  ok: boolean;
  message: string;
  out?: string;
  tools?: number;
  server?: string;
}

interface ServersJson {
  servers: { name: string; kind: 'stdio' | 'http' | 'unsupported'; command?: string; url?: string; why?: string; inputs?: { id: string; description?: string; password: boolean }[] }[];
  error?: string;
}

interface PullJson {
  server: string;
  tools: number;
  out: string;
  serverInfo: { name: string; version: string } | null;
  manifest?: { file: string; import: string; change: string };
  problems: string[];
}

const MANIFEST_GLOB = '**/{*.agents.yaml,*.agents.yml,*.agents.json,agents.yaml,agents.yml,agents.json}';

export class McpTools {
  private readonly output: vscode.OutputChannel;

  constructor(
    private readonly cliPath: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.output = vscode.window.createOutputChannel('Agent Policy Tools');
  }

  dispose() {
    this.output.dispose();
  }

  private folder(): vscode.WorkspaceFolder | undefined {
    return vscode.workspace.workspaceFolders?.[0];
  }

  /** Runs the CLI with `args` in the workspace folder; `token` kills it (and so the MCP server it started). */
  private runCli(args: string[], cwd: string, env: Record<string, string> = {}, token?: vscode.CancellationToken): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      // ELECTRON_RUN_AS_NODE: in desktop VS Code the extension host's executable is Electron's.
      const child = fork(this.cliPath, args, { cwd, silent: true, env: { ...process.env, ...env, NO_COLOR: '1', ELECTRON_RUN_AS_NODE: '1' } });
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const sub = token?.onCancellationRequested(() => child.kill('SIGTERM'));
      child.on('error', (e) => {
        sub?.dispose();
        resolve({ code: 2, stdout, stderr: `${stderr}${e.message}` });
      });
      child.on('close', (code) => {
        sub?.dispose();
        resolve({ code, stdout, stderr });
      });
    });
  }

  private trusted(): boolean {
    if (vscode.workspace.isTrusted) return true;
    void vscode.window.showErrorMessage('Agent Policy: importing tools starts an MCP server on this machine; trust this workspace first (Workspaces: Manage Workspace Trust).');
    return false;
  }

  async importTools(given: ImportToolsArgs = {}): Promise<ImportToolsResult | undefined> {
    const folder = this.folder();
    if (!folder) return this.fail('open a folder first');
    if (!this.trusted()) return { ok: false, message: 'untrusted workspace' };
    const cwd = folder.uri.fsPath;
    let source: { flag: '--mcp-json' | '--stdio' | '--http'; value: string; suggestedName?: string } | undefined;
    const inputs: Record<string, string> = {};
    if (given.mcpJson) source = { flag: '--mcp-json', value: given.mcpJson, suggestedName: given.mcpJson };
    else if (given.command) source = { flag: '--stdio', value: given.command };
    else if (given.url) source = { flag: '--http', value: given.url };
    else {
      const listed = await this.runCli(['tools', 'servers', '--format', 'json'], cwd);
      let servers: ServersJson['servers'] = [];
      try {
        servers = (JSON.parse(listed.stdout) as ServersJson).servers;
      } catch {
        // no .vscode/mcp.json: only the manual entries
      }
      type Item = vscode.QuickPickItem & { pick: 'server' | 'command' | 'url'; server?: ServersJson['servers'][number] };
      const items: Item[] = [
        ...servers.map((s): Item => ({ label: s.name, description: s.kind === 'stdio' ? `$(terminal) ${s.command}` : s.kind === 'http' ? `$(globe) ${s.url}` : `$(warning) ${s.why}`, detail: '.vscode/mcp.json', pick: 'server', server: s })),
        { label: '$(terminal) Enter a command…', description: 'a server that speaks MCP over stdio', pick: 'command' },
        { label: '$(globe) Enter a URL…', description: 'a streamable HTTP server', pick: 'url' },
      ];
      const chosen = await vscode.window.showQuickPick(items, { title: 'Import Tools from MCP Server (1/3): the server', placeHolder: servers.length ? 'A server of .vscode/mcp.json, or another one' : 'No servers in .vscode/mcp.json: enter a command or a URL', ignoreFocusOut: true });
      if (!chosen) return undefined;
      if (chosen.pick === 'server' && chosen.server) {
        if (chosen.server.kind === 'unsupported') return this.fail(`server ${chosen.server.name}: ${chosen.server.why ?? 'not supported'}`);
        for (const i of chosen.server.inputs ?? []) {
          const v = await vscode.window.showInputBox({ title: `Input "${i.id}" of ${chosen.server.name}`, prompt: i.description, password: i.password, ignoreFocusOut: true });
          if (v === undefined) return undefined;
          inputs[i.id] = v;
        }
        source = { flag: '--mcp-json', value: chosen.server.name, suggestedName: chosen.server.name };
      } else if (chosen.pick === 'command') {
        const v = await vscode.window.showInputBox({ title: 'Import Tools from MCP Server: the command that starts it', placeHolder: 'npx -y @modelcontextprotocol/server-filesystem .', prompt: 'Run without a shell; quote arguments with spaces', ignoreFocusOut: true, validateInput: (x) => (x.trim() ? undefined : 'A command, such as node server.js') });
        if (!v) return undefined;
        source = { flag: '--stdio', value: v };
      } else {
        const v = await vscode.window.showInputBox({ title: 'Import Tools from MCP Server: its streamable HTTP endpoint', placeHolder: 'http://127.0.0.1:3001/mcp', ignoreFocusOut: true, validateInput: (x) => (/^https?:\/\/\S+$/.test(x.trim()) ? undefined : 'An http:// or https:// URL') });
        if (!v) return undefined;
        source = { flag: '--http', value: v.trim() };
      }
    }

    let manifest: string | undefined;
    if (given.manifest !== undefined) manifest = given.manifest === null ? undefined : given.manifest.startsWith('file:') ? vscode.Uri.parse(given.manifest).fsPath : path.resolve(cwd, given.manifest);
    else {
      const found = (await vscode.workspace.findFiles(MANIFEST_GLOB, '**/node_modules/**')).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      const none = { label: '$(close) No manifest', description: 'only write the tool list', uri: undefined as vscode.Uri | undefined };
      const pick = await vscode.window.showQuickPick([...found.map((u) => ({ label: vscode.workspace.asRelativePath(u), description: 'add or update the server\'s $import', uri: u as vscode.Uri | undefined })), none], {
        title: 'Import Tools from MCP Server (2/3): the manifest to update',
        ignoreFocusOut: true,
      });
      if (!pick) return undefined;
      manifest = pick.uri?.fsPath;
    }
    let name = given.name;
    let out = given.out;
    if (out === undefined && (given.mcpJson === undefined && given.command === undefined && given.url === undefined)) {
      name = (await vscode.window.showInputBox({ title: 'Import Tools from MCP Server (3/3): the server\'s name in the manifest', value: source.suggestedName ?? '', placeHolder: 'empty: the name the server gives', ignoreFocusOut: true })) ?? undefined;
      if (name === undefined) return undefined;
      name = name.trim() || undefined;
      const suggested = `mcp/${(name ?? source.suggestedName ?? 'SERVER').replace(/[^A-Za-z0-9_.-]+/g, '-')}.tools.json`;
      const o = await vscode.window.showInputBox({
        title: `Import Tools from MCP Server: write the tool list to (relative to ${manifest ? 'the manifest' : 'the workspace folder'})`,
        value: name || source.suggestedName ? suggested : '',
        placeHolder: 'empty: mcp/<server name>.tools.json',
        ignoreFocusOut: true,
        validateInput: (x) => (!x.trim() || x.trim().endsWith('.tools.json') ? undefined : 'The name must end in .tools.json'),
      });
      if (o === undefined) return undefined;
      out = o.trim() || undefined;
    }
    // A manifest with unsaved changes would be overwritten on disk or conflict: save it first, as the user says.
    if (manifest) {
      const open = vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && d.uri.fsPath === manifest);
      if (open?.isDirty) {
        const save = await vscode.window.showWarningMessage(`${path.basename(manifest)} has unsaved changes. Save it before the import edits it?`, { modal: true }, 'Save and Import');
        if (save !== 'Save and Import' || !(await open.save())) return undefined;
      }
    }
    const args = ['tools', 'pull', source.flag, source.value, '--format', 'json'];
    if (name) args.push('--name', name);
    if (out) args.push('--out', out);
    if (manifest) args.push('--manifest', manifest);
    const env: Record<string, string> = Object.keys(inputs).length ? { AGENT_POLICY_MCP_INPUTS: JSON.stringify(inputs) } : {};
    const shown = source.flag === '--mcp-json' ? source.value : source.flag === '--http' ? 'the HTTP server' : 'the server';
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Agent Policy: asking ${shown} for its tools…`, cancellable: true },
      (_p, token) => this.runCli(args, cwd, env, token),
    );
    if (r.code !== 0) return this.fail(`cannot import tools: ${errorLine(r.stderr) || `the CLI exited with code ${String(r.code)}`}`);
    let pulled: PullJson;
    try {
      pulled = JSON.parse(r.stdout) as PullJson;
    } catch {
      return this.fail('cannot import tools: the CLI gave no result');
    }
    const outUri = vscode.Uri.file(path.resolve(cwd, pulled.out));
    const message = `imported ${pulled.tools} tool${pulled.tools === 1 ? '' : 's'} of ${pulled.serverInfo ? `${pulled.serverInfo.name} ${pulled.serverInfo.version}` : pulled.server} into ${pulled.out}${pulled.manifest ? `; ${pulled.manifest.file} ${pulled.manifest.change === 'unchanged' ? 'already imports it' : 'imports it'} as server "${pulled.server}"` : ''}`;
    this.log.info(`Agent Policy: ${message}`);
    for (const p of pulled.problems) this.log.warn(`import of ${pulled.server}: ${p}`);
    void vscode.window.showInformationMessage(`Agent Policy: ${message}`, 'Open Tool List').then((a) => {
      if (a) void vscode.window.showTextDocument(outUri);
    });
    return { ok: true, message, out: outUri.fsPath, tools: pulled.tools, server: pulled.server };
  }

  async checkTools(given: { confirmed?: boolean } = {}): Promise<{ code: number | null; report: string } | undefined> {
    const folder = this.folder();
    if (!folder) return void this.fail('open a folder first');
    if (!this.trusted()) return undefined;
    if (!given.confirmed) {
      const go = await vscode.window.showWarningMessage(
        'Check Tools Against Live Servers starts the MCP servers that the imported tool lists record (their "source": a command, a URL or a server of .vscode/mcp.json) and compares their tools with the lists.',
        { modal: true },
        'Start the Servers',
      );
      if (go !== 'Start the Servers') return undefined;
    }
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Agent Policy: asking the live servers for their tools…', cancellable: true },
      (_p, token) => this.runCli(['tools', 'check', '--fail-on', 'finding'], folder.uri.fsPath, {}, token),
    );
    this.output.clear();
    this.output.append(r.stdout);
    if (r.stderr.trim()) this.output.append(`\n${r.stderr.split('\n').filter((l) => !/asking .* for the tools/.test(l)).join('\n')}`);
    this.output.show(true);
    const summary = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code === 0) void vscode.window.showInformationMessage(`Agent Policy: tools checked — ${summary}`);
    else if (r.code === 1) void vscode.window.showWarningMessage(`Agent Policy: the live tools differ in ways that touch policies or scenarios — ${summary}`);
    else void vscode.window.showErrorMessage(`Agent Policy: some tool lists could not be checked: ${errorLine(r.stderr) || 'see the Agent Policy Tools output'}`);
    return { code: r.code, report: r.stdout };
  }

  private fail(why: string): ImportToolsResult {
    void vscode.window.showErrorMessage(`Agent Policy: ${why}`);
    return { ok: false, message: why };
  }
}

/** The CLI's first error line, without its "agent-policy: " prefix and the usage text after it. */
function errorLine(stderr: string): string {
  const line = stderr.split('\n').find((l) => l.startsWith('agent-policy:') && !/asking .* for the tools/.test(l)) ?? stderr.split('\n').find((l) => l.trim()) ?? '';
  return line.replace(/^agent-policy:\s*/, '').trim();
}
