import { walkConditions, accessPath } from '../cedar/ast';
import type { CedarExpr } from '../cedar/engine';
import { argumentSchema, resolveSchema, type CType, type Unexpressible } from '../cedar/ctype';
import { reach, toolsInScope } from '../cedar/inCedar';
import type { CedarModel } from '../cedar/schemaGen';
import { cedarStringLiteral, tokenize, unescapeCedarString, type Token } from '../cedar/split';
import { tokenPaths } from '../cedar/tokenPaths';
import type { Manifest } from '../manifest/model';
import { own } from '../own';
import { didYouMean } from '../text';
import type { Finding, Span } from '../types';
import type { PolicyRule } from './meta';

/**
 * `context.input.method == "gett"` where the tool's JSON Schema says `method` is one of "get", "post": the enum is
 * checked before Cedar sees a call, so the comparison never holds (and `!=` always does). Found on Cedar's AST,
 * placed on the policy's tokens.
 */
export const rule: PolicyRule = {
  kind: 'policy',
  meta: {
    id: 'value-not-in-enum',
    defaultLevel: 'error',
    category: 'manifest',
    description: 'A condition compares a tool argument or session field with a value outside its JSON Schema `enum`, so it never matches.',
    rationale:
      'Arguments are checked against their enum before Cedar sees a call: `context.input.method == "gett"` is always false, so a forbid written with it never applies and a permit never allows, and `!=` is always true. A typo in a value is a hole, like a typo in a name.',
  },
  check({ policy, manifest, model, file }) {
    if (!manifest || !model) return [];
    const compared = comparisons(policy.json);
    if (compared.length === 0) return [];
    const tools = toolsInScope(policy.json, manifest);
    const base = policy.slice.span.start;
    const tokens = tokenize(policy.text).map((t) => ({ ...t, start: t.start + base, end: t.end + base }));
    const out: Finding[] = [];
    const seen = new Set<number>();
    for (const c of compared) {
      const values = allowedValues(c.path, tools, manifest, model, c.set);
      if (!values || values.includes(c.value)) continue;
      for (const span of literalSpans(tokens, c)) {
        if (seen.has(span.start)) continue;
        seen.add(span.start);
        const hint = didYouMean(c.value, values);
        const where = `\`${c.path.join('.')}\``;
        const shown = values.slice(0, 8).map((v) => JSON.stringify(v)).join(', ') + (values.length > 8 ? ', …' : '');
        const effect = c.op === '!=' ? 'this comparison is always true' : c.op === '==' || c.op === 'contains-value' || c.op === 'containsAll' ? 'this comparison is always false' : 'this element never matches';
        out.push({
          code: 'value-not-in-enum',
          message: `${JSON.stringify(c.value)} is not a value ${c.set ? `an element of ${where}` : where} can have (one of ${shown}): ${effect}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`,
          span,
          fixes: hint ? [{ title: `Change to ${cedarStringLiteral(hint)}`, preferred: true, edits: [{ file, span, newText: cedarStringLiteral(hint) }] }] : undefined,
        });
      }
    }
    return out;
  },
};

type Op = '==' | '!=' | 'contains-value' | 'in-literal-set' | 'containsAny' | 'containsAll';

/** A string compared with an attribute of `context.input` or `context.session` (`set`: the attribute is a set of them). */
interface Comparison {
  path: string[];
  value: string;
  op: Op;
  set: boolean;
}

const stringValue = (e: CedarExpr): string | undefined => {
  const v = own(e, 'Value');
  return typeof v === 'string' ? v : undefined;
};
const stringSet = (e: CedarExpr): string[] => {
  const s = own(e, 'Set');
  return Array.isArray(s) ? s.map((x) => stringValue(x as CedarExpr)).filter((x): x is string => x !== undefined) : [];
};
const contextPath = (e: CedarExpr): string[] | undefined => {
  const p = accessPath(e);
  return p && p[0] === 'context' && (p[1] === 'input' || p[1] === 'session') && p.length > 2 ? p : undefined;
};

/** The comparisons of strings with context attributes a policy's conditions make. */
function comparisons(json: Parameters<typeof walkConditions>[0]): Comparison[] {
  const out: Comparison[] = [];
  walkConditions(json, (e) => {
    for (const op of ['==', '!='] as const) {
      const x = own(e, op) as { left: CedarExpr; right: CedarExpr } | undefined;
      if (!x) continue;
      for (const [a, b] of [[x.left, x.right], [x.right, x.left]] as const) {
        const path = contextPath(a);
        const value = stringValue(b);
        if (path && value !== undefined) out.push({ path, value, op, set: false });
      }
    }
    for (const op of ['contains', 'containsAny', 'containsAll'] as const) {
      const x = own(e, op) as { left: CedarExpr; right: CedarExpr } | undefined;
      if (!x) continue;
      const leftPath = contextPath(x.left);
      const rightPath = contextPath(x.right);
      // `context.input.methods.contains("gett")`
      if (op === 'contains' && leftPath && stringValue(x.right) !== undefined) out.push({ path: leftPath, value: stringValue(x.right)!, op: 'contains-value', set: true });
      // `["get", "gett"].contains(context.input.method)`: an element that never matches
      if (op === 'contains' && rightPath) for (const value of stringSet(x.left)) out.push({ path: rightPath, value, op: 'in-literal-set', set: false });
      // `context.input.methods.containsAny(["gett"])`, and the literal set on the left
      if (op !== 'contains' && leftPath) for (const value of stringSet(x.right)) out.push({ path: leftPath, value, op, set: true });
      if (op !== 'contains' && rightPath) for (const value of stringSet(x.left)) out.push({ path: rightPath, value, op: 'in-literal-set', set: true });
    }
  });
  return out;
}

