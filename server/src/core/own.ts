/**
 * Own-property reads of JSON data. Keys of user data can be named like members of `Object.prototype`
 * (`constructor`, `toString`, `hasOwnProperty`, `__proto__`): `obj[key]` or `key in obj` would then read the
 * prototype instead of the data, and `out[key] = v` with `__proto__` would replace a prototype instead of
 * adding a key. Every read of user data by key goes through these helpers; maps keyed by user strings are
 * `Map`s or null-prototype objects made by `dict`.
 */

/** True when `obj` is an object (or array) that has `key` as its own property. */
export function hasOwn(obj: unknown, key: string | number): boolean {
  return typeof obj === 'object' && obj !== null && Object.hasOwn(obj, key);
}

/** The own property `key` of `obj`, or undefined (never an inherited member). */
export function own(obj: unknown, key: string | number): unknown {
  return hasOwn(obj, key) ? (obj as Record<string | number, unknown>)[key] : undefined;
}

/** The own property `key` of `obj` when it is a plain (non-array) object. */
export function ownObject(obj: unknown, key: string | number): Record<string, unknown> | undefined {
  const v = own(obj, key);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A null-prototype object to use as a map keyed by user strings (`__proto__` is an ordinary key there). */
export function dict<T>(entries?: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  if (entries) for (const [k, v] of entries) out[k] = v;
  return out;
}

/** A plain object built from entries with own data properties (`__proto__` stays a key): for JSON output. */
export function jsonObject<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  return Object.fromEntries(entries) as Record<string, T>;
}
