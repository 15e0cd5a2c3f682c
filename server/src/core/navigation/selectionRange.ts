/**
 * Smart selection (Expand Selection): from the word under the cursor outwards. In a policy: the name, the quoted
 * string, the access path or entity reference, the operand of `&&`/`||` (or the list item), the inside of the bracket
 * and the bracket itself (with its `when`/`unless`), the scope, the policy, the policy with its comments, the file. In
 * a manifest: the scalar, its key–value pair, the block that holds it, and so on up to the document.
 */
import { isMap, isPair, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import type { Span } from '../types';
import type { YamlSource } from '../yamlDoc';
import type { PolicyFileFacts } from './policyFacts';
import { bracketPairs, tokenRange } from './structure';

const contains = (outer: Span, inner: Span) => outer.start <= inner.start && inner.end <= outer.end;

/** Spans from innermost to outermost, each strictly containing the one before. */
function nest(spans: Span[], offset: number): Span[] {
  const sorted = spans
    .filter((s) => s.start <= offset && offset <= s.end && s.end >= s.start)
    .sort((a, b) => a.end - a.start - (b.end - b.start) || b.start - a.start);
  const out: Span[] = [];
  for (const s of sorted) {
    const prev = out[out.length - 1];
    if (prev && (s.start === prev.start && s.end === prev.end)) continue;
    if (prev && !contains(s, prev)) continue;
    out.push(s);
  }
  return out;
}

export function policySelection(facts: PolicyFileFacts, offset: number): Span[] {
  const { text, tokens } = facts;
  const spans: Span[] = [{ start: 0, end: text.length }];
  const p = facts.policies.find((x) => x.slice.span.start <= offset && offset <= x.slice.span.end);
  if (!p) return nest(spans, offset);
  const s = p.slice;
  spans.push(s.span, s.bodySpan);
  if (s.headSpan) spans.push(s.headSpan);
  if (s.scope) spans.push(s.scope.principal, s.scope.action, s.scope.resource);
  for (const a of s.annotations) spans.push(a.span);
  for (const c of s.leadingComments) spans.push(c.span);
  const [from, to] = tokenRange(tokens, s.bodySpan);
  // The token under the cursor; between two tokens, the word rather than the punctuation, the one after rather than before.
  const touching = tokens.slice(from, to).filter((t) => t.start <= offset && offset <= t.end);
  const wordy = (t: { kind: string }) => t.kind === 'ident' || t.kind === 'string' || t.kind === 'number' || t.kind === 'slot';
  const tok = touching.find((t) => wordy(t) && offset < t.end) ?? touching.find(wordy) ?? touching.find((t) => offset < t.end) ?? touching[0];
  if (tok) {
    spans.push({ start: tok.start, end: tok.end });
    if (tok.kind === 'string' && tok.end - tok.start >= 2) spans.push({ start: tok.start + 1, end: tok.end - 1 });
  }
  for (const e of p.entities) {
    spans.push(e.span);
    // `Acme::Role::"ops"`: from the type's first name.
    let k = tokens.findIndex((t) => t.start === e.span.start);
    while (k >= 2 && tokens[k - 1]!.value === '::' && tokens[k - 2]!.kind === 'ident') k -= 2;
    if (k >= 0) spans.push({ start: tokens[k]!.start, end: e.span.end });
  }
  for (const a of p.attrs) for (let k = 0; k < a.spans.length; k++) spans.push({ start: a.spans[0]!.start, end: a.spans[k]!.end });
  for (const pair of bracketPairs(tokens, from, to)) {
    const open = tokens[pair.open]!;
    const close = pair.close >= 0 ? tokens[pair.close]! : tokens[to - 1]!;
    if (offset < open.start || offset > close.end) continue;
    spans.push({ start: open.start, end: close.end });
    const kw = tokens[pair.open - 1];
    if (open.value === '{' && kw?.kind === 'ident' && (kw.value === 'when' || kw.value === 'unless')) spans.push({ start: kw.start, end: close.end });
    // The inside, and the operand of `&&`/`||` or the item between commas that holds the cursor.
    const innerFrom = pair.open + 1;
    const innerTo = pair.close >= 0 ? pair.close : to;
    if (innerFrom < innerTo) spans.push({ start: tokens[innerFrom]!.start, end: tokens[innerTo - 1]!.end });
    spans.push(...operandsAround(tokens, innerFrom, innerTo, offset));
  }
  return nest(spans, offset);
}

/** Within tokens [from, to): the runs between top-level `,`, and within those between `||`, then `&&`. */
function operandsAround(tokens: { value: string; kind: string; start: number; end: number }[], from: number, to: number, offset: number): Span[] {
  const out: Span[] = [];
  const split = (a: number, b: number, seps: string[]) => {
    let depth = 0;
    let start = a;
    for (let i = a; i <= b; i++) {
      const t = tokens[i];
      const atEnd = i === b;
      if (!atEnd && t!.kind === 'punct') {
        if ('([{'.includes(t!.value)) depth++;
        else if (')]}'.includes(t!.value)) depth--;
      }
      if (atEnd || (depth === 0 && t!.kind === 'punct' && seps.includes(t!.value))) {
        if (start < i) {
          const span = { start: tokens[start]!.start, end: tokens[i - 1]!.end };
          if (span.start <= offset && offset <= span.end) {
            out.push(span);
            if (seps[0] === ',') split(start, i, ['||']);
            else if (seps[0] === '||') split(start, i, ['&&']);
          }
        }
        start = i + 1;
      }
    }
  };
  split(from, to, [',']);
  return out;
}

export function yamlSelection(source: YamlSource, offset: number): Span[] {
  const spans: Span[] = [{ start: 0, end: source.text.length }];
  const visit = (node: unknown, depth: number) => {
    if (depth > 10_000) return;
    const r = (node as YamlNode | null)?.range;
    if (!r) return;
    spans.push({ start: r[0], end: r[1] });
    if (isScalar(node)) {
      if ((node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') && r[1] - r[0] >= 2) spans.push({ start: r[0] + 1, end: r[1] - 1 });
      return;
    }
    if (!isMap(node) && !isSeq(node)) return;
    for (const it of node.items) {
      if (isPair(it)) {
        const k = (it.key as YamlNode | null)?.range;
        const v = (it.value as YamlNode | null)?.range;
        if (k) spans.push({ start: k[0], end: v ? Math.max(v[1], k[1]) : k[1] });
        visit(it.key, depth + 1);
        visit(it.value, depth + 1);
      } else visit(it, depth + 1);
    }
  };
  visit(source.doc.contents, 0);
  return nest(spans, offset);
}
