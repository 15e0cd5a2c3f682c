/** The Outline and the breadcrumbs: policies by `@id` (effect and scope), and a manifest's agents, roles, servers, tools and scenarios. */
import { SymbolKind, type DocumentSymbol, type SymbolInformation } from 'vscode-languageserver/node';
import { manifestSymbols, policySymbols, type DocSymbol, type SymbolKindName } from '../../core/navigation/symbols';
import { LineIndex } from '../../core/text';
import { sliced } from '../navigation';
import type { Feature } from './feature';

export const SYMBOL_KINDS: Record<SymbolKindName, SymbolKind> = {
  permit: SymbolKind.Function,
  forbid: SymbolKind.Event,
  policy: SymbolKind.Function,
  condition: SymbolKind.Struct,
  section: SymbolKind.Namespace,
  agent: SymbolKind.Class,
  role: SymbolKind.Interface,
  server: SymbolKind.Module,
  tool: SymbolKind.Method,
  argument: SymbolKind.Field,
  scenario: SymbolKind.Event,
  field: SymbolKind.Property,
  setting: SymbolKind.Key,
};

let hierarchical = false;

export const documentSymbolsFeature: Feature = {
  name: 'document symbols',
  capabilities: (params) => {
    hierarchical = !!params.capabilities.textDocument?.documentSymbol?.hierarchicalDocumentSymbolSupport;
    return { documentSymbolProvider: { label: 'Agent Policy' } };
  },
  register({ state, navigation }) {
    state.connection.onDocumentSymbol(
      sliced(function* (params): Generator<void, DocumentSymbol[] | SymbolInformation[] | null> {
        const doc = navigation.openDocument(params.textDocument.uri);
        if (!doc || doc.kind === 'other') return null;
        const symbols = doc.kind === 'policy' ? policySymbols(yield* navigation.factsSteps(doc.file, doc.text)) : manifestSymbols(navigation.manifestSource(doc.file, doc.text));
        const ix = new LineIndex(doc.text);
        const toLsp = (s: DocSymbol): DocumentSymbol => ({
          name: s.name || ' ',
          detail: s.detail,
          kind: SYMBOL_KINDS[s.kind],
          range: ix.range(s.span),
          selectionRange: ix.range(s.selection),
          children: s.children.map(toLsp),
        });
        if (hierarchical) return symbols.map(toLsp);
        const flat: SymbolInformation[] = [];
        const walk = (s: DocSymbol, container?: string) => {
          flat.push({ name: s.name || ' ', kind: SYMBOL_KINDS[s.kind], location: { uri: params.textDocument.uri, range: ix.range(s.span) }, containerName: container });
          for (const c of s.children) walk(c, s.name);
        };
        for (const s of symbols) walk(s);
        return flat;
      }),
    );
  },
};
