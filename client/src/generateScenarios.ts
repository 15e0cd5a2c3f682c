import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods, type GenerateScenariosParams, type GenerateScenariosResult, type SimulationTargetsResult } from '../../server/src/protocol';

/** What "Generate Scenarios for Tool…" may be given to skip its pickers (tests, other commands). */
export interface GenerateScenariosArgs {
  manifestUri?: string;
  tool?: string;
  agents?: string[];
  /** Skips the review: the scenarios to add (`all`, or their names). */
  accept?: 'all' | string[];
}

export interface GenerateScenariosOutcome {
  manifestUri: string;
  /** The names of the scenarios added to the manifest (unsaved: the user reviews and saves). */
  added: string[];
}

/**
 * "Agent Policy: Generate Scenarios for Tool…": pick a manifest, a tool and the agents; the server proposes boundary
 * scenarios expecting what the policies decide now; the user reviews them (all selected) and the chosen ones are
 * added to the manifest as an edit of its document, left unsaved.
 */
export async function generateScenariosCommand(getClient: () => LanguageClient | undefined, args: GenerateScenariosArgs = {}): Promise<GenerateScenariosOutcome | undefined> {
  const client = getClient();
  if (!client) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
  const title = 'Generate Scenarios for Tool';
  const targets = await client.sendRequest<SimulationTargetsResult>(Methods.simulationTargets, {});
  if (!targets.manifests.length) return void vscode.window.showErrorMessage(`Agent Policy: ${targets.error ?? 'no manifest'}`);
  const active = vscode.window.activeTextEditor?.document.uri.toString();
  const manifest = args.manifestUri
    ? targets.manifests.find((m) => m.uri === args.manifestUri || vscode.Uri.parse(m.uri).fsPath === vscode.Uri.parse(args.manifestUri!).fsPath)
    : targets.manifests.length === 1
      ? targets.manifests[0]
      : (
          await vscode.window.showQuickPick(
            // The manifest being edited first.
            [...targets.manifests]
              .sort((a, b) => Number(b.uri === active) - Number(a.uri === active))
              .map((m) => ({ label: m.name, description: m.namespace, detail: `${m.agents.length} agents, ${m.tools.length} tools`, m })),
            { title: `${title}: manifest`, placeHolder: 'Which manifest?' },
          )
        )?.m;
  if (!manifest) return args.manifestUri ? void vscode.window.showErrorMessage(`Agent Policy: no manifest at ${args.manifestUri}`) : undefined;

  const tool =
    args.tool ??
    (
      await vscode.window.showQuickPick(
        manifest.tools.map((t) => ({
          label: t.name,
          description: `${t.readOnly ? '$(eye) read-only' : t.destructive ? '$(warning) destructive' : '$(edit) writes'} · ${t.server}`,
          detail: t.description ?? t.title,
        })),
        { title: `${title}: tool`, placeHolder: 'Which tool? Its boundary calls become scenarios', matchOnDescription: true, matchOnDetail: true },
      )
    )?.label;
  if (!tool) return undefined;

  const generate = (params: GenerateScenariosParams) =>
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Agent Policy: deciding the boundary calls of ${tool}…` }, () => client.sendRequest<GenerateScenariosResult>(Methods.generateScenarios, params));
  let agents = args.agents;
  let result = await generate({ manifestUri: manifest.uri, tool, ...(agents ? { agents } : {}) });
  if (result.error) return void vscode.window.showErrorMessage(`Agent Policy: cannot generate scenarios for ${tool}: ${result.error}`);

  if (!agents && result.agents.length > 1) {
    const picked = await vscode.window.showQuickPick(
      result.agents.map((a) => ({ label: a.id, description: a.reaches ? 'a permit can reach the tool' : 'no permit reaches the tool', picked: a.used })),
      { title: `${title}: the agents that call ${tool}`, placeHolder: 'Whose calls? (those a permit can reach the tool for are selected)', canPickMany: true },
    );
    if (!picked?.length) return undefined;
    const chosen = picked.map((p) => p.label);
    const used = result.agents.filter((a) => a.used).map((a) => a.id);
    if (chosen.length !== used.length || chosen.some((a) => !used.includes(a))) {
      agents = chosen;
      result = await generate({ manifestUri: manifest.uri, tool, agents });
      if (result.error) return void vscode.window.showErrorMessage(`Agent Policy: cannot generate scenarios for ${tool}: ${result.error}`);
    }
  }
  agents ??= result.agents.filter((a) => a.used).map((a) => a.id);
  if (!result.scenarios.length) return void vscode.window.showInformationMessage(`Agent Policy: no new scenario for ${tool}${result.notes.length ? `: ${result.notes.join('; ')}` : ' (the manifest already has these calls)'}.`);

  let names: string[];
  if (args.accept) {
    names = args.accept === 'all' ? result.scenarios.map((s) => s.name) : result.scenarios.filter((s) => args.accept!.includes(s.name)).map((s) => s.name);
  } else {
    const picked = await vscode.window.showQuickPick(
      result.scenarios.map((s) => ({
        label: s.name,
        description: `expect ${s.expect} — ${s.policies.length ? s.policies.join(', ') : s.reason}`,
        detail: `args ${JSON.stringify(s.args)} · context ${JSON.stringify(s.context)}`,
        picked: true,
      })),
      {
        title: `${title}: review (${result.scenarios.length} proposed, each expecting what the policies decide now)`,
        placeHolder: 'Unselect the scenarios not to add; they are added to the manifest unsaved',
        canPickMany: true,
        matchOnDescription: true,
        ignoreFocusOut: true,
      },
    );
    if (!picked?.length) return undefined;
    names = picked.map((p) => p.label);
  }
  if (!names.length) return undefined;

  const written = await client.sendRequest<GenerateScenariosResult>(Methods.generateScenarios, { manifestUri: manifest.uri, tool, agents, write: names });
  if (!written.edit) return void vscode.window.showErrorMessage(`Agent Policy: cannot add the scenarios: ${written.error ?? 'unknown error'}`);
  const edit = await client.protocol2CodeConverter.asWorkspaceEdit(written.edit as Parameters<typeof client.protocol2CodeConverter.asWorkspaceEdit>[0]);
  if (!edit || !(await vscode.workspace.applyEdit(edit))) return void vscode.window.showErrorMessage('Agent Policy: the scenarios could not be added to the manifest.');
  const uri = vscode.Uri.parse(written.manifestUri ?? manifest.uri);
  const added = names.filter((n) => !written.missing?.includes(n));
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: false });
  const missing = written.missing?.length ? ` ${written.missing.length} no longer proposed (the policies or the manifest changed) and not added.` : '';
  void vscode.window.showInformationMessage(`Agent Policy: ${added.length} scenario${added.length === 1 ? '' : 's'} for ${tool} added to ${path.basename(uri.fsPath)} (unsaved: review and save).${missing}`);
  return { manifestUri: uri.toString(), added };
}
