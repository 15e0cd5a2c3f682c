/**
 * Folding ranges: in policy files each policy, its scope, its `when`/`unless` blocks and multi-line lists, and runs of
 * comments; in manifests every block that spans lines (sections, agents, tools, scenarios, schemas) and comments.
 */
import { isMap, isPair, isSeq, type Node as YamlNode } from 'yaml';
import { LineIndex } from '../text';
import type { YamlSource } from '../yamlDoc';
import type { PolicyFileFacts } from './policyFacts';
import { bracketPairs, tokenRange } from './structure';

export interface Fold {
  startLine: number;
  endLine: number;
  kind?: 'comment' | 'region';
}

/** Keeps the line of a closing bracket visible when it starts its line (`};` stays under the folded `when {`). */
function closeLine(ix: LineIndex, text: string, closeStart: number): number {
  const pos = ix.positionAt(closeStart);
  const lineStart = closeStart - pos.character;
  return /^[ \t]*$/.test(text.slice(lineStart, closeStart)) ? pos.line - 1 : pos.line;
}

function commentRuns(ix: LineIndex, comments: { start: number; end: number }[], text: string): Fold[] {
  const out: Fold[] = [];
  let first: number | undefined;
  let last = -2;
  const flush = () => {
    if (first !== undefined && last > first) out.push({ startLine: first, endLine: last, kind: 'comment' });
  };
  for (const c of comments) {
    const pos = ix.positionAt(c.start);
    // Only comments that start their line form a block.
    if (!/^[ \t]*$/.test(text.slice(c.start - pos.character, c.start))) continue;
    if (pos.line === last + 1) last = pos.line;
    else {
      flush();
      first = last = pos.line;
    }
  }
  flush();
  return out;
}

export function policyFolds(facts: PolicyFileFacts, ix = new LineIndex(facts.text)): Fold[] {
  const { text, tokens } = facts;
  const out: Fold[] = [];
  const add = (startLine: number, endLine: number) => endLine > startLine && out.push({ startLine, endLine });
  for (const p of facts.policies) {
    const body = p.slice.bodySpan;
    add(ix.positionAt(body.start).line, ix.positionAt(body.end).line);
    const [from, to] = tokenRange(tokens, body);
    for (const pair of bracketPairs(tokens, from, to)) {
      if (pair.close < 0) continue;
      const open = tokens[pair.open]!;
      add(ix.positionAt(open.start).line, closeLine(ix, text, tokens[pair.close]!.start));
    }
  }
  out.push(...commentRuns(ix, tokens.filter((t) => t.kind === 'comment'), text));
  return dedupe(out);
}

export function yamlFolds(source: YamlSource, ix = new LineIndex(source.text)): Fold[] {
  const out: Fold[] = [];
  const { text } = source;
  const add = (start: number, end: number) => {
    const a = ix.positionAt(start).line;
    // A block's range ends after its last line break: the last line of content is the one before.
    let e = end;
    while (e > start && /\s/.test(text[e - 1]!)) e--;
    const b = ix.positionAt(e).line;
    if (b > a) out.push({ startLine: a, endLine: b });
  };
  const visit = (node: unknown, from: number | undefined, depth: number) => {
    if (depth > 200) return;
    if (isMap(node) || isSeq(node)) {
      const r = (node as YamlNode).range;
      if (r) add(from ?? r[0], r[1]);
      for (const it of node.items) {
        if (isPair(it)) {
          const k = (it.key as YamlNode | null)?.range;
          visit(it.value, k ? k[0] : undefined, depth + 1);
        } else visit(it, undefined, depth + 1);
      }
    }
  };
  const root = source.doc.contents as YamlNode | null;
  if (isMap(root) || isSeq(root)) {
    for (const it of root.items) {
      if (isPair(it)) visit(it.value, (it.key as YamlNode | null)?.range?.[0], 1);
      else visit(it, undefined, 1);
    }
  }
  const comments: { start: number; end: number }[] = [];
  const re = /^[ \t]*#.*$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) comments.push({ start: m.index + m[0].length - m[0].trimStart().length, end: m.index + m[0].length });
  out.push(...commentRuns(ix, comments, text));
  return dedupe(out);
}

function dedupe(folds: Fold[]): Fold[] {
  const seen = new Set<string>();
  return folds
    .filter((f) => {
      const k = `${f.startLine}:${f.endLine}:${f.kind ?? ''}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.startLine - b.startLine || b.endLine - a.endLine);
}
