import { detach, hashText, LineIndex, nextBoundary, utf8ToUtf16Many } from '../text';
import type { Finding, Span } from '../types';
import { parsePolicy, validatePolicies, type EngineError, type PolicyJson, type SchemaJson } from './engine';
import { resplit, splitPoliciesSteps, tokenizeSteps, unescapeCedarString, type PolicySlice, type Token } from './split';
import { TimeSlice } from '../timeSlice';
import { validationKey } from './validationKey';

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
  /**
   * For a policy that does not parse: `'safe'` when leaving it out of a simulation cannot hide a forbid, else
   * why it blocks every simulation of its policy set. Unset (as for a policy that parses) counts as blocking.
   */
  leftOut?: 'safe' | Blocking;
  /**
   * The broken policy before it that runs on into it (its own `;` or a `"` is missing): Cedar would read this
   * policy as part of that one, so a simulation leaves it out even though it parses on its own.
   */
  swallowedBy?: string;
}

/** Why a policy that does not parse blocks its policy set: without it, the set cannot be evaluated safely. */
export interface Blocking {
  /** `forbid`: a forbid that does not parse; `no-effect`: no `permit`/`forbid` can be read; `swallows`: a permit whose text, or the text it runs on into, holds a forbid. */
  kind: 'forbid' | 'no-effect' | 'swallows';
  /** The forbids it holds or may hide, first to last (at most MAX_NAMED): their `@id` when it can be read, and their 1-based line. */
  forbids: { id?: string; line: number }[];
  /** There are more forbids than `forbids` names (they are not counted: a large file may hold thousands). */
  more: boolean;
  /** A string in it runs past the end of its line (a `"` is probably missing): the text after it cannot be read reliably. */
  openString: boolean;
}

/** What the next edit's incremental split starts from: a text, its tokens and its policies. */
export interface SplitBase {
  text: string;
  tokens: Token[];
  policies: PolicyInfo[];
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
  /** A plain Cedar project's own schema: there is no simulation to block, so a broken policy says nothing about one. */
  plain?: boolean;
}

/**
 * How many policies are validated per engine call at first. Each call pays for building the schema (tens of ms), so
 * batches grow while a call stays short and shrink when one takes long: few calls for a large file, and a check that a
 * newer edit abandons stops within about VALIDATION_CALL_MS.
 */
export const VALIDATION_BATCH = 100;
const VALIDATION_BATCH_MAX = 5000;
const VALIDATION_CALL_MS = 250;

/**
 * Checks one policy file: splits it, parses each policy on its own, then validates the parseable ones in
 * strict mode against the schema (when there is one). A generator, so that a caller can pause between
 * batches and give up when the text changed again; `runToEnd` runs it to the end.
 */
