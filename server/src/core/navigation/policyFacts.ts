/**
 * What navigation needs to know about each policy of a file, read from tokens (the text being edited need not parse):
 * its id, its action and resource scope, the entity references it writes (`Acme::Role::"ops"`) and the attributes it
 * reads (`context.input.amount`, `context.session has ticket_id`, `principal.trust_level`), each with exact spans.
 */
import { TimeSlice } from '../timeSlice';
import type { Span } from '../types';
import { splitPoliciesSteps, tokenizeSteps, unescapeCedarString, type PolicySlice, type Token } from '../cedar/split';

export interface EntityRef {
  /** The whole type as written: `Acme::Action`. */
  type: string;
  /** Its last part: `Action`. */
  local: string;
  /** The namespace before it: `Acme` (empty when unqualified). */
  namespace: string;
  /** The id, unescaped. */
  id: string;
  /** The string literal, quotes included. */
  span: Span;
  /** The string literal's content, without the quotes (what a rename replaces). */
  idSpan: Span;
  /** Where the reference is: in the scope (`principal`/`action`/`resource`) or in a condition. */
  where: 'principal' | 'action' | 'resource' | 'condition' | 'other';
}

export interface AttrRef {
  /** `['context', 'input', 'amount']`, `['principal', 'trust_level']`. */
  path: string[];
  /** The span of each segment of the path (for a quoted segment, its content). */
  spans: Span[];
  /** `has`: the last segments are the operand of a `has` (a guard, not a read). */
  via: 'read' | 'has';
}

export type ActionScope = { kind: 'any' } | { kind: 'group'; id: string } | { kind: 'tools'; ids: string[] };

export interface PolicyFacts {
  slice: PolicySlice;
  /** `@id` when present, else `policy<index>` as Cedar names it. */
  id: string;
  action: ActionScope;
  /** The server a resource scope names (`resource == Acme::McpServer::"crm"`). */
  resourceServer?: string;
  entities: EntityRef[];
  attrs: AttrRef[];
}

export interface PolicyFileFacts {
  text: string;
  tokens: Token[];
  policies: PolicyFacts[];
}

export const CALL_TOOL_GROUP = 'call_tool';
const ROOTS = new Set(['context', 'principal', 'resource', 'action']);

function runSteps<T>(gen: Generator<void, T>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

export function policyFileFacts(text: string): PolicyFileFacts {
  return runSteps(policyFileFactsSteps(text));
}

/** `policyFileFacts` in time slices (see TimeSlice). */
export function* policyFileFactsSteps(text: string, slice = new TimeSlice()): Generator<void, PolicyFileFacts> {
  const tokens = yield* tokenizeSteps(text, slice);
  const slices = yield* splitPoliciesSteps(text, tokens, slice);
  const policies: PolicyFacts[] = [];
  let k = 0;
  for (const s of slices) {
    if (slice.due()) yield;
    while (k < tokens.length && tokens[k]!.start < s.bodySpan.start) k++;
    const first = k;
    while (k < tokens.length && tokens[k]!.end <= s.bodySpan.end) k++;
    policies.push(factsOf(s, tokens.slice(first, k)));
  }
  return { text, tokens, policies };
}

const inside = (t: { start: number; end: number }, span: Span | undefined) => !!span && t.start >= span.start && t.end <= span.end;

function factsOf(slice: PolicySlice, toks: Token[]): PolicyFacts {
  const entities: EntityRef[] = [];
  const attrs: AttrRef[] = [];
  const scope = slice.scope;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind === 'string' && toks[i - 1]?.value === '::' && toks[i - 2]?.kind === 'ident') {
      let j = i - 2;
      const parts = [toks[j]!.value];
      while (toks[j - 1]?.value === '::' && toks[j - 2]?.kind === 'ident') {
        j -= 2;
        parts.unshift(toks[j]!.value);
      }
      const where = inside(t, scope?.principal) ? 'principal' : inside(t, scope?.action) ? 'action' : inside(t, scope?.resource) ? 'resource' : slice.headSpan && t.start > slice.headSpan.end ? 'condition' : 'other';
      entities.push({
        type: parts.join('::'),
        local: parts[parts.length - 1]!,
        namespace: parts.slice(0, -1).join('::'),
        id: unescapeCedarString(t.value),
        span: { start: t.start, end: t.end },
        idSpan: { start: t.start + 1, end: t.unterminated ? t.end : Math.max(t.start + 1, t.end - 1) },
        where,
      });
      continue;
    }
    if (t.kind === 'ident' && ROOTS.has(t.value) && toks[i - 1]?.value !== '.' && toks[i + 1]?.value !== '::') {
      const chain = readChain(toks, i);
      if (chain.path.length > 1) attrs.push({ path: chain.path, spans: chain.spans, via: 'read' });
      i = chain.next - 1;
      // `<chain> has a` / `has a.b` / `has "a"`
      if (toks[chain.next]?.kind === 'ident' && toks[chain.next]!.value === 'has') {
        const guarded = readHasOperand(toks, chain.next + 1);
        if (guarded.path.length) attrs.push({ path: [...chain.path, ...guarded.path], spans: [...chain.spans, ...guarded.spans], via: 'has' });
        i = Math.max(i, guarded.next - 1);
      }
    }
  }
  const action = actionScopeOf(slice, entities);
  const server = entities.find((e) => e.where === 'resource' && e.local === 'McpServer');
  return { slice, id: slice.id?.value ?? `policy${slice.index}`, action, resourceServer: server?.id, entities, attrs };
}

