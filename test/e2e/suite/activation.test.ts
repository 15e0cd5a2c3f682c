// The extension activates in a real VS Code, starts its language server and contributes its commands and language.
import * as vscode from 'vscode';
import { activateExtension, check, EXTENSION_ID, openExample, readMistakesTable, resetEditors, waitFor } from './helpers';

describe('activation', () => {
  afterEach(resetEditors);

  it('is installed and activates on the examples workspace', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    check(ext, `${EXTENSION_ID} is not installed`);
    // The workspace contains *.cedar and *.agents.yaml files: VS Code activates the extension by itself.
    await waitFor(() => ext.isActive, { timeoutMs: 30_000, message: () => `${EXTENSION_ID} to activate (workspaceContains:**/*.cedar)` });
    await activateExtension(); // fails when activate() threw
    const expected = process.env.AGENT_POLICY_E2E_EXPECT_EXTENSION_PATH;
    if (expected) check(ext.extensionUri.fsPath === expected, `the extension was loaded from ${ext.extensionUri.fsPath}, expected ${expected}`);
  });

  it('starts the language server and reports an idle status', async () => {
    const api = await activateExtension();
    const client = await waitFor(() => api.client(), { message: () => 'the language client to exist' });
    await waitFor(() => client.isRunning(), { timeoutMs: 30_000, message: () => `the language client to run (state ${client.state})` });
    await waitFor(() => api.status()?.state === 'idle', { timeoutMs: 30_000, message: () => `the server to report idle (status: ${JSON.stringify(api.status())})` });
  });

  it('contributes its commands, and registers every command its package.json declares', async () => {
    const all = await vscode.commands.getCommands(true);
    for (const id of ['agentPolicy.restartServer', 'agentPolicy.showSchema', 'agentPolicy.showAccess']) check(all.includes(id), `command ${id} is not registered`);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const declared = ((ext.packageJSON as { contributes?: { commands?: { command: string }[] } }).contributes?.commands ?? []).map((c) => c.command);
    const missing = declared.filter((id) => !all.includes(id));
    check(missing.length === 0, `package.json declares commands that nothing registers: ${missing.join(', ')}`);
  });

  it('opens .cedar files as the cedar language', async () => {
    const policy = readMistakesTable().find((r) => r.file.endsWith('.cedar'))?.file ?? 'policies/refunds.cedar';
    const editor = await openExample(policy);
    check(editor.document.languageId === 'cedar', `${policy} opened as ${editor.document.languageId}, not cedar`);
    check((await vscode.languages.getLanguages()).includes('cedar'), 'the cedar language is not contributed');
  });
});
