/** Completion in policies and manifests (the router answers from its snapshot when this worker is busy: see main.ts). */
import type { CompletionItem } from 'vscode-languageserver/node';
import { isManifestFile } from '../../core/manifest/model';
import { manifestCompletion, policyCompletion } from '../assist';
import { uriToPath } from '../uris';
import type { Feature } from './feature';

export const completionFeature: Feature = {
  name: 'completion',
  // `.` and `"` in policies; a space after `agent:` or `principal ==`.
  capabilities: () => ({ completionProvider: { triggerCharacters: ['.', '"', ' '] } }),
  register({ state }) {
    state.connection.onCompletion((params): CompletionItem[] => {
      const p = uriToPath(params.textDocument.uri);
      const doc = state.documents.get(params.textDocument.uri);
      if (p && doc && isManifestFile(p) && !p.endsWith('.json')) return manifestCompletion(doc, params.position, state.rememberLoadedManifest(p));
      const ctx = state.policyContext(params.textDocument.uri);
      return ctx ? policyCompletion(ctx.doc, params.position, ctx.manifest, ctx.schema) : [];
    });
  },
};
