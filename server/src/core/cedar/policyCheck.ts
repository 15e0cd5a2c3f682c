import { hashText, nextBoundary, utf8ToUtf16Many } from '../text';
import type { Finding, Span } from '../types';
import { parsePolicy, validatePolicies, type EngineError, type PolicyJson, type SchemaJson } from './engine';
import { splitPoliciesSteps, tokenizeSteps, type PolicySlice, type Token } from './split';
import { TimeSlice } from '../timeSlice';

/** One policy of a file, as the rules and the simulator see it. */
export interface PolicyInfo {
  slice: PolicySlice;
  /** `@id("...")` if present, else `policy<index>` as Cedar names it. */
  id: string;
  /** The text handed to the engine (leading comments included); offsets in it start at `slice.span.start`. */
  text: string;
  /** Hash of `text` (with the template flag): the cache key of the engine's results. */
  key: string;
  /** Cedar's JSON AST; undefined when the policy does not parse. */
  json?: PolicyJson;
  /** Strict-validation errors (already placed in the file), when the file is covered by a manifest. */
  validationErrors: Finding[];
}

export interface PolicyFileResult {
  policies: PolicyInfo[];
  findings: Finding[];
  tokens: Token[];
}

type ParseEntry = { json: PolicyJson } | { errors: EngineError[] };
type ValidationEntry = { errors: EngineError[]; warnings: EngineError[] };

/**
 * Caches engine results by content, so that an edit re-parses and re-validates only the policies whose
 * text changed (and re-validates everything only when the schema changes). Offsets in cached results are
 * relative to the policy text, so a policy that merely moved is not re-checked.
 */
export class PolicyCache {
  private parsed = new Map<string, ParseEntry>();
  private validated = new Map<string, ValidationEntry>();
  parses = 0;
  validations = 0;

  constructor(private readonly limit = 50_000) {}

  /** The cache key of a policy's text. */
  static keyOf(text: string, template: boolean): string {
    return `${template ? 't' : 'p'}${hashText(text)}`;
  }

  parse(text: string, template: boolean, key = PolicyCache.keyOf(text, template)): ParseEntry {
    let hit = this.parsed.get(key);
    if (!hit) {
      this.parses++;
      hit = parsePolicy(text, template);
      this.bound(this.parsed);
      this.parsed.set(key, hit);
    }
    return hit;
  }

  getValidation(schemaKey: string, policyKey: string): ValidationEntry | undefined {
    return this.validated.get(`${schemaKey}|${policyKey}`);
  }

  setValidation(schemaKey: string, policyKey: string, entry: ValidationEntry) {
    this.validations++;
    this.bound(this.validated);
    this.validated.set(`${schemaKey}|${policyKey}`, entry);
  }

  private bound(map: Map<string, unknown>) {
    if (map.size >= this.limit) {
      // Drop the oldest half (Map keeps insertion order).
      let n = map.size / 2;
      for (const k of map.keys()) {
        if (n-- <= 0) break;
        map.delete(k);
      }
    }
  }
}

export interface SchemaForCheck {
  schema: SchemaJson;
  key: string;
}

/** How many policies are validated per engine call; the server yields to its event loop between batches. */
export const VALIDATION_BATCH = 100;

/**
 * Checks one policy file: splits it, parses each policy on its own, then validates the parseable ones in
 * strict mode against the schema (when there is one). A generator, so that a caller can pause between
 * batches and give up when the text changed again; `runToEnd` runs it to the end.
 */
