/**
 * Completion, hover and quick fixes as LSP answers, from an open document and the manifest that covers it. Shared by
 * the analysis worker (which answers with the manifest as it is now) and the router on the main thread (which answers
 * at once, from the manifest as the worker last loaded it, when the worker is busy).
 */
import {
  CodeAction,
  CodeActionKind,
  CompletionItemKind,
  InsertTextFormat,
  MarkupKind,
  type CodeActionParams,
  type CompletionItem,
  type Hover,
  type Position,
  type SignatureHelp,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { attributeTypesAt, completeAt, hoverAt, type AssistKind } from '../core/cedar/assist';
import { builtinAt, builtinMarkdown, methodCompletionsAt, signatureAt, signatureLabel } from '../core/cedar/builtins';
import { completeManifestAt } from '../core/manifest/assist';
import { attributeTypesFromSchema, completeFromSchema, hoverFromSchema } from '../core/cedar/schemaAssist';
import type { SchemaJson } from '../core/cedar/engine';
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

/**
 * Completion in an open policy file: what the manifest declares (or, in a plain Cedar project, what its Cedar schema
 * declares: `schema`, with resolved types), and Cedar's methods after a `.`.
 */
export function policyCompletion(doc: TextDocument, position: Position, manifest: Manifest | undefined, schema?: SchemaJson): CompletionItem[] {
  const lines = positionsOf(doc);
  const text = doc.getText();
  const offset = lines.offsetAt(position);
  const entries = manifest ? completeAt(text, offset, manifest) : completeFromSchema(text, offset, schema);
  const items: CompletionItem[] = entries.map((i) => ({
    label: i.label,
    kind: COMPLETION_KINDS[i.kind],
    detail: i.detail,
    documentation: i.documentation ? { kind: MarkupKind.Markdown, value: i.documentation } : undefined,
    sortText: i.sortText,
    textEdit: { range: lines.range(i.replace), newText: i.insertText ?? i.label },
  }));
  const typesOf = manifest ? (path: string[]) => attributeTypesAt(text, offset, path, manifest) : schema ? (path: string[]) => attributeTypesFromSchema(text, offset, path, schema) : undefined;
  const methods = methodCompletionsAt(text, offset, typesOf, !manifest);
  for (const [n, b] of (methods?.methods ?? []).entries()) {
    items.push({
      label: b.name,
      kind: CompletionItemKind.Method,
      detail: signatureLabel(b),
      documentation: { kind: MarkupKind.Markdown, value: builtinMarkdown(b) },
      // After the manifest's attributes.
      sortText: `z${String(n).padStart(4, '0')}`,
      insertTextFormat: InsertTextFormat.Snippet,
      textEdit: { range: lines.range(methods!.replace), newText: b.params?.length ? `${b.name}($1)` : `${b.name}()` },
    });
  }
  return items;
}

/** Hover in an open policy file: what the manifest says of a name, else what a Cedar operator, function or keyword does. */
export function policyHover(doc: TextDocument, position: Position, manifest: Manifest | undefined, schema?: SchemaJson): Hover | null {
  const lines = positionsOf(doc);
  const offset = lines.offsetAt(position);
  const h = manifest ? hoverAt(doc.getText(), offset, manifest) : hoverFromSchema(doc.getText(), offset, schema);
  if (h) return { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: lines.range(h.span) };
  const b = builtinAt(doc.getText(), offset, !manifest);
  return b ? { contents: { kind: MarkupKind.Markdown, value: builtinMarkdown(b.builtin) }, range: lines.range(b.span) } : null;
}

/** Signature help inside the parentheses of a Cedar function or method call. */
export function builtinSignatureHelp(doc: TextDocument, position: Position): SignatureHelp | null {
  const s = signatureAt(doc.getText(), positionsOf(doc).offsetAt(position));
  if (!s) return null;
  const label = signatureLabel(s.builtin);
  const open = label.indexOf('(') + 1;
  let at = open;
  const parameters = (s.builtin.params ?? []).map((p) => {
    const text = `${p.name}: ${p.type}`;
    const start = label.indexOf(text, at);
    at = start + text.length;
    return { label: [start, start + text.length] as [number, number] };
  });
  return {
    signatures: [{ label, documentation: { kind: MarkupKind.Markdown, value: builtinMarkdown(s.builtin) }, parameters }],
    activeSignature: 0,
    activeParameter: s.activeParameter,
  };
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
