import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods, type Range, type ScenarioEditParams, type ScenarioEditResult, type SimulateParams, type SimulateResponse, type SimulationTargetsResult } from '../../server/src/protocol';
import { SimulationPanel, type PanelMessage } from './simulationPanel';

/** The UI of simulation: the command's pickers, the result panel, policy highlights and the decision log. */
export class Simulator implements vscode.Disposable {
  readonly panel: SimulationPanel;
  private readonly highlight = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    isWholeLine: true,
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
  });
  private readonly decisions: vscode.OutputChannel;

  constructor(private readonly client: () => LanguageClient | undefined) {
    this.panel = new SimulationPanel((m, shown) => void this.onPanelMessage(m, shown));
    this.decisions = vscode.window.createOutputChannel('Agent Policy Decisions');
  }

  dispose() {
    this.panel.dispose();
    this.highlight.dispose();
    this.decisions.dispose();
  }

  /** Every simulation as one JSON line: in the output channel, and in a file when `agentPolicy.decisionLog.path` is set. */
  logDecision(record: unknown) {
    const line = JSON.stringify(record);
    this.decisions.appendLine(line);
    const configured = vscode.workspace.getConfiguration('agentPolicy').get<string>('decisionLog.path', '').trim();
    if (!configured) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const file = path.isAbsolute(configured) ? configured : folder ? path.join(folder, configured) : undefined;
    if (!file) return;
    fs.promises
      .mkdir(path.dirname(file), { recursive: true })
      .then(() => fs.promises.appendFile(file, line + '\n', 'utf8'))
      .catch((e: unknown) => void vscode.window.showWarningMessage(`Agent Policy: cannot write the decision log to ${file}: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** "Agent Policy: Simulate Tool Call": pick a manifest, an agent and a tool, edit the arguments and context. Parameters skip the pickers. */
  async simulateCommand(params?: SimulateParams): Promise<SimulateResponse | undefined> {
    const client = this.client();
    if (!client) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
    const request = params?.agent && params.tool ? params : await this.askForCall(client);
    if (!request) return undefined;
    return this.run(client, request);
  }

  async simulateScenario(manifestUri: string, scenarioIndex: number): Promise<SimulateResponse | undefined> {
    const client = this.client();
    if (!client) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
    return this.run(client, { manifestUri, scenarioIndex });
  }

  private async run(client: LanguageClient, params: SimulateParams): Promise<SimulateResponse> {
    // The panel always says why (a few more engine calls for the one call shown).
    const result = await client.sendRequest<SimulateResponse>(Methods.simulate, { ...params, explain: true });
    this.panel.show(result);
    this.flash(result);
    return result;
  }

  private async askForCall(client: LanguageClient): Promise<SimulateParams | undefined> {
    const targets = await client.sendRequest<SimulationTargetsResult>(Methods.simulationTargets, {});
    if (!targets.manifests.length) return void vscode.window.showErrorMessage(`Agent Policy: ${targets.error ?? 'no manifest'}`);
    const manifest =
      targets.manifests.length === 1
        ? targets.manifests[0]
        : (
            await vscode.window.showQuickPick(
              targets.manifests.map((m) => ({ label: m.name, description: m.namespace, detail: `${m.agents.length} agents, ${m.tools.length} tools`, m })),
              { title: 'Simulate Tool Call (1/5): manifest', placeHolder: 'Which manifest?' },
            )
          )?.m;
    if (!manifest) return undefined;
    const agent = await vscode.window.showQuickPick(
      manifest.agents.map((a) => ({ label: a.id, description: a.roles.length ? `roles: ${a.roles.join(', ')}` : undefined, detail: a.description, a })),
      { title: 'Simulate Tool Call (2/5): the agent that calls', placeHolder: 'Which agent?', matchOnDescription: true, matchOnDetail: true },
    );
    if (!agent) return undefined;
    const tool = await vscode.window.showQuickPick(
      manifest.tools.map((t) => ({
        label: t.name,
        description: `${t.readOnly ? '$(eye) read-only' : t.destructive ? '$(warning) destructive' : '$(edit) writes'} · ${t.server}`,
        detail: t.description ?? t.title,
        t,
      })),
      { title: `Simulate Tool Call (3/5): the tool ${agent.label} calls`, placeHolder: 'Which tool?', matchOnDescription: true, matchOnDetail: true },
    );
    if (!tool) return undefined;
    const args = await askJson(`Simulate Tool Call (4/5): arguments of ${tool.label} (JSON)`, tool.t.exampleArgs);
    if (args === undefined) return undefined;
    const context = await askJson('Simulate Tool Call (5/5): the session context — task, purpose, data, destination (JSON)', manifest.exampleContext);
    if (context === undefined) return undefined;
    return { manifestUri: manifest.uri, agent: agent.label, tool: tool.label, args, context };
  }

  /** The determining policies light up in the editors that show them, for a few seconds. */
  private flash(result: SimulateResponse) {
    const byUri = new Map<string, vscode.Range[]>();
    for (const d of result.determining) {
      const r = new vscode.Range(d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character);
      byUri.set(d.uri, [...(byUri.get(d.uri) ?? []), r]);
    }
    const editors = vscode.window.visibleTextEditors.filter((e) => byUri.has(e.document.uri.toString()));
    for (const e of editors) e.setDecorations(this.highlight, byUri.get(e.document.uri.toString())!);
    setTimeout(() => {
      for (const e of editors) e.setDecorations(this.highlight, []);
    }, 4000);
  }

  /** Opens a policy at its range (a link of the result panel or of the Agent Access view) and lights it up for a moment. */
  async revealPolicy(uri: string, range: Range, column: vscode.ViewColumn): Promise<vscode.TextEditor | undefined> {
    let doc: vscode.TextDocument;
    try {
      doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri, true));
    } catch (e) {
      void vscode.window.showErrorMessage(`Agent Policy: cannot open the policy: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    const r = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
    const editor = await vscode.window.showTextDocument(doc, { viewColumn: column, preview: false, selection: new vscode.Range(r.start, r.start) });
    editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    editor.setDecorations(this.highlight, [r]);
    setTimeout(() => editor.setDecorations(this.highlight, []), 4000);
    return editor;
  }

  private async onPanelMessage(m: PanelMessage, shown: SimulateResponse) {
    if (m.type === 'openPolicy') {
      // Never in the panel's own group, and never as a preview tab that would replace the panel.
      const column = this.panel.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
      const editor = await this.revealPolicy(m.uri, m.range, column);
      if (!editor) return;
      // The policy keeps the focus the link gave it, even if the panel reports its click late.
      this.panel.keepEditorFocus(editor);
    } else if (m.type === 'saveScenario') {
      await this.saveAsScenario(shown);
    }
  }

  /** Appends the shown call to the manifest's scenarios: the only write, and only on the user's click. */
  async saveAsScenario(shown: SimulateResponse, answers?: { name: string; expect: 'allow' | 'deny' }): Promise<boolean> {
    const client = this.client();
    if (!client || !shown.manifestUri) return false;
    // The button is in the panel: the panel may report the click's focus after this box opened, which must not close it.
    const name =
      answers?.name ??
      (await vscode.window.showInputBox({ title: 'Save as scenario: name', value: `${shown.agent} calls ${shown.tool}`, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'A scenario needs a name') }));
    if (!name) return false;
    const expect =
      answers?.expect ??
      (
        await vscode.window.showQuickPick(
          [
            { label: shown.decision, description: 'what the policies decide now', value: shown.decision },
            { label: shown.decision === 'allow' ? 'deny' : 'allow', description: 'the scenario will fail until the policies change', value: shown.decision === 'allow' ? 'deny' : 'allow' },
          ] as const,
          { title: 'Save as scenario: expected decision', ignoreFocusOut: true },
        )
      )?.value;
    if (!expect) return false;
    const params: ScenarioEditParams = { manifestUri: shown.manifestUri, scenario: { name: name.trim(), agent: shown.agent, tool: shown.tool, args: shown.args, context: shown.context, via: shown.via, expect } };
    const r = await client.sendRequest<ScenarioEditResult>(Methods.scenarioEdit, params);
    if (!r.edit) {
      void vscode.window.showErrorMessage(`Agent Policy: cannot save the scenario: ${r.error ?? 'unknown error'}`);
      return false;
    }
    const edit = await client.protocol2CodeConverter.asWorkspaceEdit(r.edit as Parameters<typeof client.protocol2CodeConverter.asWorkspaceEdit>[0]);
    if (!edit || !(await vscode.workspace.applyEdit(edit))) return false;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(shown.manifestUri));
    await doc.save();
    if (r.note) void vscode.window.showWarningMessage(`Agent Policy: scenario "${name.trim()}" saved in ${path.basename(doc.uri.fsPath)}; ${r.note}.`);
    else void vscode.window.setStatusBarMessage(`Agent Policy: scenario "${name.trim()}" saved in ${path.basename(doc.uri.fsPath)}`, 4000);
    return true;
  }
}

async function askJson(title: string, example: unknown): Promise<unknown> {
  const value = await vscode.window.showInputBox({
    title,
    value: JSON.stringify(example ?? {}),
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        const parsed = JSON.parse(v) as unknown;
        return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? undefined : 'A JSON object, such as {"order_id": "o-1"}';
      } catch (e) {
        return `Not valid JSON: ${e instanceof Error ? e.message : String(e)}`;
      }
    },
  });
  return value === undefined ? undefined : (JSON.parse(value) as unknown);
}
