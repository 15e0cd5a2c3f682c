/**
 * Rename agents, roles, policy ids, inline tools and servers across the manifest, its scenarios and its policies.
 * `prepareRename` says why something cannot be renamed (an imported tool's name belongs to its MCP server).
 */
import { LSPErrorCodes, MessageType, ResponseError, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import { prepareRename, rename } from '../../core/navigation/navigate';
import { sliced } from '../navigation';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const renameFeature: Feature = {
  name: 'rename',
  capabilities: () => ({ renameProvider: { prepareProvider: true } }),
  register({ state, navigation }) {
    const { connection } = state;
    connection.onPrepareRename(
      sliced(function* (params): Generator<void, { range: Range; placeholder: string } | null> {
        const at = yield* navigation.atSteps(params.textDocument.uri, params.position);
        for (const set of at?.sets ?? []) {
          const r = prepareRename(set, at!.file, at!.offset);
          if (!r) continue;
          if ('error' in r) throw new ResponseError(LSPErrorCodes.RequestFailed, `Cannot rename: ${r.error}`);
          return { range: navigation.range(at!.file, r.span, at!.text), placeholder: r.placeholder };
        }
        return null;
      }),
    );
    connection.onRenameRequest(
      sliced(function* (params): Generator<void, WorkspaceEdit | null> {
        const at = yield* navigation.atSteps(params.textDocument.uri, params.position);
        for (const set of at?.sets ?? []) {
          const r = rename(set, at!.file, at!.offset, params.newName);
          if (!r) continue;
          if ('error' in r) {
            const message = `Cannot rename: ${r.error}`;
            // VS Code does not show a failed rename's error: say it.
            void connection.sendNotification('window/showMessage', { type: MessageType.Error, message: `Agent Policy: ${message}` });
            throw new ResponseError(LSPErrorCodes.RequestFailed, message);
          }
          const changes: Record<string, TextEdit[]> = {};
          for (const e of r.edits) (changes[pathToUri(e.file)] ??= []).push({ range: navigation.range(e.file, e.span), newText: e.newText });
          return { changes };
        }
        return null;
      }),
    );
  },
};
