import Ajv2020 from 'ajv/dist/2020';
import AjvDraft7 from 'ajv';
import addFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { own } from './own';
import { ajvRegExp, collectUnsupported, PatternError, unsupportedPatternMessage, withPatternBudget } from './safeRegExp';
import { didYouMean, hashText } from './text';
import { pointerToPath, type JsonPath } from './yamlDoc';

/** A JSON Schema error with the path of the offending value (or key) and a readable message. */
export interface SchemaError {
  path: JsonPath;
  /** True when the error is about a key (unknown property), so the key should be highlighted. */
  atKey: boolean;
  message: string;
}

/** Formats (and where they sit) that ajv met and does not know, while `collectUnknownFormats` runs. */
let unknownFormats: { format: string; schemaPath: string }[] | undefined;

/**
 * Ajv's logger: never the console (a language server's stderr is a log, and the CLI's belongs to the user). The one
 * warning that matters, an unknown `format` (ajv then accepts any value for it), is collected and reported as a note
 * on the schema instead; everything else ajv would print is dropped.
 */
const QUIET_LOGGER = {
  log(): void {},
  warn(...args: unknown[]): void {
    const m = /^unknown format "(.*)" ignored in schema at path "(.*)"$/s.exec(args.map(String).join(' '));
    if (m) unknownFormats?.push({ format: m[1]!, schemaPath: m[2]! });
  },
  error(): void {},
};

/**
 * Options every ajv instance of the core uses: `ownProperties` so that a property named like an
 * `Object.prototype` member (`constructor`) is read from the data only, patterns on RE2 (linear time), and a
 * logger that never prints.
 */
export const SAFE_AJV_OPTIONS = { ownProperties: true, code: { regExp: ajvRegExp }, logger: QUIET_LOGGER } as const;

function makeAjv<T extends AjvDraft7>(Ctor: new (opts: object) => T): T {
  const ajv = new Ctor({ allErrors: true, verbose: true, strict: false, validateSchema: false, allowUnionTypes: true, unicodeRegExp: true, ...SAFE_AJV_OPTIONS });
  addFormats(ajv as unknown as Parameters<typeof addFormats>[0]);
  return ajv;
}

let ajv2020: Ajv2020 | undefined;
let ajv7: AjvDraft7 | undefined;
function ajvFor(schema: unknown): AjvDraft7 {
  const declared = own(schema, '$schema');
  if (typeof declared === 'string' && /draft-0[4-7]/.test(declared)) return (ajv7 ??= makeAjv(AjvDraft7));
  return (ajv2020 ??= makeAjv(Ajv2020));
}

export interface CompiledSchema {
  validate?: ValidateFunction;
  /** Problems that make the schema unusable. */
  errors: SchemaError[];
  /** Patterns the linear-time engine cannot run (at their `pattern` keyword): a value that reaches one is refused. */
  unsupported: SchemaError[];
  /** Formats the checker does not know (at their first `format` keyword, all named): values are not checked against them. */
  notes: SchemaError[];
}

const compiled = new Map<string, CompiledSchema>();
const MAX_CACHED = 2000;

/**
 * Checks that `schema` is a valid JSON Schema (2020-12 unless it declares draft-07 or older) and compiles it.
 * Returns the validator, or the problems found in the schema itself. Never throws.
 */
export function compileSchema(schema: unknown): CompiledSchema {
  // The same schema object (a manifest's tool, read once per parse and never changed after) is not serialised and
  // hashed again on every call; a schema built anew goes through the content cache below.
  const same = typeof schema === 'object' && schema !== null ? byObject.get(schema) : undefined;
  if (same) return same;
  const result = compileByContent(schema);
  if (typeof schema === 'object' && schema !== null) byObject.set(schema, result);
  return result;
}

const byObject = new WeakMap<object, CompiledSchema>();

