/** Hover in policies, and on agents in manifests (the router answers from its snapshot when this worker is busy: see main.ts). */
import type { Hover } from 'vscode-languageserver/node';
import { policyHover } from '../assist';
import type { Feature } from './feature';
import { agentAccessHover } from './access';

export const hoverFeature: Feature = {
  name: 'hover',
  capabilities: () => ({ hoverProvider: true }),
  register({ state }) {
    state.connection.onHover((params): Hover | null => {
      const ctx = state.policyContext(params.textDocument.uri);
      // In a manifest: an agent's access in one line (from the access map).
      return ctx ? policyHover(ctx.doc, params.position, ctx.manifest, ctx.schema) : agentAccessHover(state, params);
    });
  },
};
