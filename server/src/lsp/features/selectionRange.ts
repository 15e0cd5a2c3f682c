/** Expand Selection: from the name under the cursor out to the policy (or the manifest block) and the file. */
import type { SelectionRange } from 'vscode-languageserver/node';
import { isManifestFile, isPolicyFile } from '../../core/manifest/model';
import { policySelection, yamlSelection } from '../../core/navigation/selectionRange';
import { LineIndex } from '../../core/text';
import type { Span } from '../../core/types';
import { parseYaml } from '../../core/yamlDoc';
import { runCancellable } from '../navigation';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const selectionRangeFeature: Feature = {
  name: 'selection ranges',
  capabilities: () => ({ selectionRangeProvider: true }),
  register({ state, navigation }) {
    state.connection.onSelectionRanges((params, token) =>
      runCancellable(
        token,
        (function* (): Generator<void, SelectionRange[] | null> {
          const file = uriToPath(params.textDocument.uri);
          const text = state.documents.get(params.textDocument.uri)?.getText();
          if (!file || text === undefined) return null;
          const ix = new LineIndex(text);
          let spansAt: (offset: number) => Span[];
          if (isPolicyFile(file)) {
            const facts = yield* navigation.factsSteps(file, text);
            spansAt = (o) => policySelection(facts, o);
          } else if (isManifestFile(file)) {
            const source = parseYaml(text, 'manifest-invalid', file.endsWith('.json') ? 'json' : 'yaml').source;
            spansAt = (o) => yamlSelection(source, o);
          } else return null;
          return params.positions.map((p) => {
            const offset = ix.offsetAt(p);
            const spans = spansAt(offset);
            let parent: SelectionRange | undefined;
            for (let i = spans.length - 1; i >= 0; i--) parent = { range: ix.range(spans[i]!), parent };
            // Every position gets an answer (LSP asks for one per position): the empty range at the cursor.
            return parent ?? { range: { start: p, end: p } };
          });
        })(),
      ),
    );
  },
};