export function* checkPolicyFileSteps(text: string, schema: SchemaForCheck | undefined, cache: PolicyCache, previous?: SplitBase, onBase?: (base: SplitBase) => void): Generator<void, PolicyFileResult> {
  const time = new TimeSlice();
  let tokens: Token[];
  let slices: PolicySlice[];
  let carried: (number | undefined)[] = [];
  if (previous) {
    // An edit: only the policies around the change are lexed and split again; the others keep their text and key.
    // With `onBase`, the caller hands over the previous tokens: those after the change are moved, not copied.
    ({ tokens, slices, carried } = resplit(previous.text, { tokens: previous.tokens, slices: previous.policies.map((p) => p.slice) }, text, onBase !== undefined));
  } else {
    tokens = yield* tokenizeSteps(text, time);
    slices = yield* splitPoliciesSteps(text, tokens, time);
  }
  const findings: Finding[] = [];
  const policies: PolicyInfo[] = [];
  for (const slice of slices) {
    // Not paused after an edit: the new base must be handed back before anything else can run (the old one is spent).
    if (!previous && time.due()) yield;
    const o = carried[slice.index];
    const same = o !== undefined ? previous!.policies[o] : undefined;
    // After an edit, a changed policy's text is copied: kept in later versions, a slice would keep this one's whole text.
    const ptext = same ? same.text : previous ? detach(text.slice(slice.span.start, slice.span.end)) : text.slice(slice.span.start, slice.span.end);
    const key = same ? same.key : PolicyCache.keyOf(ptext, slice.isTemplate);
    const info: PolicyInfo = { slice, id: slice.id?.value ?? `policy${slice.index}`, text: ptext, key, validationErrors: [] };
    const parsed = cache.parse(ptext, slice.isTemplate, key);
    if ('json' in parsed) info.json = parsed.json;
    else for (const e of parsed.errors) findings.push(toFinding('cedar-syntax', e, info, tokens, stripParsePrefix));
    policies.push(info);
  }
  onBase?.({ text, tokens, policies });
  yield* markLeftOut(text, tokens, policies, time);
  if (!schema) return { policies, findings, tokens };
  // Covered by a manifest: say on the broken policy that the simulations of its set deny, and why.
  for (const p of schema.plain ? [] : policies) {
    if (!p.leftOut || p.leftOut === 'safe') continue;
    findings.push({ code: 'cedar-syntax', message: `${describeBlocking(p, p.leftOut)}: every simulation of this policy set denies until it is fixed`, span: blockingSpan(p, tokens), policyId: p.id });
  }

  // Each policy's validation is cached under the part of the schema it depends on (see validationKey).
  const vkeys = new Map<PolicyInfo, string>();
  const pending: PolicyInfo[] = [];
  for (const p of policies) {
    if (time.due()) yield;
    if (!p.json) continue;
    const vk = validationKey(schema.schema, schema.key, p.json);
    vkeys.set(p, vk);
    if (!cache.getValidation(vk, p.key)) pending.push(p);
  }
  let size = VALIDATION_BATCH;
  for (let i = 0; i < pending.length; ) {
    const batch = pending.slice(i, i + size);
    i += batch.length;
    const started = Date.now();
    const statics: Record<string, string> = {};
    const templates: Record<string, string> = {};
    batch.forEach((p, k) => ((p.slice.isTemplate ? templates : statics)[`p${k}`] = p.text));
    const r = validatePolicies(schema.schema, statics, templates);
    batch.forEach((p, k) => {
      const key = `p${k}`;
      const errors = [...(r.errors.get(key) ?? []), ...r.general];
      cache.setValidation(vkeys.get(p)!, p.key, { errors, warnings: r.warnings.get(key) ?? [] });
    });
    const took = Date.now() - started;
    size = took < VALIDATION_CALL_MS / 2 ? Math.min(VALIDATION_BATCH_MAX, size * 2) : took > VALIDATION_CALL_MS * 2 ? Math.max(VALIDATION_BATCH, Math.floor(size / 2)) : size;
    yield;
  }
  for (const p of policies) {
    if (time.due()) yield;
    if (!p.json) continue;
    const v = cache.getValidation(vkeys.get(p)!, p.key);
    if (!v) continue;
    for (const e of v.errors) p.validationErrors.push(toFinding('cedar-validation', e, p, tokens, stripPolicyPrefix));
    // The validator's warnings (an impossible policy, say) are noise next to a real error in the same policy.
    if (v.errors.length === 0) for (const e of v.warnings) p.validationErrors.push({ ...toFinding('cedar-validation', e, p, tokens, stripPolicyPrefix), severity: 'warning' });
    findings.push(...p.validationErrors);
  }
  return { policies, findings, tokens };
}

/** At most this many swallowed forbids are named. */
const MAX_NAMED = 5;

/**
 * Decides, for each policy that does not parse, whether a simulation may leave it out (`leftOut`). That is
 * only safe when it provably cannot hold or hide a forbid: it is a permit; the word `forbid` occurs nowhere
 * in its raw text (what the tokenizer took for strings and comments included) nor in the text it runs on into
 * up to the next `;` when its own `;` is missing (Cedar reads on into the next policy, whatever the splitter
 * guessed); and when a string in it runs past the end of its line (a `"` is probably missing, so nothing after
 * it can be read reliably), nowhere up to the end of the file either. The policies in that reach that parse on
 * their own are marked `swallowedBy`: their separate parse is the splitter's guess.
 */
