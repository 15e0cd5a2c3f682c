/** `agentPolicy/scenarioEdit`: the edit that appends a simulated call to the manifest as a scenario. */
import { appendScenarioEdit, placeholderNote } from '../../core/scenarioEdit';
import { Methods, type ScenarioEditParams, type ScenarioEditResult } from '../../protocol';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const scenarioEditFeature: Feature = {
  name: 'save as scenario',
  register({ state }) {
    state.connection.onRequest(Methods.scenarioEdit, (params: ScenarioEditParams): ScenarioEditResult => {
      const file = uriToPath(params.manifestUri);
      const pr = file ? state.projectOf(file) : undefined;
      const text = file && pr ? pr.host.readFile(file) : undefined;
      if (!file || !pr || text === undefined) return { error: 'the manifest cannot be read' };
      const e = appendScenarioEdit(file, text, params.scenario, pr.project.manifest(file)?.manifest);
      if (!e) return { error: 'the manifest cannot be edited safely (fix its syntax first)' };
      const ix = state.lineIndexOf(file, text);
      const note = placeholderNote(e.redacted);
      return { edit: { changes: { [params.manifestUri]: [{ range: ix.range(e.span), newText: e.newText }] } }, ...(note ? { note } : {}) };
    });
  },
};
