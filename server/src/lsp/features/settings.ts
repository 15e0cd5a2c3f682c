/** The `agentPolicy.*` settings: pulled at start and whenever they change; a change rechecks the workspace. */
import { DidChangeConfigurationNotification } from 'vscode-languageserver/node';
import type { RulesSetting } from '../../core/configFile';
import type { Feature, FeatureContext } from './feature';

async function loadSettings({ state }: FeatureContext) {
  if (!state.client.pullConfiguration) return;
  try {
    const [s] = (await state.connection.workspace.getConfiguration([{ section: 'agentPolicy' }])) as [
      { validate?: { onType?: boolean }; lint?: { run?: string }; rules?: RulesSetting } | null,
    ];
    state.settings = {
      validateOnType: s?.validate?.onType !== false,
      lintRun: s?.lint?.run === 'onSave' ? 'onSave' : 'onType',
      rules: s?.rules && typeof s.rules === 'object' ? s.rules : undefined,
    };
    for (const { project } of state.projects) project.settingsRules = state.settings.rules;
  } catch {
    // keep the defaults
  }
}

export const settingsFeature: Feature = {
  name: 'settings',
  register(ctx) {
    ctx.state.connection.onDidChangeConfiguration(async () => {
      const before = JSON.stringify(ctx.state.settings);
      await loadSettings(ctx);
      if (JSON.stringify(ctx.state.settings) !== before) ctx.scheduler.enqueueAll();
    });
  },
  async initialized(ctx) {
    if (ctx.state.client.pullConfiguration) {
      void ctx.state.connection.client.register(DidChangeConfigurationNotification.type, { section: 'agentPolicy' }).catch(() => undefined);
    }
    await loadSettings(ctx);
  },
};
