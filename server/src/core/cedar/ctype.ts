import { dict, hasOwn, own } from '../own';

/**
 * The Cedar type of a JSON value, derived from a JSON Schema. One model serves two purposes: it is rendered
 * into the Cedar schema, and it converts JSON arguments into Cedar values for a request, so the two never
 * disagree.
 */
export type CType =
  | { kind: 'String' }
  /** `fromNumber`: a JSON Schema `number` that the manifest maps to Long (`number_as_long`). */
  | { kind: 'Long'; fromNumber?: true }
  | { kind: 'Bool' }
  | { kind: 'Decimal' }
  | { kind: 'Set'; element: CType }
  | { kind: 'Record'; attrs: Record<string, CAttr> }
  /** An object with `additionalProperties`: an entity whose tags hold the extra keys. */
  | { kind: 'Tagged'; entityType: string; attrs: Record<string, CAttr>; tags?: CType };

export interface CAttr {
  type: CType;
  required: boolean;
}

/** A place where a JSON Schema says something Cedar cannot express (reported, and left out of Cedar). */
export interface Unexpressible {
  path: (string | number)[];
  reason: string;
}

type JsonSchema = Record<string, unknown> | boolean;

export interface MapContext {
  /** The root schema, for local `$ref`s. */
  root: unknown;
  /** Prefix for the entity types of tagged objects (`<ns>::<prefix>_<path>`). */
  entityPrefix: string;
  namespace: string;
  /** Entity types created while mapping (shared across calls so names stay unique). */
  taggedTypes: Map<string, Extract<CType, { kind: 'Tagged' }>>;
  unexpressible: Unexpressible[];
  /** The arguments whose `number` is a Long (`number_as_long`): all of them, or these argument paths (`filter.limit`). */
  longNumbers?: true | ReadonlySet<string>;
}

const MAX_DEPTH = 32;

/** Maps an object schema to a Record (or Tagged) type. Properties Cedar cannot express are left out and reported. */
export function mapSchema(schema: unknown, ctx: MapContext, path: (string | number)[] = [], seen: Set<unknown> = new Set()): CType | undefined {
  const r = map(schema as JsonSchema, ctx, path, seen, 0);
  return r;
}

function map(schemaIn: JsonSchema, ctx: MapContext, path: (string | number)[], seen: Set<unknown>, depth: number): CType | undefined {
  const fail = (reason: string): undefined => {
    ctx.unexpressible.push({ path, reason });
    return undefined;
  };
  if (depth > MAX_DEPTH) return fail('nested too deeply');
  if (typeof schemaIn === 'boolean') return fail(schemaIn ? 'any value is allowed (no type)' : 'no value is allowed');
  if (typeof schemaIn !== 'object' || schemaIn === null) return fail('not a schema');
  let schema = schemaIn;
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(ctx.root, schema.$ref);
    if (target === undefined) return fail(`cannot resolve $ref ${schema.$ref}`);
    if (seen.has(target)) return fail('recursive schema');
    const next = new Set(seen).add(target);
    return map(target as JsonSchema, ctx, path, next, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && Object.keys(schema).length === 1) {
    return map(schema.allOf[0] as JsonSchema, ctx, path, seen, depth + 1);
  }
  // `anyOf: [{type: X}, {type: "null"}]` (what zod and pydantic write) is `type: [X, "null"]`: X, absent when null.
  const nonNull = nullableMember(schema);
  if (nonNull !== undefined) return map(nonNull as JsonSchema, ctx, path, seen, depth + 1);
  if (schema.anyOf !== undefined || schema.oneOf !== undefined || schema.allOf !== undefined) return fail('a union (anyOf/oneOf/allOf) has no Cedar type');

  let type = schema.type;
  if (Array.isArray(type)) {
    const nonNull = type.filter((t) => t !== 'null');
    if (nonNull.length !== 1) return fail(`a value of several types (${type.join(', ')}) has no Cedar type`);
    type = nonNull[0];
  }
  if (type === undefined) {
    const values = Array.isArray(schema.enum) ? schema.enum.filter((v) => v !== null) : [];
    if (values.length > 0) {
      if (values.every((v) => typeof v === 'string')) type = 'string';
      else if (values.every((v) => Number.isInteger(v))) type = 'integer';
    } else if (typeof schema.const === 'string') type = 'string';
    else if (Number.isInteger(schema.const)) type = 'integer';
    else if (typeof schema.const === 'boolean') type = 'boolean';
    else if (schema.properties !== undefined || schema.additionalProperties !== undefined) type = 'object';
    else if (schema.items !== undefined) type = 'array';
  }
  switch (type) {
    case 'string':
      return { kind: 'String' };
    case 'integer':
      return { kind: 'Long' };
    case 'number':
      if (ctx.longNumbers === true || ctx.longNumbers?.has(argumentPath(path))) return { kind: 'Long', fromNumber: true };
      return { kind: 'Decimal' };
    case 'boolean':
      return { kind: 'Bool' };
    case 'null':
      return fail('`null` has no Cedar type');
    case 'array': {
      if (schema.prefixItems !== undefined) return fail('a tuple (prefixItems) has no Cedar type');
      if (schema.items === undefined || schema.items === true) return fail('an array without `items` has no Cedar type');
      const el = map(schema.items as JsonSchema, ctx, [...path, 'items'], seen, depth + 1);
      return el ? { kind: 'Set', element: el } : undefined;
    }
    case 'object': {
      const attrs = dict<CAttr>();
      const required = new Set(Array.isArray(schema.required) ? schema.required.filter((x): x is string => typeof x === 'string') : []);
      const props = typeof schema.properties === 'object' && schema.properties !== null ? (schema.properties as Record<string, JsonSchema>) : {};
      for (const [name, sub] of Object.entries(props)) {
        const t = map(sub, ctx, [...path, 'properties', name], seen, depth + 1);
        // A value that may be null is absent from the Cedar request when it is: optional, even when required.
        if (t) attrs[name] = { type: t, required: required.has(name) && !acceptsNull(sub, ctx.root) };
      }
      const ap = schema.additionalProperties;
      if (typeof ap === 'object' && ap !== null) {
        const tags = map(ap as JsonSchema, ctx, [...path, 'additionalProperties'], seen, depth + 1);
        const entityType = uniqueEntityName(ctx, [ctx.entityPrefix, ...path.filter((p) => p !== 'properties' && p !== 'items')].join('_'));
        const tagged: Extract<CType, { kind: 'Tagged' }> = { kind: 'Tagged', entityType, attrs, tags };
        ctx.taggedTypes.set(entityType, tagged);
        return tagged;
      }
      return { kind: 'Record', attrs };
    }
    default:
      return fail(type === undefined ? 'no `type` is given' : `type \`${String(type)}\` has no Cedar type`);
  }
}

