/** Folding: policies, scopes, `when`/`unless` blocks and lists in policy files; every multi-line block of a manifest; comment runs. */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver/node';
import { policyFolds, yamlFolds } from '../../core/navigation/folding';
import { sliced } from '../navigation';
import type { Feature } from './feature';

export const foldingFeature: Feature = {
  name: 'folding',
  capabilities: () => ({ foldingRangeProvider: true }),
  register({ state, navigation }) {
    state.connection.onFoldingRanges(
      sliced(function* (params): Generator<void, FoldingRange[] | null> {
        const doc = navigation.openDocument(params.textDocument.uri);
        if (!doc || doc.kind === 'other') return null;
        const folds = doc.kind === 'policy' ? policyFolds(yield* navigation.factsSteps(doc.file, doc.text)) : yamlFolds(navigation.manifestSource(doc.file, doc.text));
        return folds.map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : undefined }));
      }),
    );
  },
};