/**
 * The values an attribute can have, when every tool in scope that has it in Cedar limits it to a string enum (of its
 * elements, for a set); undefined when one of them does not (or none has it: Cedar's own validation says so).
 */
function allowedValues(path: string[], tools: Manifest['tools'], manifest: Manifest, model: CedarModel, set: boolean): string[] | undefined {
  const names = path.slice(2);
  const sources: { schema: unknown; type: CType | undefined; leftOut: readonly Unexpressible[] }[] =
    path[1] === 'input'
      ? tools.map((t) => ({ schema: t.inputSchema, type: model.inputTypes.get(t.action), leftOut: model.leftOut.input.get(t.action) ?? [] }))
      : manifest.context
        ? [{ schema: manifest.context, type: model.sessionType, leftOut: model.leftOut.session }]
        : [];
  const values = new Set<string>();
  let any = false;
  for (const s of sources) {
    const r = s.type && reach(s.type, s.leftOut, s.schema, names);
    if (!r || !('type' in r)) continue;
    if (r.type.kind !== (set ? 'Set' : 'String')) return undefined;
    const found = argumentSchema(s.schema, s.schema, names.join('.'));
    const allowed = found && enumOf(set ? resolveSchema(found.schema.items, s.schema) : found.schema);
    if (!allowed) return undefined;
    any = true;
    for (const v of allowed) values.add(v);
  }
  return any ? [...values] : undefined;
}

function enumOf(schema: Record<string, unknown> | undefined): string[] | undefined {
  if (!schema) return undefined;
  if (typeof schema.const === 'string') return [schema.const];
  const e = schema.enum;
  return Array.isArray(e) && e.length && e.every((v) => typeof v === 'string' || v === null) ? e.filter((v): v is string => typeof v === 'string') : undefined;
}

/** Where the compared string literal is written: next to the operator, in the literal set, or as the argument of `contains`. */
function literalSpans(tokens: Token[], c: Comparison): Span[] {
  const out: Span[] = [];
  const isValue = (t: Token | undefined) => t?.kind === 'string' && unescapeCedarString(t.value) === c.value;
  const span = (t: Token) => ({ start: t.start, end: t.end });
  /** The string tokens of a `[ … ]` list that ends (`]`) at index `close`, or starts (`[`) at `open`. */
  const listStrings = (from: number, step: 1 | -1) => {
    const found: Token[] = [];
    for (let k = from + step; k >= 0 && k < tokens.length; k += step) {
      const t = tokens[k]!;
      if (t.value === (step === 1 ? ']' : '[')) return found;
      if (isValue(t)) found.push(t);
    }
    return [];
  };
  for (const p of tokenPaths(tokens, { start: tokens[0]?.start ?? 0, end: tokens[tokens.length - 1]?.end ?? 0 })) {
    if (p.viaHas || p.names.length !== c.path.length || p.names.some((n, i) => n !== c.path[i])) continue;
    const first = p.at[0]!;
    const last = tokens[p.at[p.at.length - 1]! + 1]?.value === ']' ? p.at[p.at.length - 1]! + 1 : p.at[p.at.length - 1]!;
    const after = (k: number) => tokens[last + k];
    const before = (k: number) => tokens[first - k];
    if (c.op === '==' || c.op === '!=') {
      if (after(1)?.value === c.op && isValue(after(2))) out.push(span(after(2)!));
      if (before(1)?.value === c.op && isValue(before(2))) out.push(span(before(2)!));
    } else if (c.op === 'contains-value') {
      if (after(1)?.value === '.' && after(2)?.value === 'contains' && after(3)?.value === '(' && isValue(after(4))) out.push(span(after(4)!));
    } else if (c.op === 'in-literal-set') {
      if (before(1)?.value === '(' && /^contains(Any|All)?$/.test(before(2)?.value ?? '') && before(3)?.value === '.' && before(4)?.value === ']') out.push(...listStrings(first - 4, -1).map(span));
    } else if (after(1)?.value === '.' && after(2)?.value === c.op && after(3)?.value === '(' && after(4)?.value === '[') {
      out.push(...listStrings(last + 4, 1).map(span));
    }
  }
  return out;
}
