// "Agent Policy: Import Tools from MCP Server…" in a real VS Code, once, against the real server-everything
// (installed from npm, started from this repository's node_modules): the command's arguments skip its pickers,
// as `agentPolicy.simulate`'s do. The test works in a manifest of its own and removes it after.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, agentDiagnostics, check, exampleUri, readMistakesTable, relPath, waitFor, waitForTableState } from './helpers';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const EVERYTHING = path.join(REPO, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const MANIFEST = '# A manifest of the e2e test\nversion: 1\nnamespace: E2e\npolicies: []\n';

describe('MCP tools', () => {
  const rows = readMistakesTable();
  const folder = exampleUri('e2e-mcp');

  before(async () => {
    await activateExtension();
    await waitForTableState(rows, 30_000);
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(folder.fsPath, { recursive: true, force: true });
    await waitForTableState(rows, 30_000);
  });

  it('"Import Tools from MCP Server…" pulls server-everything into a tool list and the manifest\'s $import', async () => {
    check(fs.existsSync(EVERYTHING), `server-everything is not installed at ${EVERYTHING}`);
    fs.mkdirSync(folder.fsPath, { recursive: true });
    const manifest = vscode.Uri.joinPath(folder, 'e2e.agents.yaml');
    fs.writeFileSync(manifest.fsPath, MANIFEST);
    const command = [process.execPath, EVERYTHING, 'stdio'].map((w) => JSON.stringify(w)).join(' ');
    const result = await vscode.commands.executeCommand<{ ok: boolean; message: string; out?: string; tools?: number; server?: string }>('agentPolicy.importTools', {
      command,
      name: 'everything',
      manifest: manifest.toString(),
    });
    check(result?.ok, `the import failed: ${result?.message}`);
    const out = vscode.Uri.joinPath(folder, 'mcp', 'everything.tools.json');
    check(result.out === out.fsPath, `the tool list went to ${result.out}, expected ${out.fsPath}`);
    const list = JSON.parse(fs.readFileSync(out.fsPath, 'utf8')) as { serverInfo: { name: string }; tools: { name: string }[] };
    check(list.serverInfo.name === 'mcp-servers/everything', `serverInfo: ${JSON.stringify(list.serverInfo)}`);
    check(list.tools.some((t) => t.name === 'echo') && list.tools.length === result.tools, `tools: ${list.tools.map((t) => t.name).join(', ')}`);
    const text = fs.readFileSync(manifest.fsPath, 'utf8');
    check(text === `${MANIFEST}\nservers:\n  everything:\n    tools: { $import: mcp/everything.tools.json }\n`, `the manifest is now:\n${text}`);
    // The language server loads the import: the manifest opens without a manifest-invalid diagnostic, and its
    // schema has the server's tools.
    const doc = await vscode.workspace.openTextDocument(manifest);
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('agentPolicy.showSchema', manifest);
    const schema = await waitFor(() => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.scheme === 'agent-policy-schema' && e.document.getText().includes('"echo"') ? e.document.getText() : undefined;
    }, { timeoutMs: 30_000, message: () => `a generated schema with the action "echo" (active: ${vscode.window.activeTextEditor?.document.uri.toString()})` });
    check(/namespace E2e/.test(schema), 'the schema is not the e2e manifest\'s');
    const bad = agentDiagnostics(manifest).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    check(bad.length === 0, `${relPath(manifest)} has errors: ${bad.map((d) => d.message).join('; ')}`);
  });
});