function* markLeftOut(text: string, tokens: Token[], policies: PolicyInfo[], time: TimeSlice): Generator<void, void> {
  if (policies.every((p) => p.json)) return;
  const forbidAt: number[] = [];
  // `forbid` as a whole word: Cedar identifiers are ASCII letters, digits and `_`.
  for (const m of text.matchAll(/(?<![A-Za-z0-9_])forbid(?![A-Za-z0-9_])/g)) {
    if (time.due()) yield;
    forbidAt.push(m.index);
  }
  let lines: LineIndex | undefined;
  const lineOf = (offset: number) => (lines ??= new LineIndex(text)).positionAt(offset).line + 1;
  let k = 0; // token cursor: policies come in file order
  let semi = 0; // cursor of the next `;` token
  // The text a broken policy runs on into, as far as it reaches: whatever parses there is a guess of the splitter.
  let reach: { end: number; by: string } | undefined;
  for (const p of policies) {
    if (time.due()) yield;
    const s = p.slice;
    while (k < tokens.length && tokens[k]!.start < s.bodySpan.start) k++;
    if (reach && s.bodySpan.start < reach.end) p.swallowedBy = reach.by;
    if (p.json) continue;
    let last = k;
    let openString = false;
    for (; last < tokens.length && tokens[last]!.end <= s.span.end; last++) {
      const t = tokens[last]!;
      if (t.kind === 'string' && (t.unterminated || /[\r\n]/.test(text.slice(t.start, t.end)))) openString = true;
    }
    let end = s.span.end;
    if (openString) end = text.length;
    else if (!s.terminated) {
      if (semi < last) semi = last;
      while (semi < tokens.length && !(tokens[semi]!.kind === 'punct' && tokens[semi]!.value === ';')) semi++;
      end = semi < tokens.length ? tokens[semi]!.end : text.length;
    }
    if (!reach || end > reach.end) reach = { end, by: p.id };
    if (s.effect !== 'permit') {
      p.leftOut = { kind: s.effect === 'forbid' ? 'forbid' : 'no-effect', forbids: [], more: false, openString };
      continue;
    }
    // Its own annotations (`@id("forbid-override")`) are read, not guessed, when they stay on one line.
    const own = s.annotations.map((a) => a.span).filter((a) => !/[\r\n]/.test(text.slice(a.start, a.end)));
    const forbids: Blocking['forbids'] = [];
    let more = false;
    for (let i = lowerBound(forbidAt, s.bodySpan.start); i < forbidAt.length && forbidAt[i]! < end; i++) {
      const at = forbidAt[i]!;
      if (own.some((a) => at >= a.start && at < a.end)) continue;
      if (forbids.length === MAX_NAMED) {
        more = true;
        break;
      }
      forbids.push({ id: forbidIdBefore(text, at), line: lineOf(at) });
    }
    p.leftOut = forbids.length === 0 ? 'safe' : { kind: 'swallows', forbids, more, openString };
  }
}

function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The `@id` among the annotations written directly before the `forbid` at `at`, read from the raw text. */
function forbidIdBefore(text: string, at: number): string | undefined {
  const before = text.slice(Math.max(0, at - 2000), at);
  const block = /(?:@[ \t\r\n]*[A-Za-z_][A-Za-z0-9_]*[ \t\r\n]*(?:\([ \t\r\n]*"(?:[^"\\\r\n]|\\.)*"[ \t\r\n]*\)[ \t\r\n]*)?)+$/.exec(before);
  if (!block) return undefined;
  const id = /@[ \t\r\n]*id[ \t\r\n]*\([ \t\r\n]*"((?:[^"\\\r\n]|\\.)*)"/.exec(block[0]);
  return id ? unescapeCedarString(id[1]!) : undefined;
}

/** "permit `a` (file) does not parse and swallows the forbid `b` (line 3)": what a blocking policy is and hides. */
export function describeBlocking(p: PolicyInfo, b: Blocking, file?: string): string {
  const what = `${b.kind === 'no-effect' ? 'policy' : b.kind === 'forbid' ? 'forbid' : 'permit'} \`${p.id}\`${file ? ` (${file})` : ''} does not parse`;
  if (b.kind !== 'swallows') return what;
  const named = b.forbids.map((f) => (f.id !== undefined ? `the forbid \`${f.id}\` (line ${f.line})` : `a forbid (line ${f.line})`));
  if (b.more) named.push('more');
  const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}` : (named[0] ?? 'a forbid');
  return b.openString ? `${what} and has a string that runs past the end of its line (is a \`"\` missing?), which may hide ${list}` : `${what} and swallows ${list}`;
}

/** Where to say it: the policy's effect keyword, else its first token. */
function blockingSpan(p: PolicyInfo, tokens: Token[]): Span {
  if (p.slice.effectSpan) return p.slice.effectSpan;
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.start < p.slice.bodySpan.start) lo = mid + 1;
    else hi = mid;
  }
  const first = tokens[lo];
  return first ? { start: first.start, end: first.end } : p.slice.bodySpan;
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
