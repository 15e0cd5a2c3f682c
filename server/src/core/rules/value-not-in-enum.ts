import { walkConditions, accessPath } from '../cedar/ast';
import type { CedarExpr } from '../cedar/engine';
import { argumentSchema, resolveSchema, type CType, type Unexpressible } from '../cedar/ctype';
import { reach, toolsInScope } from '../cedar/inCedar';
import type { CedarModel } from '../cedar/schemaGen';
import { cedarStringLiteral, tokenize, unescapeCedarString, type Token } from '../cedar/split';
import { tokenPaths, type TokenPath } from '../cedar/tokenPaths';
import type { Manifest } from '../manifest/model';
import { own } from '../own';
import { didYouMean } from '../text';
import type { Finding } from '../types';
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
    scope: 'manifest',
    description: 'A condition compares a tool argument or session field with a value outside its JSON Schema `enum`, so it never matches.',
    rationale:
      'Arguments are checked against their enum before Cedar sees a call: `context.input.method == "gett"` is always false, so a forbid written with it never applies and a permit never allows, and `!=` is always true. A typo in a value is a hole, like a typo in a name.',
  },
  check({ policy, manifest, model, file }) {
    if (!manifest || !model) return [];
    // One entry per attribute and form of comparison, with every value it is compared with (a set literal may be long).
    const groups = new Map<string, Comparison & { values: Set<string> }>();
    for (const c of comparisons(policy.json)) {
      const key = `${c.op}\u0000${c.set}\u0000${c.path.join('\u0000')}`;
      const g = groups.get(key) ?? { ...c, values: new Set<string>() };
      g.values.add(c.value);
      groups.set(key, g);
    }
    if (groups.size === 0) return [];
    const tools = toolsInScope(policy.json, manifest);
    const base = policy.slice.span.start;
    const tokens = tokenize(policy.text).map((t) => ({ ...t, start: t.start + base, end: t.end + base }));
    const paths = tokenPaths(tokens, { start: base, end: policy.slice.span.end });
    const out: Finding[] = [];
    const seen = new Set<number>();
    for (const g of groups.values()) {
      const allowed = allowedValues(g.path, tools, manifest, model, g.set);
      if (!allowed || [...g.values].every((v) => allowed.includes(v))) continue;
      const where = `\`${g.path.join('.')}\``;
      const shown = allowed.slice(0, 8).map((v) => JSON.stringify(v)).join(', ') + (allowed.length > 8 ? ', …' : '');
      const effect = g.op === '!=' ? 'this comparison is always true' : g.op === '==' || g.op === 'contains-value' || g.op === 'containsAll' ? 'this comparison is always false' : 'this element never matches';
      for (const t of literalTokens(tokens, paths, g)) {
        const value = unescapeCedarString(t.value);
        if (!g.values.has(value) || allowed.includes(value) || seen.has(t.start)) continue;
        seen.add(t.start);
        const span = { start: t.start, end: t.end };
        const hint = didYouMean(value, allowed);
        out.push({
          code: 'value-not-in-enum',
          message: `${JSON.stringify(value)} is not a value ${g.set ? `an element of ${where}` : where} can have (one of ${shown}): ${effect}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}`,
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
    const r = s.type && reach(s.type, s.leftOut, names);
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

/** The string literals written where a comparison of this form with this attribute puts them: next to the operator, in the literal set, or as the argument of `contains`. */
function literalTokens(tokens: Token[], paths: TokenPath[], c: Comparison): Token[] {
  const out: Token[] = [];
  const str = (t: Token | undefined) => (t?.kind === 'string' ? [t] : []);
  /** The string tokens of the `[ … ]` list whose bracket is at `from`, walking in `step`'s direction to the other bracket. */
  const listStrings = (from: number, step: 1 | -1) => {
    const found: Token[] = [];
    for (let k = from + step; k >= 0 && k < tokens.length; k += step) {
      const t = tokens[k]!;
      if (t.value === (step === 1 ? ']' : '[')) return found;
      if (t.kind === 'string') found.push(t);
    }
    return [];
  };
  for (const p of paths) {
    if (p.viaHas || p.names.length !== c.path.length || p.names.some((n, i) => n !== c.path[i])) continue;
    const first = p.at[0]!;
    const end = p.at[p.at.length - 1]!;
    const last = tokens[end + 1]?.value === ']' ? end + 1 : end;
    const after = (k: number) => tokens[last + k];
    const before = (k: number) => tokens[first - k];
    if (c.op === '==' || c.op === '!=') {
      if (after(1)?.value === c.op) out.push(...str(after(2)));
      if (before(1)?.value === c.op) out.push(...str(before(2)));
    } else if (c.op === 'contains-value') {
      if (after(1)?.value === '.' && after(2)?.value === 'contains' && after(3)?.value === '(') out.push(...str(after(4)));
    } else if (c.op === 'in-literal-set') {
      if (before(1)?.value === '(' && /^contains(Any|All)?$/.test(before(2)?.value ?? '') && before(3)?.value === '.' && before(4)?.value === ']') out.push(...listStrings(first - 4, -1));
    } else if (after(1)?.value === '.' && after(2)?.value === c.op && after(3)?.value === '(' && after(4)?.value === '[') {
      out.push(...listStrings(last + 4, 1));
    }
  }
  return out;
}
