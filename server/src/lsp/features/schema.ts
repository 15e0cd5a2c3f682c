/** `agentPolicy/schema`: the Cedar schema generated from the manifest that a file belongs to. */
import { Methods, type SchemaParams, type SchemaResult } from '../../protocol';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const schemaFeature: Feature = {
  name: 'generated schema',
  register({ state }) {
    state.connection.onRequest(Methods.schema, (params: SchemaParams): SchemaResult => {
      const found = state.manifestFor(params.uri);
      if (!found) return { error: 'no agent manifest (*.agents.yaml) found in the workspace' };
      const { entry } = found;
      if (!entry.model) return { manifestUri: pathToUri(entry.file), error: 'the manifest has errors that prevent generating a schema; see the Problems panel' };
      return { manifestUri: pathToUri(entry.file), schema: entry.model.text };
    });
  },
};
