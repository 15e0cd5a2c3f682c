/**
 * Conditions of the access map: what Cedar's partial evaluation leaves of the policies (residuals over
 * `unknown("input")` / `unknown("session")`), turned back into `context.input` / `context.session`, combined, made
 * readable and printed by Cedar's own printer. Every rewrite here keeps the condition equivalent, including when a
 * part of it errors (Cedar evaluates `&&` and `||` left to right and stops early; its expressions have no effects):
 *
 * - `true && X`, `X && true`, `false || X`, `X || false` → `X`; `true || X` → `true`; `!!X` → `X`; `!true` → `false`
 *   (only where Cedar needs a boolean: a condition, an operand of `&&`, `||`, `!`);
 * - in `A && B`, B is evaluated only when A was true: A (and what A's conjuncts say) is `true` inside B, and a
 *   conjunct repeated later is dropped — so `has` guards are shown once; in `A || B`, A is `false` inside B;
 * - `(P && X) || (P && Y)` → `P && (X || Y)` for a common leading prefix P (the same evaluation order).
 */
import { parsePolicy, policyJsonToText, type CedarExpr, type PolicyJson } from '../cedar/engine';
import { own } from '../own';

export type Expr = CedarExpr;

export const TRUE: Expr = { Value: true };
export const FALSE: Expr = { Value: false };

const key = (e: Expr): string => JSON.stringify(e);

function boolValue(e: Expr): boolean | undefined {
  const v = own(e, 'Value');
  return typeof v === 'boolean' ? v : undefined;
}

function binary(e: Expr, op: string): { left: Expr; right: Expr } | undefined {
  const b = own(e, op);
  if (typeof b !== 'object' || b === null) return undefined;
  const left = own(b, 'left');
  const right = own(b, 'right');
  return left !== undefined && right !== undefined ? { left: left as Expr, right: right as Expr } : undefined;
}

function notArg(e: Expr): Expr | undefined {
  const n = own(e, '!');
  const a = own(n, 'arg');
  return a === undefined ? undefined : (a as Expr);
}

export function and(...items: Expr[]): Expr {
  if (items.length === 0) return TRUE;
  return items.slice(1).reduce((l, r) => ({ '&&': { left: l, right: r } }), items[0]!);
}

export function or(...items: Expr[]): Expr {
  if (items.length === 0) return FALSE;
  return items.slice(1).reduce((l, r) => ({ '||': { left: l, right: r } }), items[0]!);
}

export function not(e: Expr): Expr {
  return { '!': { arg: e } };
}

/** The operands of a chain of `op` (left to right). */
function flatten(e: Expr, op: '&&' | '||'): Expr[] {
  const b = binary(e, op);
  return b ? [...flatten(b.left, op), ...flatten(b.right, op)] : [e];
}

/** The conjuncts of a condition, left to right. */
export function conjuncts(e: Expr): Expr[] {
  return flatten(e, '&&');
}

/** A residual policy's conditions as one expression (`when` clauses as they are, `unless` negated). */
export function residualCondition(p: PolicyJson): Expr {
  return and(...p.conditions.map((c) => (c.kind === 'when' ? c.body : not(c.body))));
}

/** `unknown("input")` → `context.input` (and `session`): the names the analysis gave the unknowns. */
export function fromUnknowns(e: Expr): Expr {
  return mapExpr(e, (x) => {
    const u = own(x, 'unknown');
    if (Array.isArray(u) && u.length === 1 && typeof own(u[0], 'Value') === 'string') return { '.': { left: { Var: 'context' }, attr: own(u[0], 'Value') as string } };
    return undefined;
  });
}