export function* checkPolicyFileSteps(text: string, schema: SchemaForCheck | undefined, cache: PolicyCache): Generator<void, PolicyFileResult> {
  const time = new TimeSlice();
  const tokens = yield* tokenizeSteps(text, time);
  const slices = yield* splitPoliciesSteps(text, tokens, time);
  const findings: Finding[] = [];
  const policies: PolicyInfo[] = [];
  for (const slice of slices) {
    if (time.due()) yield;
    const ptext = text.slice(slice.span.start, slice.span.end);
    const key = PolicyCache.keyOf(ptext, slice.isTemplate);
    const info: PolicyInfo = { slice, id: slice.id?.value ?? `policy${slice.index}`, text: ptext, key, validationErrors: [] };
    const parsed = cache.parse(ptext, slice.isTemplate, key);
    if ('json' in parsed) info.json = parsed.json;
    else for (const e of parsed.errors) findings.push(toFinding('cedar-syntax', e, info, tokens, stripParsePrefix));
    policies.push(info);
  }
  if (!schema) return { policies, findings, tokens };

  const pending: PolicyInfo[] = [];
  for (const p of policies) {
    if (time.due()) yield;
    if (p.json && !cache.getValidation(schema.key, p.key)) pending.push(p);
  }
  for (let i = 0; i < pending.length; i += VALIDATION_BATCH) {
    const batch = pending.slice(i, i + VALIDATION_BATCH);
    const statics: Record<string, string> = {};
    const templates: Record<string, string> = {};
    batch.forEach((p, k) => ((p.slice.isTemplate ? templates : statics)[`p${k}`] = p.text));
    const r = validatePolicies(schema.schema, statics, templates);
    batch.forEach((p, k) => {
      const key = `p${k}`;
      const errors = [...(r.errors.get(key) ?? []), ...r.general];
      cache.setValidation(schema.key, p.key, { errors, warnings: r.warnings.get(key) ?? [] });
    });
    yield;
  }
  for (const p of policies) {
    if (time.due()) yield;
    if (!p.json) continue;
    const v = cache.getValidation(schema.key, p.key);
    if (!v) continue;
    for (const e of v.errors) p.validationErrors.push(toFinding('cedar-validation', e, p, tokens, stripPolicyPrefix));
    // The validator's warnings (an impossible policy, say) are noise next to a real error in the same policy.
    if (v.errors.length === 0) for (const e of v.warnings) p.validationErrors.push({ ...toFinding('cedar-validation', e, p, tokens, stripPolicyPrefix), severity: 'warning' });
    findings.push(...p.validationErrors);
  }
  return { policies, findings, tokens };
}

export function runToEnd<T>(gen: Generator<void, T>): T {
  for (;;) {
    const r = gen.next();
    if (r.done) return r.value;
  }
}

function stripParsePrefix(m: string): string {
  return m.replace(/^failed to parse (policy|policies|template|policy set|policy template)( from string)?: /, '');
}

/** Validation messages name the policy by the engine's internal key; the diagnostic already says which policy it is. */
function stripPolicyPrefix(m: string): string {
  return m.replace(/(^|\b)for policy `[^`]*`, /g, '$1');
}

function toFinding(code: string, e: EngineError, p: PolicyInfo, tokens: Token[], clean: (m: string) => string): Finding {
  const base = p.slice.span.start;
  const loc = e.spans[0];
  let span: Span;
  if (loc) {
    const [s, t] = utf8ToUtf16Many(p.text, [loc.start, loc.end]) as [number, number];
    span = { start: base + s, end: base + t };
    if (span.end <= span.start) span = widen(span.start, tokens, p.slice.span, (o) => base + nextBoundary(p.text, o - base));
  } else span = p.slice.headSpan ?? p.slice.bodySpan;
  const label = loc?.label ? ` (${loc.label})` : '';
  const help = e.help ? `\nhelp: ${clean(e.help)}` : '';
  return { code, message: `${clean(e.message)}${label}${help}`, span, policyId: p.id };
}

/** An empty span (an error "at the end of input") is widened to the token just before it, so it can be seen. */
function widen(offset: number, tokens: Token[], within: Span, nextBoundaryAt: (offset: number) => number): Span {
  let best: Token | undefined;
  for (const t of tokens) {
    if (t.start >= offset) break;
    if (t.kind !== 'comment' && t.start >= within.start) best = t;
  }
  if (best && best.end >= offset - 1) return { start: best.start, end: best.end };
  if (best) return { start: best.start, end: best.end };
  // One whole character (never half of a surrogate pair or of a `\r\n`).
  return { start: offset, end: Math.min(nextBoundaryAt(offset), within.end) };
}
