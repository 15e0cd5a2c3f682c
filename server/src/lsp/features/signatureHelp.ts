/** Signature help inside the parentheses of a Cedar extension function or method (the router answers it too: see main.ts). */
import type { SignatureHelp } from 'vscode-languageserver/node';
import { isPolicyFile } from '../../core/manifest/model';
import { builtinSignatureHelp } from '../assist';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const signatureHelpFeature: Feature = {
  name: 'signature help',
  capabilities: () => ({ signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] } }),
  register({ state }) {
    state.connection.onSignatureHelp((params): SignatureHelp | null => {
      const doc = state.documents.get(params.textDocument.uri);
      return doc && isPolicyFile(uriToPath(params.textDocument.uri) ?? '') ? builtinSignatureHelp(doc, params.position) : null;
    });
  },
};
