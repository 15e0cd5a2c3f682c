/**
 * How completion and hover learn what a policy's scope names (its tools, its principal and resource types).
 *
 * The analysis worker asks the engine (`parsePolicy` of the policy's head). The router answers completion and hover
 * itself when the worker is busy, and loading the engine there costs about 40 MB of resident memory (its compiled
 * code and heap, a second copy next to the worker's) for one small question; so the router reads the scope from
 * Cedar's tokens instead: the scope grammar is the short fixed one below, and anything else — a syntax error, a
 * construct not listed — is `undefined`, which callers treat as "every tool", as they do when the engine cannot
 * parse the head. A test checks both readers give the same scope on every policy of the examples, the fixtures and
 * generated sets.
 *
 *   head      := effect "(" principal ["," action ["," resource]] ")"
 *   principal := "principal" [("==" | "in") (entity | "?principal") | "is" path ["in" (entity | "?principal")]]
 *   action    := "action" [("==" | "in") entity | "in" "[" [entity ("," entity)* [","]] "]"]
 *   resource  := like principal, with "?resource"
 *   entity    := path "::" string
 */
import { parsePolicy, type PolicyJson } from './engine';
import { tokenize, type Token } from './split';

export type HeadScope = Pick<PolicyJson, 'principal' | 'action' | 'resource'>;

/** Reads the scope of a policy head (from its effect to its closing parenthesis, with a `;` or not). */
export type HeadReader = (head: string, template: boolean) => HeadScope | undefined;

/** The engine's reading (the worker's). */
export const engineHead: HeadReader = (head, template) => {
  const parsed = parsePolicy(head.trimEnd().endsWith(';') ? head : `${head};`, template);
  return 'json' in parsed ? parsed.json : undefined;
};

type Uid = { type: string; id: string };

/** The reading from Cedar's tokens (the router's: no engine). */
export const tokenHead: HeadReader = (head) => {
  const toks = tokenize(head).filter((t) => t.kind !== 'comment');
  let k = 0;
  const peek = (): Token | undefined => toks[k];
  const is = (value: string, kind: Token['kind'] = 'punct') => peek()?.kind === kind && peek()!.value === value;
  const take = (value: string, kind: Token['kind'] = 'punct') => (is(value, kind) ? (k++, true) : false);
  const path = (): string | undefined => {
    if (peek()?.kind !== 'ident') return undefined;
    const names = [toks[k++]!.value];
    while (is('::') && toks[k + 1]?.kind === 'ident') {
      k++;
      names.push(toks[k++]!.value);
    }
    return names.join('::');
  };
  const entity = (): Uid | undefined => {
    const type = path();
    if (type === undefined || !take('::')) return undefined;
    const s = peek();
    if (s?.kind !== 'string' || s.unterminated) return undefined;
    k++;
    const id = unescape(s.value);
    return id === undefined ? undefined : { type, id };
  };
  const slot = (name: string) => (peek()?.kind === 'slot' && peek()!.value === name ? (k++, true) : false);
  const entityOrSlot = (name: string): { entity: Uid } | { slot: string } | undefined => {
    if (slot(name)) return { slot: name };
    const e = entity();
    return e && { entity: e };
  };
  const principalOrResource = (word: 'principal' | 'resource'): HeadScope['principal'] | undefined => {
    if (!take(word, 'ident')) return undefined;
    const slotName = `?${word}`;
    if (take('==') || (is('in', 'ident') && take('in', 'ident'))) {
      const op = toks[k - 1]!.value as '==' | 'in';
      const target = entityOrSlot(slotName);
      return target && ({ op, ...target } as HeadScope['principal']);
    }
    if (take('is', 'ident')) {
      const type = path();
      if (type === undefined) return undefined;
      if (!take('in', 'ident')) return { op: 'is', entity_type: type } as HeadScope['principal'];
      const target = entityOrSlot(slotName);
      return target && ({ op: 'is', entity_type: type, in: target } as HeadScope['principal']);
    }
    return { op: 'All' };
  };
  const action = (): HeadScope['action'] | undefined => {
    if (!take('action', 'ident')) return undefined;
    if (take('==')) {
      const e = entity();
      return e && { op: '==', entity: e };
    }
    if (take('in', 'ident')) {
      if (!take('[')) {
        const e = entity();
        return e && { op: 'in', entity: e };
      }
      const entities: Uid[] = [];
      if (!take(']')) {
        for (;;) {
          const e = entity();
          if (!e) return undefined;
          entities.push(e);
          if (take(']')) break;
          if (!take(',')) return undefined;
          if (take(']')) break; // a trailing comma, as Cedar allows
        }
      }
      // As the engine gives it: a list of one is that entity.
      return entities.length === 1 ? { op: 'in', entity: entities[0]! } : { op: 'in', entities };
    }
    return { op: 'All' };
  };

  if (!take('permit', 'ident') && !take('forbid', 'ident')) return undefined;
  if (!take('(')) return undefined;
  const principal = principalOrResource('principal');
  if (!principal || !take(',')) return undefined;
  const act = action();
  if (!act || !take(',')) return undefined;
  const resource = principalOrResource('resource');
  if (!resource) return undefined;
  if (!take(')')) return undefined;
  take(';');
  return k === toks.length ? { principal, action: act, resource } : undefined;
};

let reader: HeadReader = engineHead;

/** The scope of a policy head, as this process reads heads (the engine's reading unless `setHeadReader` chose another). */
export function readHead(head: string, template: boolean): HeadScope | undefined {
  return reader(head, template);
}

/** How this process reads heads: the router sets `tokenHead` once, at start. */
export function setHeadReader(r: HeadReader): void {
  reader = r;
}

/** A string literal's text between the quotes, unescaped as Cedar does for the escapes JSON shares; else undefined. */
function unescape(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    const v: unknown = JSON.parse(`"${raw.replace(/\\'/g, "'").replace(/\\0/g, '\\u0000')}"`);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
