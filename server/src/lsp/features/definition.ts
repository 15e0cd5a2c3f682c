/** Go to definition: a tool, agent, role, server, argument, session field or policy id → where it is declared. */
import type { Location, LocationLink } from 'vscode-languageserver/node';
import { declarations, targetAt } from '../../core/navigation/navigate';
import { runCancellable } from '../navigation';
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
    state.connection.onDefinition((params, token) =>
      runCancellable(
        token,
        (function* (): Generator<void, Location[] | LocationLink[] | null> {
          const found = yield* navigation.setsOfSteps(params.textDocument.uri);
          const text = found && navigation.text(found.file);
          if (!found || text === undefined) return null;
          const offset = navigation.offsetAt(found.file, text, params.position);
          const links: LocationLink[] = [];
          const seen = new Set<string>();
          for (const set of found.sets) {
            const hit = targetAt(set, found.file, offset);
            if (!hit) continue;
            for (const d of declarations(set, hit.target)) {
              const key = `${d.file}|${d.span.start}`;
              if (seen.has(key)) continue;
              seen.add(key);
              const range = navigation.range(d.file, d.span);
              links.push({ originSelectionRange: navigation.range(found.file, hit.span, text), targetUri: pathToUri(d.file), targetRange: range, targetSelectionRange: range });
            }
          }
          if (links.length === 0) return null;
          return linkSupport ? links : links.map((l) => ({ uri: l.targetUri, range: l.targetSelectionRange }));
        })(),
      ),
    );
  },
};
