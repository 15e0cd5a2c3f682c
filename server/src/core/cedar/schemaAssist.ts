/**
 * Completion and hover in a plain Cedar project's policies, from its own Cedar schema (read by Cedar with every type
 * resolved: `schemaToJsonWithResolvedTypes`): the attributes of `principal`, `resource` and `context` for the actions
 * the policy's scope names (their `appliesTo`), the attributes of entity-typed attributes after them, the entity types
 * after `is`, and the actions in `action ==` / `action in [...]`. Pure: text and schema in, entries out; never throws.
 */
import type { Span } from '../types';
import { own, ownObject } from '../own';
import { entityTypeBefore, pathBefore, tokenIndexAt, windowAround, wordSpan, type CompletionEntry, type HoverEntry } from './assist';
import type { SchemaJson } from './engine';
import { readHead } from './headScope';
import { splitPolicies, tokenize, unescapeCedarString, type Token } from './split';

interface Attr {
  name: string;
  type: unknown;
  required: boolean;
}

interface Action {
  /** `PhotoApp::Action::"viewPhoto"`. */
  ref: string;
  type: string;
  id: string;
  principals: string[];
  resources: string[];
  context: unknown;
  memberOf: string[];
}

/** What completion and hover need of a schema, indexed once per schema. */
export interface SchemaIndex {
  entities: Map<string, { attrs: Attr[]; memberOf: string[] }>;
  common: Map<string, unknown>;
  actions: Action[];
}

const indexes = new WeakMap<SchemaJson, SchemaIndex>();

const qualify = (ns: string, name: string) => (ns ? `${ns}::${name}` : name);

/** Indexes a resolved schema (own properties only; anything unexpected is skipped). */
export function indexSchema(schema: SchemaJson): SchemaIndex {
  const hit = indexes.get(schema);
  if (hit) return hit;
  const index: SchemaIndex = { entities: new Map(), common: new Map(), actions: [] };
  for (const ns of Object.keys(schema)) {
    const body = ownObject(schema, ns);
    if (!body) continue;
    const common = ownObject(body, 'commonTypes') ?? {};
    for (const name of Object.keys(common)) index.common.set(qualify(ns, name), own(common, name));
    const entities = ownObject(body, 'entityTypes') ?? {};
    for (const name of Object.keys(entities)) {
      const e = ownObject(entities, name) ?? {};
      const member = own(e, 'memberOfTypes');
      index.entities.set(qualify(ns, name), { attrs: recordAttrs(own(e, 'shape'), index), memberOf: Array.isArray(member) ? member.filter((m): m is string => typeof m === 'string') : [] });
    }
    const actions = ownObject(body, 'actions') ?? {};
    for (const id of Object.keys(actions)) {
      const a = ownObject(actions, id) ?? {};
      const applies = ownObject(a, 'appliesTo') ?? {};
      const list = (k: string) => {
        const v = own(applies, k);
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
      };
      const memberOf = own(a, 'memberOf');
      const type = qualify(ns, 'Action');
      index.actions.push({
        ref: `${type}::${JSON.stringify(id)}`,
        type,
        id,
        principals: list('principalTypes'),
        resources: list('resourceTypes'),
        context: own(applies, 'context'),
        memberOf: Array.isArray(memberOf) ? memberOf.map((m) => String(own(m, 'id') ?? '')).filter(Boolean) : [],
      });
    }
  }
  indexes.set(schema, index);
  return index;
}

/** Follows a common type name to its definition (a few steps at most). */
function deref(type: unknown, index: SchemaIndex): unknown {
  let t = type;
  for (let i = 0; i < 8; i++) {
    const name = own(t, 'type');
    if (typeof name === 'string' && index.common.has(name)) t = index.common.get(name);
    else return t;
  }
  return t;
}

function recordAttrs(record: unknown, index: SchemaIndex): Attr[] {
  const r = deref(record, index);
  const attrs = ownObject(r, 'attributes') ?? {};
  return Object.keys(attrs).map((name) => {
    const a = own(attrs, name);
    return { name, type: a, required: own(a, 'required') !== false };
  });
}

