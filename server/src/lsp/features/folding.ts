/** Folding: policies, scopes, `when`/`unless` blocks and lists in policy files; every multi-line block of a manifest; comment runs. */
import { FoldingRangeKind, type FoldingRange } from 'vscode-languageserver/node';
import { isManifestFile, isPolicyFile } from '../../core/manifest/model';
import { policyFolds, yamlFolds, type Fold } from '../../core/navigation/folding';
import { parseYaml } from '../../core/yamlDoc';
import { runCancellable } from '../navigation';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const foldingFeature: Feature = {
  name: 'folding',
  capabilities: () => ({ foldingRangeProvider: true }),
  register({ state, navigation }) {
    state.connection.onFoldingRanges((params, token) =>
      runCancellable(
        token,
        (function* (): Generator<void, FoldingRange[] | null> {
          const file = uriToPath(params.textDocument.uri);
          const text = state.documents.get(params.textDocument.uri)?.getText();
          if (!file || text === undefined) return null;
          let folds: Fold[];
          if (isPolicyFile(file)) folds = policyFolds(yield* navigation.factsSteps(file, text));
          else if (isManifestFile(file)) folds = yamlFolds(parseYaml(text, 'manifest-invalid', file.endsWith('.json') ? 'json' : 'yaml').source);
          else return null;
          return folds.map((f) => ({ startLine: f.startLine, endLine: f.endLine, kind: f.kind === 'comment' ? FoldingRangeKind.Comment : undefined }));
        })(),
      ),
    );
  },
};
