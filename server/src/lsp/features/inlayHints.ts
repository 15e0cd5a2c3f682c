/**
 * Inlay hints in policy files, when `agentPolicy.inlayHints.enabled` is on (off by default): the Cedar type of a
 * compared argument or session field, the agents of a role, the tools of `call_tool` or of a server.
 */
import { InlayHintKind, type InlayHint } from 'vscode-languageserver/node';
import { isPolicyFile } from '../../core/manifest/model';
import { inlayHints } from '../../core/navigation/inlayHints';
import { LineIndex } from '../../core/text';
import { runCancellable } from '../navigation';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const inlayHintsFeature: Feature = {
  name: 'inlay hints',
  capabilities: () => ({ inlayHintProvider: true }),
  register({ state, navigation }) {
    state.connection.languages.inlayHint.on((params, token) =>
      runCancellable(
        token,
        (function* (): Generator<void, InlayHint[] | null> {
          if (!state.settings.inlayHints) return null;
          const file = uriToPath(params.textDocument.uri);
          const text = state.documents.get(params.textDocument.uri)?.getText();
          if (!file || text === undefined || !isPolicyFile(file)) return null;
          const manifest = state.projectOf(file)?.project.coveringManifest(file)?.manifest;
          if (!manifest) return null;
          const ix = new LineIndex(text);
          const range = { start: ix.offsetAt(params.range.start), end: ix.offsetAt(params.range.end) };
          const facts = yield* navigation.factsSteps(file, text);
          return inlayHints(facts, manifest, range).map((h) => ({
            position: ix.positionAt(h.offset),
            label: h.label,
            kind: h.kind === 'type' ? InlayHintKind.Type : undefined,
            paddingLeft: h.kind === 'expansion',
            tooltip: h.tooltip,
          }));
        })(),
      ),
    );
  },
};
