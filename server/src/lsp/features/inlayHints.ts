/**
 * Inlay hints in policy files, when `agentPolicy.inlayHints.enabled` is on (off by default): the Cedar type of a
 * compared argument or session field, the agents of a role, the tools of `call_tool` or of a server.
 */
import { InlayHintKind, type InlayHint } from 'vscode-languageserver/node';
import { inlayHints } from '../../core/navigation/inlayHints';
import { LineIndex } from '../../core/text';
import { sliced } from '../navigation';
import type { Feature } from './feature';

export const inlayHintsFeature: Feature = {
  name: 'inlay hints',
  capabilities: () => ({ inlayHintProvider: true }),
  register({ state, navigation }) {
    state.connection.languages.inlayHint.on(
      sliced(function* (params): Generator<void, InlayHint[] | null> {
        if (!state.settings.inlayHints) return null;
        const doc = navigation.openDocument(params.textDocument.uri);
        if (doc?.kind !== 'policy') return null;
        const manifest = state.projectOf(doc.file)?.project.coveringManifest(doc.file)?.manifest;
        if (!manifest) return null;
        const ix = new LineIndex(doc.text);
        const range = { start: ix.offsetAt(params.range.start), end: ix.offsetAt(params.range.end) };
        const facts = yield* navigation.factsSteps(doc.file, doc.text);
        return inlayHints(facts, manifest, range).map((h) => ({
          position: ix.positionAt(h.offset),
          label: h.label,
          kind: h.kind === 'type' ? InlayHintKind.Type : undefined,
          paddingLeft: h.kind === 'expansion',
          tooltip: h.tooltip,
        }));
      }),
    );
  },
};
