import type { CAttr, CType } from './ctype';
import type { CedarValue, EntityJson } from './engine';
import { dict, hasOwn, own } from '../own';
import { REDACTED } from '../redact';
import { valuePath } from '../text';

/**
 * Converts JSON values (tool arguments, session context, agent attributes) into Cedar values, driven by the
 * same type model the schema was generated from. Fields the schema left out of Cedar are dropped, `null`
 * optional fields are dropped, and objects with `additionalProperties` become entities with tags.
 * Keys are read as own properties only, and records are null-prototype objects: a key named `constructor`
 * or `__proto__` is data like any other. Messages show a value as `view` has it: the redacted copy of the
 * input, so that a sensitive value is never echoed.
 */
export class ValueConverter {
  readonly entities: EntityJson[] = [];
  readonly errors: string[] = [];
  private n = 0;

  constructor(private readonly namespace: string, private readonly idPrefix: string) {}

  attrs(value: Record<string, unknown>, attrs: Record<string, CAttr>, path: string, view: unknown = value): Record<string, CedarValue> {
    const out = dict<CedarValue>();
    for (const [k, a] of Object.entries(attrs)) {
      const v = own(value, k);
      if (v === undefined || v === null) {
        if (a.required) this.errors.push(`${valuePath(path, [k])}: required, but missing`);
        continue;
      }
      const c = this.convert(v, a.type, valuePath(path, [k]), child(view, k));
      if (c !== undefined) out[k] = c;
    }
    return out;
  }

  convert(value: unknown, type: CType, path: string, view: unknown = value): CedarValue | undefined {
    switch (type.kind) {
      case 'String':
        return typeof value === 'string' ? value : this.fail(path, 'a string', view);
      case 'Long':
        if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
        // A JSON Schema `number` that the manifest maps to Long: its schema admits 1.5, Cedar would not.
        return this.fail(path, type.fromNumber ? 'an integer within ±2^53 (the manifest maps this `number` argument to Long with `number_as_long`)' : 'an integer (within ±2^53)', view);
      case 'Bool':
        return typeof value === 'boolean' ? value : this.fail(path, 'a boolean', view);
      case 'Decimal': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return this.fail(path, 'a number', view);
        const text = decimalText(value);
        if (!text) {
          this.errors.push(`${path}: ${shownValue(view)} cannot be a Cedar decimal (at most 4 decimal places, between -922337203685477.5808 and 922337203685477.5807)`);
          return undefined;
        }
        return { __extn: { fn: 'decimal', arg: text } };
      }
      case 'Set': {
        if (!Array.isArray(value)) return this.fail(path, 'an array', view);
        const out: CedarValue[] = [];
        value.forEach((v, i) => {
          const c = this.convert(v, type.element, valuePath(path, [i]), child(view, i));
          if (c !== undefined) out.push(c);
        });
        return out;
      }
      case 'Record': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, 'an object', view);
        return this.attrs(value as Record<string, unknown>, type.attrs, path, view);
      }
      case 'Tagged': {
        if (typeof value !== 'object' || value === null || Array.isArray(value)) return this.fail(path, 'an object', view);
        const obj = value as Record<string, unknown>;
        const attrs = this.attrs(obj, type.attrs, path, view);
        const tags = dict<CedarValue>();
        if (type.tags) {
          for (const [k, v] of Object.entries(obj)) {
            if (hasOwn(type.attrs, k) || v === null) continue;
            const c = this.convert(v, type.tags, valuePath(path, [k]), child(view, k));
            if (c !== undefined) tags[k] = c;
          }
        }
        const uid = { type: `${this.namespace}::${type.entityType}`, id: `${this.idPrefix}${path}#${++this.n}` };
        this.entities.push({ uid, attrs, parents: [], tags });
        return { __entity: uid };
      }
    }
  }

  private fail(path: string, expected: string, view: unknown): undefined {
    this.errors.push(`${path}: expected ${expected}, got ${shownValue(view)}`);
    return undefined;
  }
}

/** The part of a redacted view under `key`: a redacted subtree stays redacted all the way down. */
function child(view: unknown, key: string | number): unknown {
  return typeof view === 'object' && view !== null ? own(view, key) : REDACTED;
}

function shownValue(view: unknown): string {
  if (view === REDACTED || view === undefined) return REDACTED;
  const text = JSON.stringify(view) ?? String(view);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The text of a Cedar decimal literal for a number, or undefined when Cedar's decimal cannot hold it exactly. */
export function decimalText(n: number): string | undefined {
  if (!Number.isFinite(n) || Math.abs(n) > 922337203685477) return undefined;
  const s = String(n);
  if (/e/i.test(s)) return undefined;
  const [int, frac = ''] = s.split('.');
  if (frac.length > 4) return undefined;
  return `${int}.${frac || '0'}`;
}