/** Keywords that describe a schema without constraining its values: they may sit beside a nullable `anyOf`. */
const ANNOTATIONS = new Set(['description', 'title', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment', '$id', '$schema', '$anchor']);

function isNullSchema(s: unknown): boolean {
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
  const o = s as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => !ANNOTATIONS.has(k) && !k.startsWith('x-'));
  if (keys.length !== 1) return false;
  const k = keys[0]!;
  return (k === 'type' && o.type === 'null') || (k === 'const' && o.const === null) || (k === 'enum' && Array.isArray(o.enum) && o.enum.length === 1 && o.enum[0] === null);
}

/**
 * The member of a nullable union — `anyOf` (or `oneOf`) of exactly two schemas, one of which only admits null, in
 * either order — when the union is all the schema says of its values (annotations such as `description` aside).
 */
export function nullableMember(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const o = schema as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => !ANNOTATIONS.has(k) && !k.startsWith('x-'));
  if (keys.length !== 1 || (keys[0] !== 'anyOf' && keys[0] !== 'oneOf')) return undefined;
  const members = o[keys[0]];
  if (!Array.isArray(members) || members.length !== 2) return undefined;
  const [a, b] = members as unknown[];
  if (isNullSchema(a) && !isNullSchema(b)) return b;
  if (isNullSchema(b) && !isNullSchema(a)) return a;
  return undefined;
}

/** Whether a property's schema admits null (through `$ref`s): `type: [X, "null"]`, a nullable union, or `null` in an `enum`. */
export function acceptsNull(schema: unknown, root: unknown): boolean {
  let s = schema;
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
    const o = s as Record<string, unknown>;
    if (typeof o.$ref === 'string') {
      s = resolveRef(root, o.$ref);
      continue;
    }
    if (Array.isArray(o.allOf) && o.allOf.length === 1 && Object.keys(o).length === 1) {
      s = o.allOf[0];
      continue;
    }
    const typeAdmitsNull = o.type === undefined || o.type === 'null' || (Array.isArray(o.type) && o.type.includes('null'));
    return (Array.isArray(o.type) && o.type.includes('null')) || nullableMember(o) !== undefined || (typeAdmitsNull && Array.isArray(o.enum) && o.enum.includes(null));
  }
  return false;
}

/** The argument a schema path is in, as `number_as_long` names it: `[properties, filter, properties, limit]` → `filter.limit` (array items are their array's). */
export function argumentPath(path: readonly (string | number)[]): string {
  const names: string[] = [];
  for (let i = 0; i < path.length; i++) if (path[i] === 'properties' && i + 1 < path.length) names.push(String(path[++i]));
  return names.join('.');
}

/** Follows `$ref`s, a lone `allOf` member and a nullable union down to the schema that says what a value is. */
export function resolveSchema(schema: unknown, root: unknown): Record<string, unknown> | undefined {
  let s = schema;
  for (let i = 0; i < MAX_DEPTH; i++) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return undefined;
    const o = s as Record<string, unknown>;
    if (typeof o.$ref === 'string') s = resolveRef(root, o.$ref);
    else if (Array.isArray(o.allOf) && o.allOf.length === 1 && Object.keys(o).length === 1) s = o.allOf[0];
    else if (nullableMember(o) !== undefined) s = nullableMember(o);
    else return o;
  }
  return undefined;
}

