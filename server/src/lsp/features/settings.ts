/** The `agentPolicy.*` settings: pulled at start and whenever they change; a change rechecks the workspace. */
import { CodeLensRefreshRequest, DidChangeConfigurationNotification } from 'vscode-languageserver/node';
import type { RulesSetting } from '../../core/configFile';
import type { Feature, FeatureContext } from './feature';

async function loadSettings({ state }: FeatureContext) {
  if (!state.client.pullConfiguration) return;
  try {
    const [s] = (await state.connection.workspace.getConfiguration([{ section: 'agentPolicy' }])) as [
      { validate?: { onType?: boolean }; lint?: { run?: string }; rules?: RulesSetting; inlayHints?: { enabled?: boolean }; cedarSchemaPath?: unknown; coverage?: { showLenses?: unknown } } | null,
    ];
    state.settings = {
      validateOnType: s?.validate?.onType !== false,
      lintRun: s?.lint?.run === 'onSave' ? 'onSave' : 'onType',
      rules: s?.rules && typeof s.rules === 'object' ? s.rules : undefined,
      inlayHints: s?.inlayHints?.enabled === true,
      cedarSchemaPath: typeof s?.cedarSchemaPath === 'string' && s.cedarSchemaPath.trim() ? s.cedarSchemaPath.trim() : undefined,
      coverageLenses: s?.coverage?.showLenses === true,
    };
    for (const { project } of state.projects) {
      project.settingsRules = state.settings.rules;
      project.settingsSchemaPath = state.settings.cedarSchemaPath;
    }
  } catch {
    // keep the defaults
  }
}

export const settingsFeature: Feature = {
  name: 'settings',
  register(ctx) {
    ctx.state.connection.onDidChangeConfiguration(async () => {
      const { inlayHints: hintsBefore, coverageLenses: lensesBefore, ...checkBefore } = ctx.state.settings;
      await loadSettings(ctx);
      const { inlayHints: hintsAfter, coverageLenses: lensesAfter, ...checkAfter } = ctx.state.settings;
      // Inlay hints and code lenses are drawn on request: turning them on or off needs no check of the workspace.
      if (JSON.stringify(checkAfter) !== JSON.stringify(checkBefore)) ctx.scheduler.enqueueAll();
      if (hintsAfter !== hintsBefore && ctx.state.client.refreshInlayHints) void ctx.state.connection.languages.inlayHint.refresh().catch(() => undefined);
      if (lensesAfter !== lensesBefore && ctx.state.client.refreshCodeLens) void ctx.state.connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    });
  },
  async initialized(ctx) {
    if (ctx.state.client.pullConfiguration) {
      void ctx.state.connection.client.register(DidChangeConfigurationNotification.type, { section: 'agentPolicy' }).catch(() => undefined);
    }
    await loadSettings(ctx);
  },
};
