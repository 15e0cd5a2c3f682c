import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { NavSet } from '../../server/src/core/navigation/navigate';
import { policyFileFacts } from '../../server/src/core/navigation/policyFacts';
import { isPolicyFile, isToolListFile } from '../../server/src/core/manifest/model';
import type { Project } from '../../server/src/core/project';
import { LineIndex } from '../../server/src/core/text';
import type { Span } from '../../server/src/core/types';
import { FIXTURES } from './memoryHost';

/** A case of test/fixtures/navigation/cases.yaml (see its header). */
export interface NavigationCase {
  name: string;
  at: { file: string; text: string };
  definition: string[];
  references: string[];
}

export function navigationCases(): NavigationCase[] {
  return (parse(fs.readFileSync(path.join(FIXTURES, 'navigation', 'cases.yaml'), 'utf8')) as { cases: NavigationCase[] }).cases;
}

/** The offset of the case's `|` in `fileText` (the snippet must occur exactly once). */
export function caseOffset(fileText: string, snippet: string): number {
  const bar = snippet.indexOf('|');
  const clean = snippet.slice(0, bar) + snippet.slice(bar + 1);
  const at = fileText.indexOf(clean);
  if (at < 0 || fileText.indexOf(clean, at + 1) >= 0) throw new Error(`the snippet ${JSON.stringify(snippet)} must occur exactly once`);
  return at + bar;
}

/** The policy set (as the language server builds it) of a policy file, manifest or tool list of a project. */
export function navSetOf(project: Project, file: string): NavSet {
  const entry = isPolicyFile(file) ? project.coveringManifest(file) : isToolListFile(file) ? project.allManifests().find((m) => m.imports.has(file)) : project.manifest(file);
  const files = entry ? project.policyFilesOf(entry) : isPolicyFile(file) ? [file] : [];
  return {
    manifest: entry?.manifest ? { file: entry.file, manifest: entry.manifest, sources: entry.result.sources } : undefined,
    policies: files.map((f) => ({ file: f, facts: policyFileFacts(project.host.readFile(f) ?? '') })),
  };
}

/** `file:line:column text` (1-based, UTF-16), `file` relative to `root`. */
export function placeText(root: string, file: string, text: string, span: Span): string {
  const p = new LineIndex(text).positionAt(span.start);
  return `${file.slice(root.length + 1)}:${p.line + 1}:${p.character + 1} ${text.slice(span.start, span.end)}`;
}

/** Applies edits (offsets into the current texts) to a map of texts, each file's edits from last to first. */
export function applyEdits(files: Map<string, string>, edits: { file: string; span: Span; newText: string }[]): void {
  const byFile = new Map<string, { span: Span; newText: string }[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, list] of byFile) {
    let text = files.get(file);
    if (text === undefined) throw new Error(`an edit of a file that does not exist: ${file}`);
    const sorted = [...list].sort((a, b) => b.span.start - a.span.start);
    for (let i = 1; i < sorted.length; i++) if (sorted[i]!.span.end > sorted[i - 1]!.span.start) throw new Error(`overlapping edits in ${file}`);
    for (const e of sorted) text = text.slice(0, e.span.start) + e.newText + text.slice(e.span.end);
    files.set(file, text);
  }
}
