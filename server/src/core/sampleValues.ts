import { compileSchema, validateValue } from './jsonSchema';
import { jsonObject, own } from './own';

type Schema = Record<string, unknown>;

/**
 * A plausible, valid example value for a JSON Schema (to pre-fill the Simulate command): `examples`,
 * `default`, `const` or the first `enum` value when given; otherwise a value of the type that respects
 * the usual bounds. Returns undefined when no valid example can be made.
 */
export function sampleValue(schema: unknown): unknown {
  const v = sample(schema, schema, 0);
  const compiled = compileSchema(schema);
  if (compiled.validate && validateValue(compiled.validate, v, schema).length > 0) return undefined;
  return v;
}

function resolve(root: unknown, s: unknown): Schema | undefined {
  if (typeof s !== 'object' || s === null) return undefined;
  const ref = (s as Schema).$ref;
  if (typeof ref === 'string' && ref.startsWith('#')) {
    let node: unknown = root;
    for (const seg of ref.slice(1).split('/').filter(Boolean)) node = own(node, seg.replace(/~1/g, '/').replace(/~0/g, '~'));
    return typeof node === 'object' && node !== null ? (node as Schema) : undefined;
  }
  return s as Schema;
}

function sample(root: unknown, input: unknown, depth: number): unknown {
  const s = resolve(root, input);
  if (!s || depth > 8) return undefined;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  for (const key of ['anyOf', 'oneOf'] as const) if (Array.isArray(s[key]) && (s[key] as unknown[]).length) return sample(root, (s[key] as unknown[])[0], depth + 1);
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== 'null') ?? type[0];
  if (type === undefined && (s.properties || s.required)) type = 'object';
  switch (type) {
    case 'string':
      return sampleString(s);
    case 'integer':
    case 'number': {
      const min = typeof s.minimum === 'number' ? s.minimum : typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum + 1 : undefined;
      const max = typeof s.maximum === 'number' ? s.maximum : undefined;
      let n = min ?? (max !== undefined ? Math.min(1, max) : 1);
      if (type === 'integer') n = Math.ceil(n);
      return n;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const min = typeof s.minItems === 'number' ? s.minItems : 1;
      const item = sample(root, s.items, depth + 1);
      return item === undefined ? [] : Array.from({ length: Math.max(1, Math.min(min, 3)) }, () => item);
    }
    case 'object': {
      const out: [string, unknown][] = [];
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const required = new Set(Array.isArray(s.required) ? s.required : []);
      for (const [k, p] of Object.entries(props)) {
        // Required properties, and optional ones too: a fuller example shows what the tool takes.
        const v = sample(root, p, depth + 1);
        if (v !== undefined) out.push([k, v]);
        else if (required.has(k)) out.push([k, null]);
      }
      return jsonObject(out);
    }
    default:
      return undefined;
  }
}

function sampleString(s: Schema): string {
  switch (s.format) {
    case 'email':
      return 'jane@example.com';
    case 'uri':
    case 'url':
      return 'https://example.com/';
    case 'date-time':
      return '2026-01-01T00:00:00Z';
    case 'date':
      return '2026-01-01';
    case 'uuid':
      return '00000000-0000-4000-8000-000000000000';
    case 'ipv4':
      return '192.0.2.1';
  }
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  let v = 'example';
  if (v.length < min) v = v.padEnd(min, 'x');
  if (v.length > max) v = v.slice(0, max);
  return v;
}
