/** Go to definition: a tool, agent, role, server, argument, session field or policy id → where it is declared. */
import type { Location, LocationLink } from 'vscode-languageserver/node';
import { declarations, targetAt } from '../../core/navigation/navigate';
import { sliced } from '../navigation';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

let linkSupport = false;

export const definitionFeature: Feature = {
  name: 'definition',
  capabilities: (params) => {
    linkSupport = !!params.capabilities.textDocument?.definition?.linkSupport;
    return { definitionProvider: true };
  },
  register({ state, navigation }) {
    state.connection.onDefinition(
      sliced(function* (params): Generator<void, Location[] | LocationLink[] | null> {
        const at = yield* navigation.atSteps(params.textDocument.uri, params.position);
        if (!at) return null;
        const links: LocationLink[] = [];
        const seen = new Set<string>();
        for (const set of at.sets) {
          const hit = targetAt(set, at.file, at.offset);
          if (!hit) continue;
          for (const d of declarations(set, hit.target)) {
            const key = `${d.file}|${d.span.start}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const range = navigation.range(d.file, d.span);
            links.push({ originSelectionRange: navigation.range(at.file, hit.span, at.text), targetUri: pathToUri(d.file), targetRange: range, targetSelectionRange: range });
          }
        }
        if (links.length === 0) return null;
        return linkSupport ? links : links.map((l) => ({ uri: l.targetUri, range: l.targetSelectionRange }));
      }),
    );
  },
};
