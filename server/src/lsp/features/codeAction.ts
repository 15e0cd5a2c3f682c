/** Quick fixes, from the fixes each diagnostic carries (the router answers them too: see main.ts). */
import { CodeActionKind } from 'vscode-languageserver/node';
import { quickFixes } from '../assist';
import { pathToUri } from '../uris';
import type { Feature } from './feature';

export const codeActionFeature: Feature = {
  name: 'code actions',
  capabilities: () => ({ codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] } }),
  register({ state }) {
    state.connection.onCodeAction((params) => quickFixes(params, pathToUri));
  },
};
