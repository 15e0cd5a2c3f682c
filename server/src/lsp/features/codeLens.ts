/** Code lenses on a manifest's scenarios: "▶ Simulate" and the scenario's current outcome. */
import type { CodeLens } from 'vscode-languageserver/node';
import { isManifestFile } from '../../core/manifest/model';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const codeLensFeature: Feature = {
  name: 'code lenses',
  capabilities: () => ({ codeLensProvider: { resolveProvider: false } }),
  register({ state }) {
    state.connection.onCodeLens((params): CodeLens[] => {
      const file = uriToPath(params.textDocument.uri);
      if (!file || !isManifestFile(file)) return [];
      const pr = state.projectOf(file);
      const entry = pr?.project.manifest(file);
      if (!pr || !entry?.manifest || !entry.model) return [];
      const ix = state.lineIndexOf(file, pr.host.readFile(file) ?? '');
      const outcomes = pr.project.runScenarios(entry);
      return outcomes.flatMap((o) => {
        const range = ix.range(o.scenario.nameSpan);
        const args = [params.textDocument.uri, o.scenario.index];
        return [
          { range, command: { title: '▶ Simulate', command: 'agentPolicy.simulateScenario', arguments: args } },
          { range, command: { title: o.summary, command: 'agentPolicy.simulateScenario', arguments: args } },
        ];
      });
    });
  },
};