/** A copy of `e` where `f` replaces the sub-expressions it returns a value for (outermost first). */
function mapExpr(e: Expr, f: (x: Expr) => Expr | undefined): Expr {
  const hit = f(e);
  if (hit !== undefined) return hit;
  if (typeof e !== 'object' || e === null) return e;
  const [op] = Object.keys(e);
  if (op === undefined || op === 'Value' || op === 'Var' || op === 'Slot') return e;
  const body = (e as Record<string, unknown>)[op];
  const sub = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map((x) => (isExpr(x) ? mapExpr(x as Expr, f) : x));
    if (typeof v !== 'object' || v === null) return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'pattern' || k === 'attr' || k === 'entity_type' ? x : isExprField(x) ? mapExpr(x as Expr, f) : sub(x)]));
  };
  if (op === 'Set' && Array.isArray(body)) return { Set: body.map((x) => mapExpr(x as Expr, f)) };
  if (op === 'Record' && typeof body === 'object' && body !== null) return { Record: Object.fromEntries(Object.entries(body).map(([k, x]) => [k, mapExpr(x as Expr, f)])) };
  if (Array.isArray(body)) return { [op]: body.map((x) => mapExpr(x as Expr, f)) } as Expr; // an extension function call
  return { [op]: sub(body) } as Expr;
}

function isExpr(x: unknown): boolean {
  return typeof x === 'object' && x !== null;
}

