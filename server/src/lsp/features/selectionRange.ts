/** Expand Selection: from the name under the cursor out to the policy (or the manifest block) and the file. */
import type { SelectionRange } from 'vscode-languageserver/node';
import { policySelection, yamlSelection } from '../../core/navigation/selectionRange';
import { LineIndex } from '../../core/text';
import type { Span } from '../../core/types';
import { sliced } from '../navigation';
import type { Feature } from './feature';

export const selectionRangeFeature: Feature = {
  name: 'selection ranges',
  capabilities: () => ({ selectionRangeProvider: true }),
  register({ state, navigation }) {
    state.connection.onSelectionRanges(
      sliced(function* (params): Generator<void, SelectionRange[] | null> {
        const doc = navigation.openDocument(params.textDocument.uri);
        if (!doc || doc.kind === 'other') return null;
        let spansAt: (offset: number) => Span[];
        if (doc.kind === 'policy') {
          const facts = yield* navigation.factsSteps(doc.file, doc.text);
          spansAt = (o) => policySelection(facts, o);
        } else {
          const source = navigation.manifestSource(doc.file, doc.text);
          spansAt = (o) => yamlSelection(source, o);
        }
        const ix = new LineIndex(doc.text);
        return params.positions.map((p) => {
          const spans = spansAt(ix.offsetAt(p));
          let parent: SelectionRange | undefined;
          for (let i = spans.length - 1; i >= 0; i--) parent = { range: ix.range(spans[i]!), parent };
          // Every position gets an answer (LSP asks for one per position): the empty range at the cursor.
          return parent ?? { range: { start: p, end: p } };
        });
      }),
    );
  },
};
