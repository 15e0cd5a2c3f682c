import type { Manifest } from './manifest/model';
import { hasOwn, jsonObject, own } from './own';
import { compilePattern, MAX_PATTERN_INPUT } from './safeRegExp';
import { valuePath } from './text';

/** What a sensitive value is replaced with, in every output that leaves the core. */
export const REDACTED = '[redacted]';

const MAX_DEPTH = 64;
/** Raw occurrences of shorter secrets are not scrubbed from messages (their quoted JSON form still is). */
const MIN_RAW_SCRUB = 4;

export interface Redaction {
  value: unknown;
  /** Where values were redacted (`args.card`, `args.items[0].token`). */
  paths: string[];
  /** The sensitive values as text, to scrub from messages that might quote them. */
  secrets: string[];
}

interface Acc {
  root: unknown;
  paths: string[];
  secrets: Set<string>;
}

/**
 * THE redaction function: a copy of `value` where every part that `schema` marks `writeOnly: true` or
 * `x-sensitive: true` is replaced by "[redacted]". It follows `$ref` (local), `allOf`/`anyOf`/`oneOf` (a part
 * sensitive in any branch is redacted), `if`/`then`/`else`, `dependentSchemas`, `properties`,
 * `patternProperties`, `additionalProperties`, `unevaluatedProperties`, `prefixItems`, `items`,
 * `additionalItems`, `contains` and `unevaluatedItems`. What it cannot follow (no schema, an unresolvable or
 * dynamic `$ref`, a schema too deep) is redacted whole: it fails closed. Never throws.
 */
export function redactValue(value: unknown, schema: unknown, label = ''): Redaction {
  const acc: Acc = { root: schema, paths: [], secrets: new Set() };
  let out: unknown;
  try {
    out = walk(value, schema, label, 0, acc);
  } catch {
    acc.paths.length = 0;
    out = all(value, label, acc);
  }
  return { value: out, paths: [...new Set(acc.paths)], secrets: [...acc.secrets] };
}

export interface RedactedCall {
  args: unknown;
  context: unknown;
  paths: string[];
  secrets: string[];
}

/**
 * A tool call as it may be shown: arguments redacted against the tool's input schema (everything, when the
 * tool or the manifest is unknown) and the context against the manifest's context schema.
 */
export function redactCall(manifest: Manifest | undefined, call: { tool: string; args?: unknown; context?: unknown }): RedactedCall {
  const tool = manifest?.tools.find((t) => t.action === call.tool);
  const a = redactValue(call.args ?? {}, tool ? tool.inputSchema : undefined, 'args');
  const c = redactValue(call.context ?? {}, manifest ? (manifest.context ?? true) : undefined, 'context');
  return { args: a.value, context: c.value, paths: [...a.paths, ...c.paths], secrets: [...a.secrets, ...c.secrets] };
}

/** `text` with every occurrence of a secret replaced by "[redacted]" (for messages built elsewhere: the engine's). */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = new Set<string>();
  for (const s of secrets) {
    forms.add(JSON.stringify(s));
    if (s.length >= MIN_RAW_SCRUB) forms.add(s);
  }
  for (const f of [...forms].sort((x, y) => y.length - x.length)) if (f) out = out.split(f).join(REDACTED);
  return out;
}