function isExprField(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Facts known where an expression is evaluated: sub-expressions (by key) that are true or false there, and expressions known to equal a literal. */
interface Facts {
  bool: Map<string, boolean>;
  eq: Map<string, string | number | boolean>;
}

const noFacts = (): Facts => ({ bool: new Map(), eq: new Map() });
const copyFacts = (f: Facts): Facts => ({ bool: new Map(f.bool), eq: new Map(f.eq) });

function primitive(e: Expr): string | number | boolean | undefined {
  const v = own(e, 'Value');
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

function withFact(facts: Facts, e: Expr, value: boolean): void {
  facts.bool.set(key(e), value);
  const a = notArg(e);
  if (a !== undefined) withFact(facts, a, !value);
  // `a < b` evaluated (without error) to v: `a >= b` evaluates to !v (comparisons are total orders, `==` is total).
  for (const [op, flip] of Object.entries(COMPLEMENT)) {
    const b = binary(e, op);
    if (b) facts.bool.set(key({ [flip]: { left: b.left, right: b.right } } as Expr), !value);
  }
  // `x == "a"` held: x evaluated (without error) to "a", so `x == "b"` is false and `x == "a"` true wherever it is evaluated again.
  const eq = binary(e, '==') ?? (value ? undefined : binary(e, '!='));
  if (eq && (value || binary(e, '!='))) {
    const lit = primitive(eq.right);
    if (lit !== undefined) facts.eq.set(key(eq.left), lit);
  }
}

/** `x == lit` / `x != lit` where x is known to equal a literal of the same kind. */
function knownComparison(e: Expr, facts: Facts): boolean | undefined {
  for (const op of ['==', '!='] as const) {
    const b = binary(e, op);
    if (!b) continue;
    const lit = primitive(b.right);
    const known = facts.eq.get(key(b.left));
    if (lit === undefined || known === undefined || typeof lit !== typeof known) return undefined;
    return op === '==' ? lit === known : lit !== known;
  }
  return undefined;
}

/** Replaces known sub-expressions by their value (sound in any position: Cedar expressions have no effects). */
function applyFacts(e: Expr, facts: Facts): Expr {
  if (facts.bool.size === 0 && facts.eq.size === 0) return e;
  return mapExpr(e, (x) => {
    const v = facts.bool.get(key(x)) ?? knownComparison(x, facts);
    return v === undefined ? undefined : { Value: v };
  });
}

const COMPLEMENT: Record<string, string> = { '<': '>=', '<=': '>', '>': '<=', '>=': '<', '==': '!=', '!=': '==' };

/** Simplifies an expression in a position where Cedar needs a boolean (see the module comment). */
export interface SimplifyOptions {
  /**
   * True when an expression cannot error on any call the schema admits (Cedar's strict validator says so): then
   * `X || true` is `true` and `X && false` is `false`. Without it, those stay (X might error).
   */
  cannotError?: (e: Expr) => boolean;
}

export function simplify(e: Expr, facts: Facts = noFacts(), options: SimplifyOptions = {}): Expr {
  return simp(e, facts, options);
}

function simp(e: Expr, facts: Facts, options: SimplifyOptions): Expr {
  const simplify = (x: Expr, f: Facts) => simp(x, f, options);
  const safe = (list: Expr[]) => !!options.cannotError && list.every((x) => options.cannotError!(x));
  const known = facts.bool.get(key(e)) ?? knownComparison(e, facts);
  if (known !== undefined) return { Value: known };
  if (binary(e, '&&')) {
    const local = copyFacts(facts);
    const out: Expr[] = [];
    const seen = new Set<string>();
    for (const item of flatten(e, '&&')) {
      const s = simplify(item, local);
      const v = boolValue(s);
      if (v === true) continue;
      if (v === false) {
        // Evaluation stops here: what follows is never evaluated. What came before decides only if it can error.
        if (safe(out)) return FALSE;
        out.push(FALSE);
        break;
      }
      const k = key(s);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(s);
      withFact(local, s, true);
      for (const c of flatten(s, '&&')) withFact(local, c, true);
    }
    return out.length === 1 && boolValue(out[0]!) === false ? FALSE : and(...out);
  }
  if (binary(e, '||')) {
    const local = copyFacts(facts);
    const out: Expr[] = [];
    const seen = new Set<string>();
    for (const item of flatten(e, '||')) {
      const s = simplify(item, local);
      const v = boolValue(s);
      if (v === false) continue;
      if (v === true) {
        if (safe(out)) return TRUE;
        out.push(TRUE);
        break;
      }
      const k = key(s);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(s);
      withFact(local, s, false);
    }
    if (out.length === 1 && boolValue(out[0]!) === true) return TRUE;
    return factor(out, facts, options);
  }
  const a = notArg(e);
  if (a !== undefined) {
    const s = simplify(a, facts);
    const v = boolValue(s);
    if (v !== undefined) return { Value: !v };
    const inner = notArg(s);
    if (inner !== undefined) return inner;
    // `!(a <= b)` is `a > b` (Cedar's residuals write `>` so): comparisons are total orders, and both forms error alike.
    for (const [op, flip] of Object.entries(COMPLEMENT)) {
      const b = binary(s, op);
      if (b) return { [flip]: { left: b.left, right: b.right } } as Expr;
    }
    return not(s);
  }
  const ite = own(e, 'if-then-else');
  if (typeof ite === 'object' && ite !== null) {
    const c = simplify(own(ite, 'if') as Expr, facts);
    const v = boolValue(c);
    if (v === true) return simplify(own(ite, 'then') as Expr, facts);
    if (v === false) return simplify(own(ite, 'else') as Expr, facts);
    const t = copyFacts(facts);
    withFact(t, c, true);
    const f = copyFacts(facts);
    withFact(f, c, false);
    return { 'if-then-else': { if: c, then: simplify(own(ite, 'then') as Expr, t), else: simplify(own(ite, 'else') as Expr, f) } };
  }
  return applyFacts(e, facts);
}

/** `(P && X) || (P && Y)` → `P && (X || Y)`, for the longest common leading prefix P of every disjunct. */
function factor(disjuncts: Expr[], facts: Facts, options: SimplifyOptions): Expr {
  if (disjuncts.length < 2) return or(...disjuncts);
  const lists = disjuncts.map((d) => flatten(d, '&&'));
  let n = 0;
  while (lists.every((l) => l.length > n && key(l[n]!) === key(lists[0]![n]!))) n++;
  if (n === 0) return or(...disjuncts);
  const prefix = lists[0]!.slice(0, n);
  // A disjunct that is the prefix alone: `P || (P && X)` is P.
  if (lists.some((l) => l.length === n)) return and(...prefix);
  return simp(and(...prefix, or(...lists.map((l) => and(...l.slice(n))))), facts, options);
}

/** The paths of `context.input` / `context.session` an expression compares with literals: the values sampling should try. */
export interface Comparison {
  root: 'input' | 'session';
  path: string[];
  op: string;
  value: unknown;
}

/** `context.input.a.b` → ['input', 'a', 'b']. */
export function contextPath(e: Expr): string[] | undefined {
  const parts: string[] = [];
  let cur: unknown = e;
  for (;;) {
    const dot = own(cur, '.');
    if (dot === undefined) break;
    parts.unshift(String(own(dot, 'attr')));
    cur = own(dot, 'left');
  }
  return own(cur, 'Var') === 'context' && parts.length ? parts : undefined;
}

/** Every comparison of a context path with a literal (`==`, `!=`, `<`, …, `like`, `has`, `contains`), for boundary sampling. */
export function comparisons(e: Expr): Comparison[] {
  const out: Comparison[] = [];
  mapExpr(e, (x) => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=', 'contains']) {
      const b = binary(x, op);
      if (!b) continue;
      for (const [side, other] of [
        [b.left, b.right],
        [b.right, b.left],
      ] as const) {
        const p = contextPath(side);
        const v = own(other, 'Value');
        if (p && (p[0] === 'input' || p[0] === 'session') && v !== undefined) out.push({ root: p[0], path: p.slice(1), op, value: v });
        // `["a", "b"].contains(context.session.x)`
        if (op === 'contains' && side === b.right && p && (p[0] === 'input' || p[0] === 'session')) {
          const set = own(b.left, 'Set');
          if (Array.isArray(set)) for (const item of set) if (own(item, 'Value') !== undefined) out.push({ root: p[0], path: p.slice(1), op: '==', value: own(item, 'Value') });
        }
      }
    }
    const like = own(x, 'like');
    if (like !== undefined) {
      const p = contextPath(own(like, 'left') as Expr);
      const pattern = own(like, 'pattern');
      if (p && (p[0] === 'input' || p[0] === 'session') && Array.isArray(pattern)) out.push({ root: p[0], path: p.slice(1), op: 'like', value: pattern.map((el) => (el === 'Wildcard' ? 'x' : String(own(el, 'Literal') ?? ''))).join('') });
    }
    const has = own(x, 'has');
    if (has !== undefined) {
      const p = contextPath(own(has, 'left') as Expr);
      const attr = own(has, 'attr');
      if (p && (p[0] === 'input' || p[0] === 'session') && typeof attr === 'string') out.push({ root: p[0], path: [...p.slice(1), attr], op: 'has', value: undefined });
    }
    return undefined;
  });
  return out;
}