/**
 * The schema of the argument at a dotted path of an object schema (`filter.limit`; through arrays of objects), or
 * undefined when there is none; with whether its values are JSON Schema `number`s (or arrays of them).
 */
export function argumentSchema(schema: unknown, root: unknown, dotted: string): { schema: Record<string, unknown>; isNumber: boolean } | undefined {
  let s = resolveSchema(schema, root);
  for (const name of dotted.split('.')) {
    for (let i = 0; s && i < MAX_DEPTH && (s.type === 'array' || (s.type === undefined && s.items !== undefined)); i++) s = resolveSchema(s.items, root);
    const props = s ? own(s, 'properties') : undefined;
    s = typeof props === 'object' && props !== null && hasOwn(props, name) ? resolveSchema(own(props, name), root) : undefined;
    if (!s) return undefined;
  }
  const isNumber = (x: Record<string, unknown> | undefined, depth = 0): boolean => {
    if (!x || depth > MAX_DEPTH) return false;
    const types = Array.isArray(x.type) ? x.type : [x.type];
    if (types.includes('number')) return true;
    return (types.includes('array') || (x.type === undefined && x.items !== undefined)) && isNumber(resolveSchema(x.items, root), depth + 1);
  };
  return s && { schema: s, isNumber: isNumber(s) };
}

/** Argument paths (`page`, `filter`, `filter.limit`) of an object schema, for "did you mean": at most 500, 4 levels deep. */
export function argumentPaths(schema: unknown, root: unknown = schema): string[] {
  const out: string[] = [];
  const queue: { schema: unknown; prefix: string; depth: number }[] = [{ schema, prefix: '', depth: 0 }];
  for (let q = 0; q < queue.length && out.length < 500; q++) {
    const { schema: at, prefix, depth } = queue[q]!;
    let s = resolveSchema(at, root);
    for (let i = 0; s && i < MAX_DEPTH && (s.type === 'array' || (s.type === undefined && s.items !== undefined)); i++) s = resolveSchema(s.items, root);
    const props = s ? own(s, 'properties') : undefined;
    if (typeof props !== 'object' || props === null) continue;
    for (const name of Object.keys(props)) {
      if (out.length >= 500) break;
      out.push(`${prefix}${name}`);
      if (depth < 3) queue.push({ schema: own(props, name), prefix: `${prefix}${name}.`, depth: depth + 1 });
    }
  }
  return out;
}

function uniqueEntityName(ctx: MapContext, raw: string): string {
  let base = raw.replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(base)) base = `_${base}`;
  let name = base;
  for (let i = 2; ctx.taggedTypes.has(name) || RESERVED_TYPES.has(name); i++) name = `${base}_${i}`;
  return name;
}

const RESERVED_TYPES = new Set(['Agent', 'Role', 'McpServer', 'Action', 'String', 'Long', 'Bool', 'Boolean', 'Set', 'Record', 'Entity', 'Extension']);

/** Resolves a local JSON Pointer `$ref` (`#/$defs/x`) against the root schema. */
export function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let node: unknown = root;
  for (const seg of ref.slice(1).split('/').filter(Boolean)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = own(node, decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~'));
  }
  return node;
}

/** Infers a Cedar type from example values (agent attributes without a declared schema). */
export function inferType(values: unknown[]): CType | { conflict: string } {
  const kinds = new Set(values.map(jsonKind));
  if (kinds.size === 2 && kinds.has('integer') && kinds.has('number')) return { kind: 'Decimal' };
  if (kinds.size !== 1) return { conflict: [...kinds].join(' and ') };
  const kind = [...kinds][0]!;
  switch (kind) {
    case 'string':
      return { kind: 'String' };
    case 'integer':
      return { kind: 'Long' };
    case 'number':
      return { kind: 'Decimal' };
    case 'boolean':
      return { kind: 'Bool' };
    case 'array': {
      const items = (values as unknown[][]).flat();
      if (items.length === 0) return { conflict: 'an empty list (its element type is unknown)' };
      const el = inferType(items);
      return 'conflict' in el ? el : { kind: 'Set', element: el };
    }
    case 'object': {
      const objs = values as Record<string, unknown>[];
      const keys = new Set(objs.flatMap((o) => Object.keys(o)));
      const attrs = dict<CAttr>();
      for (const k of keys) {
        const present = objs.filter((o) => hasOwn(o, k));
        const t = inferType(present.map((o) => own(o, k)));
        if ('conflict' in t) return { conflict: `${k}: ${t.conflict}` };
        attrs[k] = { type: t, required: present.length === objs.length };
      }
      return { kind: 'Record', attrs };
    }
    default:
      return { conflict: kind };
  }
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