function all(value: unknown, path: string, acc: Acc): string {
  acc.paths.push(path);
  const leaves = (v: unknown, depth: number) => {
    if (typeof v === 'string' && v !== REDACTED) acc.secrets.add(v);
    else if (typeof v === 'number' || typeof v === 'bigint') acc.secrets.add(String(v));
    else if (typeof v === 'object' && v !== null && depth < MAX_DEPTH) for (const x of Object.values(v)) leaves(x, depth + 1);
  };
  leaves(value, 0);
  return REDACTED;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  const pointer = ref.slice(1);
  if (pointer !== '' && !pointer.startsWith('/')) return undefined; // an anchor: not followed, so redacted whole
  let node: unknown = root;
  for (const raw of pointer.split('/').slice(1)) {
    let seg: string;
    try {
      seg = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    node = own(node, seg.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (node === undefined) return undefined;
  }
  return node;
}

function keyMatches(pattern: string, key: string): boolean {
  const c = compilePattern(pattern);
  if ('error' in c || key.length > MAX_PATTERN_INPUT) return true; // cannot tell: assume it applies (redacts more, never less)
  try {
    return c.re.test(key);
  } catch {
    return true;
  }
}

function walk(value: unknown, schema: unknown, path: string, depth: number, acc: Acc): unknown {
  if (value === undefined || schema === true || schema === false) return value;
  if (!isObject(schema) || depth > MAX_DEPTH) return all(value, path, acc);
  if (own(schema, 'writeOnly') === true || own(schema, 'x-sensitive') === true) return all(value, path, acc);
  if (hasOwn(schema, '$dynamicRef') || hasOwn(schema, '$recursiveRef')) return all(value, path, acc);
  let out: unknown = value;
  const ref = own(schema, '$ref');
  if (ref !== undefined) {
    const target = typeof ref === 'string' ? resolveRef(acc.root, ref) : undefined;
    if (target === undefined) return all(value, path, acc);
    out = walk(out, target, path, depth + 1, acc);
  }
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = own(schema, key);
    if (Array.isArray(list)) for (const sub of list) out = walk(out, sub, path, depth + 1, acc);
  }
  for (const key of ['if', 'then', 'else']) {
    const sub = own(schema, key);
    if (sub !== undefined) out = walk(out, sub, path, depth + 1, acc);
  }
  const dependent = own(schema, 'dependentSchemas');
  if (isObject(dependent) && isObject(out)) for (const [k, sub] of Object.entries(dependent)) if (hasOwn(out, k)) out = walk(out, sub, path, depth + 1, acc);
  if (Array.isArray(out)) return walkItems(out, schema, path, depth, acc);
  if (isObject(out)) return walkProperties(out, schema, path, depth, acc);
  return out;
}

function walkItems(value: unknown[], s: Record<string, unknown>, path: string, depth: number, acc: Acc): unknown[] {
  const prefix = own(s, 'prefixItems');
  const items = own(s, 'items');
  const additional = own(s, 'additionalItems');
  const contains = own(s, 'contains');
  const unevaluated = own(s, 'unevaluatedItems');
  return value.map((v, i) => {
    const at = valuePath(path, [i]);
    let x: unknown = v;
    let covered = false;
    const apply = (sub: unknown) => {
      x = walk(x, sub, at, depth + 1, acc);
      covered = true;
    };
    if (Array.isArray(prefix) && i < prefix.length) apply(prefix[i]);
    else if (Array.isArray(items)) {
      if (i < items.length) apply(items[i]);
      else if (additional !== undefined) apply(additional);
    } else if (items !== undefined) apply(items);
    if (contains !== undefined) x = walk(x, contains, at, depth + 1, acc);
    if (!covered && unevaluated !== undefined) apply(unevaluated);
    return x;
  });
}

function walkProperties(value: Record<string, unknown>, s: Record<string, unknown>, path: string, depth: number, acc: Acc): Record<string, unknown> {
  const props = own(s, 'properties');
  const patterns = own(s, 'patternProperties');
  const additional = own(s, 'additionalProperties');
  const unevaluated = own(s, 'unevaluatedProperties');
  return jsonObject(
    Object.entries(value).map(([k, v]) => {
      const at = valuePath(path, [k]);
      let x: unknown = v;
      let matched = false;
      if (hasOwn(props, k)) {
        x = walk(x, own(props, k), at, depth + 1, acc);
        matched = true;
      }
      if (isObject(patterns)) {
        for (const [p, sub] of Object.entries(patterns)) {
          if (!keyMatches(p, k)) continue;
          x = walk(x, sub, at, depth + 1, acc);
          matched = true;
        }
      }
      if (!matched && additional !== undefined) x = walk(x, additional, at, depth + 1, acc);
      else if (!matched && unevaluated !== undefined) x = walk(x, unevaluated, at, depth + 1, acc);
      return [k, x] as const;
    }),
  );
}
