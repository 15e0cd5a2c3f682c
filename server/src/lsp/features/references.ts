/** Find all references: every policy, scenario and manifest entry that names a tool, agent, role, server, argument or policy id. */
import type { Location } from 'vscode-languageserver/node';
import { occurrences, targetAt } from '../../core/navigation/navigate';
import { sliced } from '../navigation';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const referencesFeature: Feature = {
  name: 'references',
  capabilities: () => ({ referencesProvider: true }),
  register({ state, navigation }) {
    state.connection.onReferences(
      sliced(function* (params): Generator<void, Location[] | null> {
        const at = yield* navigation.atSteps(params.textDocument.uri, params.position);
        if (!at) return null;
        const out: Location[] = [];
        const seen = new Set<string>();
        for (const set of at.sets) {
          const hit = targetAt(set, at.file, at.offset);
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
      }),
    );
  },
};