/** Replaces the literal compared with each context path for which `sensitive` says so by "[redacted]" (for display only). */
export function redactLiterals(e: Expr, sensitive: (root: string, path: string[]) => boolean): { expr: Expr; redacted: boolean } {
  let redacted = false;
  const expr = mapExpr(e, (x) => {
    for (const op of ['==', '!=', '<', '<=', '>', '>=', 'like', 'contains', 'containsAll', 'containsAny']) {
      const b = binary(x, op);
      if (!b) continue;
      const pl = contextPath(b.left);
      const pr = contextPath(b.right);
      const hide = (p: string[] | undefined) => !!p && sensitive(p[0]!, p.slice(1));
      if (hide(pl) && !contextPath(b.right)) {
        redacted = true;
        return { [op]: { left: b.left, right: { Value: '[redacted]' } } } as Expr;
      }
      if (hide(pr) && !contextPath(b.left)) {
        redacted = true;
        return { [op]: { left: { Value: '[redacted]' }, right: b.right } } as Expr;
      }
    }
    const like = own(x, 'like');
    if (like !== undefined) {
      const p = contextPath(own(like, 'left') as Expr);
      if (p && sensitive(p[0]!, p.slice(1))) {
        redacted = true;
        return { like: { left: own(like, 'left') as Expr, pattern: [{ Literal: '[redacted]' }] } } as Expr;
      }
    }
    return undefined;
  });
  return { expr, redacted };
}

const PRINT_HEAD = /^permit\s*\(\s*principal\s*,\s*action\s*,\s*resource\s*\)\s*when\s*\{\s*/;
const PRINT_TAIL = /\s*\}\s*;?\s*$/;

/**
 * Cedar text of an expression, with no more parentheses than Cedar's grammar needs. The text is parsed back by Cedar
 * and kept only when it reads as the very same expression; otherwise Cedar's own printer (which parenthesises every
 * operand) prints it.
 */
export function printCondition(e: Expr): { text: string } | { error: string } {
  const readable = printExpr(e, Level.Expr);
  if (readable !== undefined) {
    const back = parsePolicy(`permit (principal, action, resource) when { ${readable} };`, false);
    if ('json' in back && back.json.conditions.length === 1 && canonical(back.json.conditions[0]!.body) === canonical(e)) return { text: readable };
  }
  return printByCedar(e);
}

