import { RE2JS } from 're2js';

/**
 * User-supplied regular expressions (JSON Schema `pattern`, `patternProperties`) run on RE2, a linear-time
 * engine: a backtracking `RegExp` can take exponential time on a pattern like `^(a+)+$` and hold the language
 * server's event loop. Patterns RE2 cannot run (backreferences, lookaround) never pass silently: checking a
 * value against one throws a `PatternError`, which the caller turns into a request error (deny).
 */

/** Longest value (in UTF-16 units) a pattern is run on. */
export const MAX_PATTERN_INPUT = 200_000;
/** Longest pattern compiled. */
export const MAX_PATTERN_LENGTH = 10_000;
/** Time all the patterns of one validation may take together. */
export const PATTERN_TIME_BUDGET_MS = 1000;

/** A pattern could not be run safely; the value it guards must be refused. */
export class PatternError extends Error {}

const cache = new Map<string, { re: RE2JS } | { error: string }>();

/** Compiles an ECMAScript pattern for RE2, or says why it cannot run in linear time. Never throws. */
export function compilePattern(pattern: string): { re: RE2JS } | { error: string } {
  const hit = cache.get(pattern);
  if (hit) return hit;
  const result = compileUncached(pattern);
  if (cache.size >= 1000) cache.clear();
  cache.set(pattern, result);
  return result;
}

function compileUncached(pattern: string): { re: RE2JS } | { error: string } {
  if (pattern.length > MAX_PATTERN_LENGTH) return { error: `the pattern has ${pattern.length} characters, more than ${MAX_PATTERN_LENGTH}` };
  // A named backreference would be translated into a literal by RE2's JS-syntax translator: refuse it here.
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    if (pattern[i + 1] === 'k' && pattern[i + 2] === '<') return { error: 'backreference `\\k<…>`' };
    i++;
  }
  try {
    return { re: RE2JS.compile(RE2JS.translateRegExp(pattern)) };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { error: why.replace(/^error parsing regexp: /, '') };
  }
}

/** The message for a pattern RE2 cannot run (for the manifest check). */
export function unsupportedPatternMessage(reason: string): string {
  return `pattern uses features a linear-time engine cannot run: ${reason}`;
}

function shown(pattern: string): string {
  return pattern.length > 60 ? `${pattern.slice(0, 57)}...` : pattern;
}

let deadline: number | undefined;

/** Runs `fn` with a shared time budget for every pattern it tests (`PatternError` once it is spent). */
export function withPatternBudget<T>(fn: () => T, ms = PATTERN_TIME_BUDGET_MS): T {
  const outer = deadline;
  deadline = performance.now() + ms;
  try {
    return fn();
  } finally {
    deadline = outer;
  }
}

/** Patterns that could not be compiled while `collectUnsupported` ran (for the manifest check). */
let collecting: Map<string, string> | undefined;

/** Runs `fn` (an ajv compile) and returns the patterns it met that RE2 cannot run, with the reason. */
export function collectUnsupported<T>(fn: () => T): { value: T; unsupported: Map<string, string> } {
  const outer = collecting;
  const found = new Map<string, string>();
  collecting = found;
  try {
    return { value: fn(), unsupported: found };
  } finally {
    collecting = outer;
  }
}

/** What ajv needs of a regular expression: `test`, and a `toString` that tells patterns apart (ajv caches by it). */
export class SafePattern {
  private readonly compiled: { re: RE2JS } | { error: string };

  constructor(readonly source: string) {
    this.compiled = compilePattern(source);
    if ('error' in this.compiled) collecting?.set(source, this.compiled.error);
  }

  test(input: string): boolean {
    const c = this.compiled;
    if ('error' in c) throw new PatternError(`pattern not supported: \`${shown(this.source)}\` uses features a linear-time engine cannot run (${c.error})`);
    const s = String(input);
    if (s.length > MAX_PATTERN_INPUT) throw new PatternError(`pattern too costly: a value of ${s.length} characters is longer than the ${MAX_PATTERN_INPUT} that the pattern \`${shown(this.source)}\` is run on`);
    if (deadline !== undefined && performance.now() > deadline) throw new PatternError(`pattern too costly: the patterns of this value took more than ${PATTERN_TIME_BUDGET_MS} ms`);
    try {
      return c.re.test(s);
    } catch (err) {
      throw new PatternError(`pattern not supported: \`${shown(this.source)}\` failed (${err instanceof Error ? err.message : String(err)})`);
    }
  }

  toString(): string {
    return `re2:${JSON.stringify(this.source)}`;
  }
}

/** Ajv's `code.regExp` option: every pattern of a schema runs on RE2. */
export const ajvRegExp = Object.assign((pattern: string, _flags: string): SafePattern => new SafePattern(pattern), { code: 'require("./safeRegExp").ajvRegExp' });
