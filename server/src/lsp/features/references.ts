/** Find all references: every policy, scenario and manifest entry that names a tool, agent, role, server, argument or policy id. */
import type { Location } from 'vscode-languageserver/node';
import { occurrences, targetAt } from '../../core/navigation/navigate';
import { runCancellable } from '../navigation';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const referencesFeature: Feature = {
  name: 'references',
  capabilities: () => ({ referencesProvider: true }),
  register({ state, navigation }) {
    state.connection.onReferences((params, token) =>
      runCancellable(
        token,
        (function* (): Generator<void, Location[] | null> {
          const found = yield* navigation.setsOfSteps(params.textDocument.uri);
          const text = found && navigation.text(found.file);
          if (!found || text === undefined) return null;
          const offset = navigation.offsetAt(found.file, text, params.position);
          const out: Location[] = [];
          const seen = new Set<string>();
          for (const set of found.sets) {
            const hit = targetAt(set, found.file, offset);
            if (!hit) continue;
            for (const o of occurrences(set, hit.target)) {
              if (o.role === 'declaration' && !params.context.includeDeclaration) continue;
              const key = `${o.file}|${o.span.start}`;
              if (seen.has(key)) continue;
              seen.add(key);
              out.push({ uri: pathToUri(o.file), range: navigation.range(o.file, o.span) });
            }
          }
          return out;
        })(),
      ),
    );
  },
};
