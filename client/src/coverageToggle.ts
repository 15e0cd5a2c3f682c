/**
 * "Agent Policy: Toggle Scenario Coverage": the coverage code lenses on policies (drawn by the server) on or off for
 * this workspace. The setting `agentPolicy.coverage.showLenses` is the default; the command's flip is kept in VS Code's
 * storage for the workspace — no file is written into it (a workspace setting would create `.vscode/settings.json`) —
 * and the server reads it as the setting, through the configuration it pulls. Changing the setting ends the flip.
 */
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, type LanguageClient, type Middleware } from 'vscode-languageclient/node';

const SETTING = 'agentPolicy.coverage.showLenses';
const STATE_KEY = 'agentPolicy.coverage.showLenses.flipped';

export class CoverageToggle implements vscode.Disposable {
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly state: vscode.Memento,
    private readonly client: () => LanguageClient | undefined,
  ) {
    this.subscription = vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration(SETTING) || this.state.get<boolean>(STATE_KEY) === undefined) return;
      await this.state.update(STATE_KEY, undefined);
      // The client told the server of the change already, maybe before the flip was dropped: tell it again.
      await this.notifyServer();
    });
  }

  /** Whether the lenses are shown: the flip when there is one, else the setting. */
  get shown(): boolean {
    return this.state.get<boolean>(STATE_KEY) ?? vscode.workspace.getConfiguration('agentPolicy').get<boolean>('coverage.showLenses', false) === true;
  }

  async toggle(): Promise<boolean> {
    const next = !this.shown;
    await this.state.update(STATE_KEY, next);
    await this.notifyServer();
    void vscode.window.setStatusBarMessage(`Agent Policy: scenario coverage lenses ${next ? 'on' : 'off'}`, 3000);
    return next;
  }

  /** The server pulls its settings again on this notification, and redraws the lenses when they changed. */
  private async notifyServer(): Promise<void> {
    await this.client()?.sendNotification(DidChangeConfigurationNotification.type, { settings: null }).catch(() => undefined);
  }

  /** The language client's middleware: the `agentPolicy` section the server pulls, with `coverage.showLenses` as shown. */
  readonly middleware: Middleware['workspace'] = {
    configuration: async (params, token, next) => {
      const result = await next(params, token);
      if (!Array.isArray(result)) return result;
      return result.map((value: unknown, i) => {
        if (params.items[i]?.section !== 'agentPolicy' || !value || typeof value !== 'object') return value;
        const section = value as { coverage?: unknown };
        const coverage = section.coverage && typeof section.coverage === 'object' ? section.coverage : {};
        return { ...section, coverage: { ...coverage, showLenses: this.shown } };
      });
    },
  };

  dispose(): void {
    this.subscription.dispose();
  }
}
