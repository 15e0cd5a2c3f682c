/**
 * Completion, hover and quick fixes as LSP answers, from an open document and the manifest that covers it. Shared by
 * the analysis worker (which answers with the manifest as it is now) and the router on the main thread (which answers
 * at once, from the manifest as the worker last loaded it, when the worker is busy).
 */
import {
  CodeAction,
  CodeActionKind,
  CompletionItemKind,
  MarkupKind,
  type CodeActionParams,
  type CompletionItem,
  type Hover,
  type Position,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { completeAt, hoverAt, type AssistKind } from '../core/cedar/assist';
import { completeManifestAt } from '../core/manifest/assist';
import type { Manifest } from '../core/manifest/model';
import type { FixWithRanges } from '../core/types';

const COMPLETION_KINDS: Record<AssistKind, CompletionItemKind> = {
  property: CompletionItemKind.Property,
  value: CompletionItemKind.EnumMember,
  tool: CompletionItemKind.Function,
  agent: CompletionItemKind.Class,
  role: CompletionItemKind.Interface,
  server: CompletionItemKind.Module,
};

/**
 * Positions in an open document, from the line offsets the synced document already keeps (requests on the
 * keystroke path do not index the text again).
 */
function positionsOf(doc: TextDocument) {
  return {
    offsetAt: (position: Position) => doc.offsetAt(position),
    range: (span: { start: number; end: number }) => ({ start: doc.positionAt(span.start), end: doc.positionAt(span.end) }),
  };
}

/** Completion in an open YAML manifest: the ids its fields refer to. */
export function manifestCompletion(doc: TextDocument, position: Position, manifest: Manifest | undefined): CompletionItem[] {
  const lines = positionsOf(doc);
  return completeManifestAt(doc.getText(), lines.offsetAt(position), manifest).map((i) => ({
    label: i.label,
    kind: COMPLETION_KINDS[i.kind],
    detail: i.detail,
    textEdit: { range: lines.range(i.replace), newText: i.label },
  }));
}

/** Completion in an open policy file. */
export function policyCompletion(doc: TextDocument, position: Position, manifest: Manifest | undefined): CompletionItem[] {
  const lines = positionsOf(doc);
  return completeAt(doc.getText(), lines.offsetAt(position), manifest).map((i) => ({
    label: i.label,
    kind: COMPLETION_KINDS[i.kind],
    detail: i.detail,
    documentation: i.documentation ? { kind: MarkupKind.Markdown, value: i.documentation } : undefined,
    sortText: i.sortText,
    textEdit: { range: lines.range(i.replace), newText: i.insertText ?? i.label },
  }));
}

/** Hover in an open policy file. */
export function policyHover(doc: TextDocument, position: Position, manifest: Manifest | undefined): Hover | null {
  const lines = positionsOf(doc);
  const h = hoverAt(doc.getText(), lines.offsetAt(position), manifest);
  return h ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: lines.range(h.span) } : null;
}

/** The quick fixes a diagnostic carries (computed with it, so answering needs no analysis). */
export function quickFixes(params: CodeActionParams, pathToUri: (p: string) => string): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const d of params.context.diagnostics) {
    const fixes = (d.data as { fixes?: FixWithRanges[] } | undefined)?.fixes;
    for (const fx of fixes ?? []) {
      const changes: Record<string, TextEdit[]> = {};
      for (const e of fx.edits) (changes[pathToUri(e.file)] ??= []).push({ range: e.range, newText: e.newText });
      const edit: WorkspaceEdit = { changes };
      actions.push({ title: fx.title, kind: CodeActionKind.QuickFix, diagnostics: [d], edit, isPreferred: fx.preferred });
    }
  }
  return actions;
}
