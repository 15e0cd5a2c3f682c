/** Hover in policies (the router answers from its snapshot when this worker is busy: see main.ts). */
import type { Hover } from 'vscode-languageserver/node';
import { policyHover } from '../assist';
import type { Feature } from './feature';

export const hoverFeature: Feature = {
  name: 'hover',
  capabilities: () => ({ hoverProvider: true }),
  register({ state }) {
    state.connection.onHover((params): Hover | null => {
      const ctx = state.policyContext(params.textDocument.uri);
      return ctx ? policyHover(ctx.doc, params.position, ctx.manifest, ctx.schema) : null;
    });
  },
};