/** A type as the Cedar schema text writes it: `String`, `Set<PhotoApp::User>`, `{ a: Long }`. */
export function typeName(type: unknown, index: SchemaIndex, depth = 0): string {
  const t = own(type, 'type');
  if (typeof t !== 'string' || depth > 6) return '?';
  switch (t) {
    case 'Entity':
    case 'Extension':
    case 'EntityOrCommon':
      return String(own(type, 'name') ?? '?');
    case 'Set':
      return `Set<${typeName(own(type, 'element'), index, depth + 1)}>`;
    case 'Record':
      return `{ ${recordAttrs(type, index).map((a) => `${a.name}${a.required ? '' : '?'}: ${typeName(a.type, index, depth + 1)}`).join(', ')} }`;
    case 'Boolean':
      return 'Bool';
    default:
      return t;
  }
}

/** The attributes reachable from a value of `type` (an entity type's, or a record's), after common types. */
function attrsOf(type: unknown, index: SchemaIndex): { attrs: Attr[]; owner: string } | undefined {
  const t = deref(type, index);
  const kind = own(t, 'type');
  if (kind === 'Entity') {
    const name = String(own(t, 'name') ?? '');
    const e = index.entities.get(name);
    return e && { attrs: e.attrs, owner: `entity type \`${name}\`` };
  }
  if (kind === 'Record') return { attrs: recordAttrs(t, index), owner: 'the record' };
  return undefined;
}

/** The actions, principal types and resource types the scope of the policy around `offset` allows. */
function scopeOf(text: string, offset: number, index: SchemaIndex): { actions: Action[]; principals: string[]; resources: string[] } {
  let actions = index.actions;
  let principal: string | undefined;
  let resource: string | undefined;
  const policy = splitPolicies(text).find((p) => p.span.start <= offset && offset <= p.span.end + 1);
  if (policy?.effectSpan && policy.headSpan) {
    const parsed = readHead(text.slice(policy.effectSpan.start, policy.headSpan.end), policy.isTemplate);
    if (parsed) {
      const a = parsed.action as { op?: string; entity?: { type?: string; id?: string }; entities?: { type?: string; id?: string }[] };
      const named = a.op === '==' || (a.op === 'in' && a.entity) ? [a.entity] : a.op === 'in' && Array.isArray(a.entities) ? a.entities : undefined;
      if (named) {
        const refs = new Set(named.map((e) => `${e?.type}::${JSON.stringify(e?.id)}`));
        // `in` also matches the actions under a group.
        const picked = index.actions.filter((x) => refs.has(x.ref) || (a.op === 'in' && x.memberOf.some((m) => refs.has(`${x.type}::${JSON.stringify(m)}`))));
        if (picked.length) actions = picked;
      }
      const typeOf = (c: unknown): string | undefined => {
        const op = own(c, 'op');
        if (op === 'is') return String(own(c, 'entity_type') ?? '') || undefined;
        if (op === '==') return String(own(own(c, 'entity'), 'type') ?? '') || undefined;
        return undefined;
      };
      principal = typeOf(parsed.principal);
      resource = typeOf(parsed.resource);
    }
  }
  const union = (f: (a: Action) => string[], fixed?: string) => (fixed && index.entities.has(fixed) ? [fixed] : [...new Set(actions.flatMap(f))]);
  return { actions, principals: union((a) => a.principals, principal), resources: union((a) => a.resources, resource) };
}

/** The attributes an access path leads to (`principal`, `resource.owner`, `context`), merged over the types it can have. */
function attributesAt(path: string[], text: string, offset: number, index: SchemaIndex): { attr: Attr; owners: string[] }[] | undefined {
  const scope = scopeOf(text, offset, index);
  let types: unknown[];
  switch (path[0]) {
    case 'principal':
      types = scope.principals.map((name) => ({ type: 'Entity', name }));
      break;
    case 'resource':
      types = scope.resources.map((name) => ({ type: 'Entity', name }));
      break;
    case 'context':
      types = scope.actions.map((a) => a.context).filter((c) => c !== undefined);
      break;
    default:
      return undefined;
  }
  let found: { attr: Attr; owners: string[] }[] = [];
  for (let i = 0; ; i++) {
    const merged = new Map<string, { attr: Attr; owners: string[] }>();
    for (const t of types) {
      const a = attrsOf(t, index);
      for (const attr of a?.attrs ?? []) {
        const prev = merged.get(attr.name);
        if (prev) prev.owners.push(a!.owner);
        else merged.set(attr.name, { attr, owners: [a!.owner] });
      }
    }
    found = [...merged.values()];
    if (i + 1 >= path.length) return found;
    const next = path[i + 1]!;
    types = types.flatMap((t) => attrsOf(t, index)?.attrs.filter((a) => a.name === next).map((a) => a.type) ?? []);
    if (types.length === 0) return [];
  }
}