function compileByContent(schema: unknown): CompiledSchema {
  let key: string;
  try {
    key = hashText(JSON.stringify(schema) ?? 'undefined');
  } catch {
    return { errors: [{ path: [], atKey: false, message: 'schema cannot be serialised as JSON' }], unsupported: [], notes: [] };
  }
  const hit = compiled.get(key);
  if (hit) return hit;
  const ajv = ajvFor(schema);
  let result: CompiledSchema;
  const metaOk = ajv.validateSchema(schema as object);
  if (!metaOk) {
    result = { errors: describeErrors(ajv.errors ?? [], schema).map((e) => ({ ...e, message: `not a valid JSON Schema: ${e.message}` })), unsupported: [], notes: [] };
  } else {
    const outer = unknownFormats;
    const formats: { format: string; schemaPath: string }[] = [];
    unknownFormats = formats;
    try {
      const withoutId = Object.fromEntries(Object.entries(schema as Record<string, unknown>).filter(([k]) => k !== '$id')); // a repeated $id must not collide in ajv's registry
      const { value: validate, unsupported } = collectUnsupported(() => ajv.compile(withoutId));
      result = { validate, errors: [], unsupported: locatePatterns(schema, unsupported), notes: formatNotes(formats) };
    } catch (err) {
      result = { errors: [{ path: [], atKey: false, message: `not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}` }], unsupported: [], notes: [] };
    } finally {
      unknownFormats = outer;
    }
  }
  if (compiled.size >= MAX_CACHED) compiled.clear();
  compiled.set(key, result);
  return result;
}