/** `root(.name | ["name"])*`, stopping before a method call (`.contains(`). */
function readChain(toks: Token[], i: number): { path: string[]; spans: Span[]; next: number } {
  const path = [toks[i]!.value];
  const spans = [{ start: toks[i]!.start, end: toks[i]!.end }];
  let k = i + 1;
  for (;;) {
    const a = toks[k];
    const b = toks[k + 1];
    if (a?.value === '.' && b?.kind === 'ident' && toks[k + 2]?.value !== '(') {
      path.push(b.value);
      spans.push({ start: b.start, end: b.end });
      k += 2;
    } else if (a?.value === '[' && b?.kind === 'string' && toks[k + 2]?.value === ']') {
      path.push(unescapeCedarString(b.value));
      spans.push({ start: b.start + 1, end: Math.max(b.start + 1, b.end - 1) });
      k += 3;
    } else break;
  }
  return { path, spans, next: k };
}

function readHasOperand(toks: Token[], k: number): { path: string[]; spans: Span[]; next: number } {
  const first = toks[k];
  if (first?.kind === 'string') return { path: [unescapeCedarString(first.value)], spans: [{ start: first.start + 1, end: Math.max(first.start + 1, first.end - 1) }], next: k + 1 };
  if (first?.kind !== 'ident') return { path: [], spans: [], next: k };
  const path = [first.value];
  const spans = [{ start: first.start, end: first.end }];
  k++;
  while (toks[k]?.value === '.' && toks[k + 1]?.kind === 'ident') {
    path.push(toks[k + 1]!.value);
    spans.push({ start: toks[k + 1]!.start, end: toks[k + 1]!.end });
    k += 2;
  }
  return { path, spans, next: k };
}

function actionScopeOf(slice: PolicySlice, entities: EntityRef[]): ActionScope {
  if (!slice.scope) return { kind: 'any' };
  const named = entities.filter((e) => e.where === 'action' && e.local === 'Action');
  if (named.length === 0) return { kind: 'any' };
  const group = named.find((e) => e.id === CALL_TOOL_GROUP);
  if (group) return { kind: 'group', id: group.id };
  return { kind: 'tools', ids: named.map((e) => e.id) };
}

/**
 * Facts of the files navigation reads, kept while a file's text is unchanged. Its owner (the language server) holds
 * one and drops files that are gone.
 */
export class PolicyFactsCache {
  private readonly byFile = new Map<string, PolicyFileFacts>();

  *getSteps(file: string, text: string, slice = new TimeSlice()): Generator<void, PolicyFileFacts> {
    const hit = this.byFile.get(file);
    if (hit && hit.text === text) return hit;
    const facts = yield* policyFileFactsSteps(text, slice);
    this.byFile.set(file, facts);
    return facts;
  }

  get(file: string, text: string): PolicyFileFacts {
    return runSteps(this.getSteps(file, text));
  }

  /** Forgets every file not in `keep`. */
  retain(keep: Set<string>) {
    for (const f of [...this.byFile.keys()]) if (!keep.has(f)) this.byFile.delete(f);
  }
}