/** A key for comparing expressions as Cedar parses them: object keys sorted, adjacent pattern literals merged. */
function canonical(e: unknown): string {
  if (Array.isArray(e)) {
    const merged: unknown[] = [];
    for (const x of e) {
      const lit = own(x, 'Literal');
      const prev = merged[merged.length - 1];
      if (typeof lit === 'string' && typeof own(prev, 'Literal') === 'string') merged[merged.length - 1] = { Literal: (own(prev, 'Literal') as string) + lit };
      else merged.push(x);
    }
    return `[${merged.map(canonical).join(',')}]`;
  }
  if (typeof e !== 'object' || e === null) return JSON.stringify(e);
  return `{${Object.keys(e)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical((e as Record<string, unknown>)[k])}`)
    .join(',')}}`;
}

enum Level {
  Expr = 0,
  Or = 1,
  And = 2,
  Relation = 3,
  Add = 4,
  Mult = 5,
  Unary = 6,
  Member = 7,
}

const RESERVED = new Set(['true', 'false', 'if', 'then', 'else', 'in', 'is', 'like', 'has', '__cedar']);
const isIdent = (s: string) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s) && !RESERVED.has(s);

/** A Cedar string literal; undefined for text this printer does not escape (Cedar's printer then prints it). */
function str(s: string, pattern = false): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(s)) return undefined;
  const escaped = s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
  return `"${pattern ? escaped.replace(/\*/g, '\\*') : escaped}"`;
}

function printValue(v: unknown): string | undefined {
  if (typeof v === 'string') return str(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') return Number.isSafeInteger(v) ? String(v) : undefined;
  if (Array.isArray(v)) {
    const items = v.map(printValue);
    return items.every((x) => x !== undefined) ? `[${items.join(', ')}]` : undefined;
  }
  const ent = own(v, '__entity');
  if (ent !== undefined) {
    const type = own(ent, 'type');
    const id = own(ent, 'id');
    if (typeof type !== 'string' || typeof id !== 'string' || !type.split('::').every(isIdent)) return undefined;
    const q = str(id);
    return q === undefined ? undefined : `${type}::${q}`;
  }
  return undefined;
}

/** Prints `e` where the grammar expects `level`; undefined where this printer does not handle a form. */
function printExpr(e: Expr, level: Level): string | undefined {
  const wrap = (own_: Level, text: string | undefined) => (text === undefined ? undefined : own_ < level ? `(${text})` : text);
  const [op] = Object.keys(e);
  const body = op === undefined ? undefined : (e as Record<string, unknown>)[op];
  switch (op) {
    case 'Value': {
      const v = printValue(body);
      return typeof body === 'number' && body < 0 ? wrap(Level.Unary, v) : v;
    }
    case 'Var':
      return typeof body === 'string' ? body : undefined;
    case '||':
    case '&&': {
      const b = binary(e, op)!;
      const lv = op === '||' ? Level.Or : Level.And;
      const l = printExpr(b.left, lv);
      const r = printExpr(b.right, (lv + 1) as Level);
      return l === undefined || r === undefined ? undefined : wrap(lv, `${l} ${op} ${r}`);
    }
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'in': {
      const b = binary(e, op)!;
      const l = printExpr(b.left, Level.Add);
      const r = printExpr(b.right, Level.Add);
      return l === undefined || r === undefined ? undefined : wrap(Level.Relation, `${l} ${op} ${r}`);
    }
    case '+':
    case '-':
    case '*': {
      const b = binary(e, op)!;
      const lv = op === '*' ? Level.Mult : Level.Add;
      const l = printExpr(b.left, lv);
      const r = printExpr(b.right, (lv + 1) as Level);
      return l === undefined || r === undefined ? undefined : wrap(lv, `${l} ${op} ${r}`);
    }
    case '!': {
      const a = printExpr(notArg(e)!, Level.Unary);
      return a === undefined ? undefined : wrap(Level.Unary, `!${a}`);
    }
    case '.': {
      const left = printExpr(own(body, 'left') as Expr, Level.Member);
      const attr = own(body, 'attr');
      if (left === undefined || typeof attr !== 'string') return undefined;
      const q = str(attr);
      return isIdent(attr) ? `${left}.${attr}` : q === undefined ? undefined : `${left}[${q}]`;
    }
    case 'has': {
      const left = printExpr(own(body, 'left') as Expr, Level.Add);
      const attr = own(body, 'attr');
      const path = typeof attr === 'string' ? [attr] : Array.isArray(attr) ? (attr as unknown[]) : [];
      if (left === undefined || path.length === 0 || !path.every((a) => typeof a === 'string')) return undefined;
      const text = path.length === 1 && !isIdent(path[0] as string) ? str(path[0] as string) : (path as string[]).every(isIdent) ? (path as string[]).join('.') : undefined;
      return text === undefined ? undefined : wrap(Level.Relation, `${left} has ${text}`);
    }
    case 'like': {
      const left = printExpr(own(body, 'left') as Expr, Level.Add);
      const pattern = own(body, 'pattern');
      if (left === undefined || !Array.isArray(pattern)) return undefined;
      let text = '';
      for (const el of pattern) {
        if (el === 'Wildcard') text += '*';
        else {
          const lit = own(el, 'Literal');
          const q = typeof lit === 'string' ? str(lit, true) : undefined;
          if (q === undefined) return undefined;
          text += q.slice(1, -1);
        }
      }
      return wrap(Level.Relation, `${left} like "${text}"`);
    }
    case 'contains':
    case 'containsAll':
    case 'containsAny':
    case 'getTag':
    case 'hasTag': {
      const b = binary(e, op)!;
      const l = printExpr(b.left, Level.Member);
      const r = printExpr(b.right, Level.Expr);
      return l === undefined || r === undefined ? undefined : `${l}.${op}(${r})`;
    }
    case 'isEmpty': {
      const a = printExpr(own(body, 'arg') as Expr, Level.Member);
      return a === undefined ? undefined : `${a}.isEmpty()`;
    }
    case 'Set': {
      if (!Array.isArray(body)) return undefined;
      const items = body.map((x) => printExpr(x as Expr, Level.Expr));
      return items.every((x) => x !== undefined) ? `[${items.join(', ')}]` : undefined;
    }
    case 'if-then-else': {
      const c = printExpr(own(body, 'if') as Expr, Level.Expr);
      const t = printExpr(own(body, 'then') as Expr, Level.Expr);
      const f = printExpr(own(body, 'else') as Expr, Level.Expr);
      return c === undefined || t === undefined || f === undefined ? undefined : wrap(Level.Expr, `if ${c} then ${t} else ${f}`);
    }
    default:
      return undefined;
  }
}

/** Cedar's own printer (as the condition of a policy, then cut out of it). */
function printByCedar(e: Expr): { text: string } | { error: string } {
  const printed = policyJsonToText({ effect: 'permit', principal: { op: 'All' }, action: { op: 'All' }, resource: { op: 'All' }, conditions: [{ kind: 'when', body: e }] });
  if ('errors' in printed) return { error: `Cedar could not print the condition: ${printed.errors[0]?.message ?? 'unknown error'}` };
  const head = PRINT_HEAD.exec(printed.text);
  const tail = PRINT_TAIL.exec(printed.text);
  if (!head || !tail) return { error: 'Cedar printed the condition in an unexpected form' };
  return { text: tidy(printed.text.slice(head[0].length, tail.index)) };
}

/** Drops one pair of parentheses around the whole text, when they enclose all of it. */
function tidy(text: string): string {
  const t = text.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return t;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0 && i < t.length - 1) return t;
    }
  }
  return t.slice(1, -1).trim();
}

/** True when an expression may error on a well-typed call: arithmetic (overflow), or an extension function. */
export function mayErrorAtRunTime(e: Expr): boolean {
  let found = false;
  mapExpr(e, (x) => {
    if (typeof x !== 'object' || x === null) return undefined;
    const [op] = Object.keys(x);
    if (op === '+' || op === '-' || op === '*' || op === 'neg' || op === 'getTag') found = true;
    else if (op !== undefined && Array.isArray((x as Record<string, unknown>)[op]) && op !== 'Set' && op !== 'unknown') found = true;
    return undefined;
  });
  return found;
}
