/**
 * Format Document and Format Selection for policy files, with Cedar's own formatter, one policy at a time (comments and
 * suppression comments stay where they are). A file with a policy that does not parse is not formatted: the server
 * says why, and the text stays as it is.
 */
import { DocumentFormattingRequest, DocumentRangeFormattingRequest, MessageType, type TextEdit } from 'vscode-languageserver/node';
import { formatPolicyText } from '../../core/cedar/format';
import { isPolicyFile } from '../../core/manifest/model';
import { LineIndex } from '../../core/text';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

/** Policy files only: registered for the `cedar` language, so that no other formatter of YAML or JSON is contested. */
const SELECTOR = [{ language: 'cedar' }];
let dynamic = false;

export const formattingFeature: Feature = {
  name: 'formatting',
  capabilities: (params) => {
    const td = params.capabilities.textDocument;
    dynamic = !!td?.formatting?.dynamicRegistration && !!td.rangeFormatting?.dynamicRegistration;
    return dynamic ? {} : { documentFormattingProvider: true, documentRangeFormattingProvider: true };
  },
  register({ state }) {
    const { connection } = state;
    const format = (uri: string, tabSize: number, range?: { start: { line: number; character: number }; end: { line: number; character: number } }): TextEdit[] | null => {
      const file = uriToPath(uri);
      const doc = state.documents.get(uri);
      if (!file || !doc || !isPolicyFile(file)) return null;
      const text = doc.getText();
      const ix = new LineIndex(text);
      const span = range && { start: ix.offsetAt(range.start), end: ix.offsetAt(range.end) };
      const r = formatPolicyText(text, { indentWidth: tabSize > 0 && tabSize <= 8 ? tabSize : 2 }, span);
      if ('error' in r) {
        void connection.sendNotification('window/showMessage', { type: MessageType.Warning, message: `Agent Policy: cannot format ${file.slice(file.lastIndexOf('/') + 1)}: ${r.error}` });
        return null;
      }
      return r.edits.map((e) => ({ range: ix.range(e.span), newText: e.newText }));
    };
    connection.onDocumentFormatting((params) => format(params.textDocument.uri, params.options.tabSize));
    connection.onDocumentRangeFormatting((params) => format(params.textDocument.uri, params.options.tabSize, params.range));
  },
  initialized({ state }) {
    if (!dynamic) return;
    void state.connection.client.register(DocumentFormattingRequest.type, { documentSelector: SELECTOR }).catch(() => undefined);
    void state.connection.client.register(DocumentRangeFormattingRequest.type, { documentSelector: SELECTOR }).catch(() => undefined);
  },
};