function attrDoc(path: string, a: { attr: Attr; owners: string[] }, index: SchemaIndex): string {
  return `**\`${path}\`** — \`${typeName(a.attr.type, index)}\`${a.attr.required ? '' : ' (optional: guard it with `has`)'}\n\nAttribute of ${[...new Set(a.owners)].join(', ')} in the Cedar schema.`;
}

function actionDoc(a: Action): string {
  const list = (xs: string[]) => (xs.length ? xs.map((x) => `\`${x}\``).join(', ') : 'none');
  return [`**Action \`${a.ref}\`**`, '', `Principals: ${list(a.principals)}`, '', `Resources: ${list(a.resources)}`].join('\n');
}

function entityDoc(name: string, index: SchemaIndex): string | undefined {
  const e = index.entities.get(name);
  if (!e) return undefined;
  const attrs = e.attrs.map((a) => `\`${a.name}\`${a.required ? '' : '?'}: \`${typeName(a.type, index)}\``).join(', ');
  return [`**Entity type \`${name}\`**`, ...(e.memberOf.length ? ['', `Member of: ${e.memberOf.map((m) => `\`${m}\``).join(', ')}`] : []), '', `Attributes: ${attrs || 'none'}`].join('\n');
}

const shift = (span: Span, by: number): Span => ({ start: span.start + by, end: span.end + by });

/** Completion at `offset` (UTF-16) of a policy file of a plain Cedar project. */
export function completeFromSchema(text: string, offset: number, schema: SchemaJson | undefined): CompletionEntry[] {
  if (!schema || offset < 0 || offset > text.length) return [];
  const w = windowAround(text, offset);
  return completeIn(w.text, offset - w.base, indexSchema(schema)).map((e) => ({ ...e, replace: shift(e.replace, w.base) }));
}

function completeIn(text: string, offset: number, index: SchemaIndex): CompletionEntry[] {
  const tokens = tokenize(text);
  const i = tokenIndexAt(tokens, offset);
  const tok = tokens[i];
  if (tok?.kind === 'comment' && offset <= tok.end) return [];
  const order = (n: number) => String(n).padStart(4, '0');
  if (tok?.kind === 'string' && offset > tok.start) {
    const unterminated = tok.end - tok.start === 1 || text.charCodeAt(tok.end - 1) !== 34;
    if (!(offset < tok.end || unterminated)) return [];
    // An action id after `…Action::"`.
    const type = entityTypeBefore(tokens, i);
    if (type !== 'Action') return [];
    let k = i - 2;
    const names: string[] = [];
    while (tokens[k]?.kind === 'ident') {
      names.unshift(tokens[k]!.value);
      if (tokens[k - 1]?.value !== '::') break;
      k -= 2;
    }
    const actionType = names.join('::');
    const replace = wordSpan(text, offset, /[^"\\\n\r]/);
    replace.start = Math.max(replace.start, tok.start + 1);
    return index.actions.filter((a) => a.type === actionType).map((a, n) => ({ label: a.id, kind: 'tool' as const, detail: 'action', documentation: actionDoc(a), replace, sortText: order(n) }));
  }
  let j = i;
  let replace: Span = { start: offset, end: offset };
  if (tok?.kind === 'ident' && offset <= tok.end) {
    replace = { start: tok.start, end: tok.end };
    j = i - 1;
  }
  const sep = tokens[j];
  if (sep && (sep.value === '.' || (sep.kind === 'ident' && sep.value === 'has'))) {
    const p = pathBefore(tokens, j);
    if (!p) return [];
    // After `.`, only names Cedar can write there (`resource["légende"]` needs brackets); after `has`, any.
    const attrs = (attributesAt(p.path, text, offset, index) ?? []).filter((a) => sep.value === 'has' || /^[A-Za-z_][A-Za-z0-9_]*$/.test(a.attr.name));
    return attrs.map((a, n) => ({ label: a.attr.name, kind: 'property' as const, detail: `${typeName(a.attr.type, index)}${a.attr.required ? '' : '?'}`, documentation: attrDoc(`${p.path.join('.')}.${a.attr.name}`, a, index), replace, sortText: order(n) }));
  }
  // `principal is |`, `resource is |`: entity types.
  if (sep?.kind === 'ident' && sep.value === 'is') {
    const scope = scopeOf(text, offset, index);
    const v = tokens[j - 1]?.value;
    const types = v === 'principal' ? scope.principals : v === 'resource' ? scope.resources : [...index.entities.keys()];
    return types.map((t, n) => ({ label: t, kind: 'agent' as const, detail: 'entity type', documentation: entityDoc(t, index), replace, sortText: order(n) }));
  }
  // `action == |`, `action in |`, `action in [..., |`: whole action references.
  let k = j;
  if (tokens[k]?.value === '[' || tokens[k]?.value === ',') {
    const inList = (t: Token) => t.kind === 'ident' || t.kind === 'string' || t.value === '::' || t.value === ',';
    while (k > 0 && tokens[k]!.value !== '[' && inList(tokens[k]!)) k--;
    k = tokens[k]?.value === '[' ? k - 1 : -1;
  }
  const op = tokens[k];
  if (op && (op.value === '==' || op.value === 'in') && tokens[k - 1]?.value === 'action') {
    return index.actions.map((a, n) => ({ label: a.ref, kind: 'tool' as const, detail: 'action', documentation: actionDoc(a), replace, insertText: a.ref, sortText: order(n) }));
  }
  return [];
}

/** The Cedar types of the attribute an access path names (`Set<String>`, `Long`), for method completion after it. */
export function attributeTypesFromSchema(text: string, offset: number, path: string[], schema: SchemaJson): string[] | undefined {
  if (path.length < 2) return undefined;
  const w = windowAround(text, offset);
  const index = indexSchema(schema);
  const a = attributesAt(path.slice(0, -1), w.text, offset - w.base, index)?.find((x) => x.attr.name === path.at(-1));
  return a && [typeName(a.attr.type, index)];
}

/** Hover at `offset` of a policy file of a plain Cedar project: an attribute, an action or an entity type. */
export function hoverFromSchema(text: string, offset: number, schema: SchemaJson | undefined): HoverEntry | undefined {
  if (!schema || offset < 0 || offset > text.length) return undefined;
  const w = windowAround(text, offset);
  const h = hoverIn(w.text, offset - w.base, indexSchema(schema));
  return h && { ...h, span: shift(h.span, w.base) };
}

function hoverIn(text: string, offset: number, index: SchemaIndex): HoverEntry | undefined {
  const tokens = tokenize(text);
  const i = tokenIndexAt(tokens, offset + 1);
  const tok = tokens[i];
  if (!tok || offset >= tok.end) return undefined;
  // A qualified name `A::B::"id"` or `A::B`: from its first segment.
  const qualified = (from: number) => {
    let start = from;
    while (tokens[start - 1]?.value === '::' && tokens[start - 2]?.kind === 'ident') start -= 2;
    return start;
  };
  if (tok.kind === 'string') {
    if (entityTypeBefore(tokens, i) === undefined) return undefined;
    const start = qualified(i - 2);
    const type = tokens.slice(start, i - 1).map((t) => t.value).join('');
    const ref = `${type}::${JSON.stringify(unescapeCedarString(tok.value))}`;
    const a = index.actions.find((x) => x.ref === ref);
    const doc = a ? actionDoc(a) : entityDoc(type, index);
    return doc ? { span: { start: tokens[start]!.start, end: tok.end }, markdown: doc } : undefined;
  }
  if (tok.kind !== 'ident') return undefined;
  if (tokens[i - 1]?.value === '.') {
    const p = pathBefore(tokens, i + 1);
    if (!p || p.path.length < 2) return undefined;
    const a = attributesAt(p.path.slice(0, -1), text, offset, index)?.find((x) => x.attr.name === tok.value);
    return a && { span: { start: p.start, end: tok.end }, markdown: attrDoc(p.path.join('.'), a, index) };
  }
  // An entity type name (`PhotoApp::User` after `is`, or before `::"id"`).
  let end = i;
  while (tokens[end + 1]?.value === '::' && tokens[end + 2]?.kind === 'ident') end += 2;
  const start = qualified(i);
  const name = tokens.slice(start, end + 1).map((t) => t.value).join('');
  const doc = entityDoc(name, index);
  return doc ? { span: { start: tokens[start]!.start, end: tokens[end]!.end }, markdown: doc } : undefined;
}
