/** Go to Symbol in Workspace: every policy by `@id`, and the agents, roles, servers, tools and scenarios of every manifest. */
import type { SymbolInformation } from 'vscode-languageserver/node';
import { workspaceSymbols } from '../../core/navigation/symbols';
import { sliced } from '../navigation';
import { pathToUri } from '../uris';
import { SYMBOL_KINDS } from './documentSymbols';
import type { Feature } from './feature';

export const workspaceSymbolsFeature: Feature = {
  name: 'workspace symbols',
  capabilities: () => ({ workspaceSymbolProvider: true }),
  register({ state, navigation }) {
    state.connection.onWorkspaceSymbol(
      sliced(function* (params): Generator<void, SymbolInformation[]> {
        const all = yield* navigation.everythingSteps();
        return workspaceSymbols(all.policies, all.manifests, params.query).map((s) => ({
          name: s.name,
          kind: SYMBOL_KINDS[s.kind],
          containerName: s.container,
          location: { uri: pathToUri(s.file), range: navigation.range(s.file, s.span) },
        }));
      }),
    );
  },
};