/** One note for the unknown formats of a schema, at the first one: each is named once, in the order ajv met them. */
function formatNotes(found: { format: string; schemaPath: string }[]): SchemaError[] {
  if (found.length === 0) return [];
  const names = [...new Set(found.map((f) => f.format))];
  const path = [...pointerToPath(found[0]!.schemaPath.replace(/^#/, '')), 'format']; // ajv names the schema that holds the keyword
  const list = names.map((n) => `\`${n.length > 40 ? `${n.slice(0, 37)}...` : n}\``).join(', ');
  return [{ path, atKey: false, message: `${names.length === 1 ? 'format' : 'formats'} ${list} ${names.length === 1 ? 'is' : 'are'} not known to the checker: values are not checked against ${names.length === 1 ? 'it' : 'them'}` }];
}

/** Where the patterns RE2 cannot run sit in a schema: each `pattern` keyword, and each `patternProperties` key. */
function locatePatterns(schema: unknown, unsupported: Map<string, string>): SchemaError[] {
  if (unsupported.size === 0) return [];
  const out: SchemaError[] = [];
  const walk = (node: unknown, path: JsonPath, depth: number) => {
    if (typeof node !== 'object' || node === null || depth > 64) return;
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, [...path, i], depth + 1));
    for (const [k, v] of Object.entries(node)) {
      if (k === 'pattern' && typeof v === 'string' && unsupported.has(v)) out.push({ path: [...path, k], atKey: false, message: unsupportedPatternMessage(unsupported.get(v)!) });
      if (k === 'patternProperties' && typeof v === 'object' && v !== null) {
        for (const p of Object.keys(v)) if (unsupported.has(p)) out.push({ path: [...path, k, p], atKey: true, message: unsupportedPatternMessage(unsupported.get(p)!) });
      }
      walk(v, [...path, k], depth + 1);
    }
  };
  walk(schema, [], 0);
  if (out.length === 0) for (const [p, why] of unsupported) out.push({ path: [], atKey: false, message: `${unsupportedPatternMessage(why)} (\`${p.length > 60 ? `${p.slice(0, 57)}...` : p}\`)` });
  return out;
}

/**
 * Validates `value` against a compiled schema and describes every error. A pattern that cannot be run safely
 * (not supported by the linear-time engine, value too long, time budget spent) is an error, never a pass.
 */
export function validateValue(validate: ValidateFunction, value: unknown, schema: unknown): SchemaError[] {
  let ok: boolean;
  try {
    ok = withPatternBudget(() => validate(value) as boolean);
  } catch (err) {
    const message = err instanceof PatternError ? err.message : `the value cannot be checked against its schema (${err instanceof Error ? err.message : String(err)})`;
    return [{ path: [], atKey: false, message }];
  }
  if (ok) return [];
  return describeErrors(validate.errors ?? [], schema);
}

/** Turns ajv's errors into one readable error per problem (collapsing `oneOf`/`anyOf` branch noise). */
export function describeErrors(errors: ErrorObject[], rootSchema: unknown): SchemaError[] {
  const kept = collapseAlternatives(errors);
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const d = describe(e, rootSchema);
    const k = `${d.path.join('/')}|${d.message}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(d);
  }
  return out;
}

function collapseAlternatives(errors: ErrorObject[]): ErrorObject[] {
  // ajv reports every failed branch of a oneOf/anyOf, then the oneOf itself. A branch whose *type* did not
  // match says nothing useful; a branch that matched the type explains the real problem.
  const drop = new Set<ErrorObject>();
  const replace = new Map<ErrorObject, ErrorObject>();
  for (const alt of errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const p = alt.instancePath;
    const related = errors.filter((e) => e !== alt && (e.instancePath === p || e.instancePath.startsWith(p + '/')) && e.keyword !== 'oneOf' && e.keyword !== 'anyOf');
    const typeErrs = related.filter((e) => e.keyword === 'type' && e.instancePath === p);
    typeErrs.forEach((e) => drop.add(e));
    if (related.length > typeErrs.length) drop.add(alt);
    else if (typeErrs.length > 0) {
      const types = typeErrs.map((e) => String((e.params as { type?: unknown }).type));
      replace.set(alt, { ...alt, keyword: 'type', params: { type: [...new Set(types)].join(',') } });
    }
  }
  return errors.filter((e) => !drop.has(e)).map((e) => replace.get(e) ?? e);
}

function describe(e: ErrorObject, rootSchema: unknown): SchemaError {
  const path = pointerToPath(e.instancePath);
  const where = path.length ? `\`${path.join('.')}\`` : 'the document';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { path, atKey: true, message: `${where} is missing the required property \`${String(p.missingProperty)}\`` };
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const props = own(schemaAt(rootSchema, e.schemaPath.replace(/\/additionalProperties$/, '')), 'properties');
      const known = typeof props === 'object' && props !== null ? Object.keys(props) : [];
      const hint = didYouMean(name, known);
      return { path: [...path, name], atKey: true, message: `unknown property \`${name}\` in ${where}${hint ? `; did you mean \`${hint}\`?` : ''}` };
    }
    case 'const':
      return { path, atKey: false, message: `${where} must be ${JSON.stringify(p.allowedValue)}` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.filter((v): v is string => typeof v === 'string')) : undefined;
      return { path, atKey: false, message: `${where} must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}` };
    }
    case 'type':
      return { path, atKey: false, message: `${where} must be ${articled(String(p.type))}` };
    case 'oneOf':
    case 'anyOf':
      return { path, atKey: false, message: `${where} does not match any of the allowed forms` };
    case 'pattern': {
      const custom = own(schemaAt(rootSchema, e.schemaPath.replace(/\/pattern$/, '')), 'x-patternMessage');
      return { path, atKey: false, message: typeof custom === 'string' ? `${where} must be ${custom}` : `${where} must match the pattern ${String(p.pattern)}` };
    }
    case 'propertyNames':
      return { path, atKey: true, message: `${where} has an invalid property name \`${String(p.propertyName)}\`` };
    default:
      return { path, atKey: false, message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

function articled(type: string): string {
  const parts = type.split(',');
  const word = (t: string) => (t === 'array' || t === 'object' || t === 'integer' ? `an ${t}` : t === 'null' ? 'null' : `a ${t}`);
  return parts.map(word).join(' or ');
}

/** Resolves a schema path such as "#/properties/agents/additionalProperties" in a root schema (local refs only). */
function schemaAt(root: unknown, schemaPath: string): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const seg of schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = own(node, seg.replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}
