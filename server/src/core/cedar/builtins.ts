/**
 * Cedar's operators, extension functions and methods, and the words a policy is made of: one table, written for this
 * extension (in our own words, from Cedar's language reference), that hover, completion after `.` and signature help
 * all read. Every example in it is evaluated by the real engine in the tests, so the table cannot drift from Cedar.
 */
import type { Span } from '../types';
import { tokenIndexAt, windowAround } from './assist';
import { tokenize, type Token } from './split';

/** The Cedar types a method is called on. */
export type Receiver = 'set' | 'entity' | 'ipaddr' | 'decimal' | 'datetime' | 'duration';

export interface BuiltinParam {
  name: string;
  type: string;
}

export interface Builtin {
  /** As written in a policy: `containsAll`, `like`, `==`, `if`. */
  name: string;
  kind: 'method' | 'function' | 'operator' | 'keyword' | 'variable';
  /** For methods: the type of the value before the `.`. */
  receiver?: Receiver;
  /** For methods and functions: the arguments inside the parentheses. */
  params?: BuiltinParam[];
  /** The type of the result. */
  returns?: string;
  /** How it is written, with types in angle brackets. */
  usage: string;
  /** What it does, in a sentence or two (Markdown). */
  doc: string;
  /** What it is in a plain Cedar project (no agent manifest), when `doc` speaks of agents and tools. */
  plainDoc?: string;
  /** When it errors at run time; an error skips the whole policy, which for a `forbid` means it fails open. */
  errors?: string;
  /** Expressions and what they evaluate to (checked against the engine by the tests). */
  examples: { expr: string; result: 'true' | 'false' | 'error' }[];
}

const FAILS_OPEN = 'An error skips the whole policy: a `forbid` that errors fails open, and the call may then be allowed (see `forbid-may-error`).';

export const BUILTINS: readonly Builtin[] = [
  // ---- Sets ----
  {
    name: 'contains',
    kind: 'method',
    receiver: 'set',
    params: [{ name: 'value', type: 'any' }],
    returns: 'Bool',
    usage: '<Set>.contains(<value>)',
    doc: 'True when `value` is one of the members of the set. Members are compared with `==`, so `"Admin"` and `"admin"` differ.',
    errors: 'The value before the dot is not a set (a string is not a set: use `like` for strings).',
    examples: [
      { expr: '["support", "billing"].contains("billing")', result: 'true' },
      { expr: '[1, 2, 3].contains(4)', result: 'false' },
    ],
  },
  {
    name: 'containsAll',
    kind: 'method',
    receiver: 'set',
    params: [{ name: 'other', type: 'Set' }],
    returns: 'Bool',
    usage: '<Set>.containsAll(<Set>)',
    doc: 'True when every member of `other` is also in the set: the set is a superset of `other`. An empty `other` always gives true.',
    errors: 'Either side is not a set.',
    examples: [
      { expr: '["read", "write", "delete"].containsAll(["read", "write"])', result: 'true' },
      { expr: '["read"].containsAll(["read", "write"])', result: 'false' },
      { expr: '["read"].containsAll([])', result: 'true' },
    ],
  },
  {
    name: 'containsAny',
    kind: 'method',
    receiver: 'set',
    params: [{ name: 'other', type: 'Set' }],
    returns: 'Bool',
    usage: '<Set>.containsAny(<Set>)',
    doc: 'True when the two sets share at least one member. An empty set on either side gives false.',
    errors: 'Either side is not a set.',
    examples: [
      { expr: '["email", "address"].containsAny(["address", "phone"])', result: 'true' },
      { expr: '["email"].containsAny([])', result: 'false' },
    ],
  },
  {
    name: 'isEmpty',
    kind: 'method',
    receiver: 'set',
    params: [],
    returns: 'Bool',
    usage: '<Set>.isEmpty()',
    doc: 'True when the set has no members.',
    errors: 'The value before the dot is not a set.',
    examples: [
      { expr: '[].isEmpty()', result: 'true' },
      { expr: '["x"].isEmpty()', result: 'false' },
    ],
  },
  // ---- Entity tags ----
  {
    name: 'getTag',
    kind: 'method',
    receiver: 'entity',
    params: [{ name: 'key', type: 'String' }],
    returns: 'the tag type of the entity',
    usage: '<entity>.getTag(<String>)',
    doc: 'The value of the tag `key` of an entity. Tags are key–value pairs whose keys are not fixed by the schema (in a manifest: an object argument with `additionalProperties`).',
    errors: `The entity has no tag \`key\`: guard the read with \`e.hasTag(key) && …\`. ${FAILS_OPEN}`,
    examples: [
      { expr: 'principal.getTag("team") == "sre"', result: 'true' },
      { expr: 'principal.getTag("missing") == "x"', result: 'error' },
      { expr: 'principal.hasTag("missing") && principal.getTag("missing") == "x"', result: 'false' },
    ],
  },
  {
    name: 'hasTag',
    kind: 'method',
    receiver: 'entity',
    params: [{ name: 'key', type: 'String' }],
    returns: 'Bool',
    usage: '<entity>.hasTag(<String>)',
    doc: 'True when the entity has a tag named `key`. Put it before a `getTag` of the same key, joined by `&&`, so that the read cannot error.',
    examples: [
      { expr: 'principal.hasTag("team")', result: 'true' },
      { expr: 'principal.hasTag("missing")', result: 'false' },
    ],
  },
  // ---- IP addresses ----
  {
    name: 'ip',
    kind: 'function',
    params: [{ name: 'text', type: 'String' }],
    returns: 'ipaddr',
    usage: 'ip(<String>)',
    doc: 'Reads an IPv4 or IPv6 address (`"10.0.0.1"`, `"::1"`) or a range in CIDR notation (`"10.0.0.0/8"`) into an `ipaddr` value.',
    errors: `The string is not an address or a range. ${FAILS_OPEN} Cedar's validator accepts only a string literal here.`,
    examples: [
      { expr: 'ip("10.1.2.3") == ip("10.1.2.3")', result: 'true' },
      { expr: 'ip("10.0.0.1/33") == ip("10.0.0.1")', result: 'error' },
    ],
  },
  {
    name: 'isIpv4',
    kind: 'method',
    receiver: 'ipaddr',
    params: [],
    returns: 'Bool',
    usage: '<ipaddr>.isIpv4()',
    doc: 'True for an IPv4 address or range.',
    examples: [
      { expr: 'ip("192.168.1.7").isIpv4()', result: 'true' },
      { expr: 'ip("::1").isIpv4()', result: 'false' },
    ],
  },
  {
    name: 'isIpv6',
    kind: 'method',
    receiver: 'ipaddr',
    params: [],
    returns: 'Bool',
    usage: '<ipaddr>.isIpv6()',
    doc: 'True for an IPv6 address or range.',
    examples: [
      { expr: 'ip("fe80::1").isIpv6()', result: 'true' },
      { expr: 'ip("127.0.0.1").isIpv6()', result: 'false' },
    ],
  },
  {
    name: 'isLoopback',
    kind: 'method',
    receiver: 'ipaddr',
    params: [],
    returns: 'Bool',
    usage: '<ipaddr>.isLoopback()',
    doc: 'True for a loopback address of its version: anything in `127.0.0.0/8`, or `::1`.',
    examples: [
      { expr: 'ip("127.0.0.9").isLoopback()', result: 'true' },
      { expr: 'ip("10.0.0.1").isLoopback()', result: 'false' },
    ],
  },
  {
    name: 'isMulticast',
    kind: 'method',
    receiver: 'ipaddr',
    params: [],
    returns: 'Bool',
    usage: '<ipaddr>.isMulticast()',
    doc: 'True for a multicast address of its version (`224.0.0.0/4`, `ff00::/8`).',
    examples: [
      { expr: 'ip("ff02::1").isMulticast()', result: 'true' },
      { expr: 'ip("10.0.0.1").isMulticast()', result: 'false' },
    ],
  },
  {
    name: 'isInRange',
    kind: 'method',
    receiver: 'ipaddr',
    params: [{ name: 'range', type: 'ipaddr' }],
    returns: 'Bool',
    usage: '<ipaddr>.isInRange(<ipaddr>)',
    doc: 'True when the address (or every address of the range) before the dot lies inside `range`. Addresses of different versions are never in each other\'s range.',
    examples: [
      { expr: 'ip("10.20.0.5").isInRange(ip("10.0.0.0/8"))', result: 'true' },
      { expr: 'ip("192.168.0.1").isInRange(ip("10.0.0.0/8"))', result: 'false' },
    ],
  },
  // ---- Decimals ----
  {
    name: 'decimal',
    kind: 'function',
    params: [{ name: 'text', type: 'String' }],
    returns: 'decimal',
    usage: 'decimal(<String>)',
    doc: 'Reads a fixed-point number with a `.` and one to four digits after it (`"0.25"`, `"-12.5"`). Decimals are compared with the methods `lessThan`, `greaterThan`… — `<` and `>` take only `Long`, `datetime` and `duration`.',
    errors: `No \`.\`, more than four digits after it, or out of range (about ±922 trillion). ${FAILS_OPEN}`,
    examples: [
      { expr: 'decimal("1.50") == decimal("1.5")', result: 'true' },
      { expr: 'decimal("0.12345") == decimal("0.1")', result: 'error' },
      { expr: 'decimal("1.5") < decimal("2.0")', result: 'error' },
    ],
  },
  {
    name: 'lessThan',
    kind: 'method',
    receiver: 'decimal',
    params: [{ name: 'other', type: 'decimal' }],
    returns: 'Bool',
    usage: '<decimal>.lessThan(<decimal>)',
    doc: 'True when the decimal before the dot is smaller than `other` (the decimal form of `<`).',
    examples: [
      { expr: 'decimal("0.99").lessThan(decimal("1.0"))', result: 'true' },
      { expr: 'decimal("1.0").lessThan(decimal("1.0"))', result: 'false' },
    ],
  },
  {
    name: 'lessThanOrEqual',
    kind: 'method',
    receiver: 'decimal',
    params: [{ name: 'other', type: 'decimal' }],
    returns: 'Bool',
    usage: '<decimal>.lessThanOrEqual(<decimal>)',
    doc: 'True when the decimal before the dot is smaller than or equal to `other` (the decimal form of `<=`).',
    examples: [
      { expr: 'decimal("1.0").lessThanOrEqual(decimal("1.0"))', result: 'true' },
      { expr: 'decimal("1.01").lessThanOrEqual(decimal("1.0"))', result: 'false' },
    ],
  },
  {
    name: 'greaterThan',
    kind: 'method',
    receiver: 'decimal',
    params: [{ name: 'other', type: 'decimal' }],
    returns: 'Bool',
    usage: '<decimal>.greaterThan(<decimal>)',
    doc: 'True when the decimal before the dot is larger than `other` (the decimal form of `>`).',
    examples: [
      { expr: 'decimal("2.5").greaterThan(decimal("-2.5"))', result: 'true' },
      { expr: 'decimal("2.5").greaterThan(decimal("2.5"))', result: 'false' },
    ],
  },
  {
    name: 'greaterThanOrEqual',
    kind: 'method',
    receiver: 'decimal',
    params: [{ name: 'other', type: 'decimal' }],
    returns: 'Bool',
    usage: '<decimal>.greaterThanOrEqual(<decimal>)',
    doc: 'True when the decimal before the dot is larger than or equal to `other` (the decimal form of `>=`).',
    examples: [
      { expr: 'decimal("2.5").greaterThanOrEqual(decimal("2.5"))', result: 'true' },
      { expr: 'decimal("2.4999").greaterThanOrEqual(decimal("2.5"))', result: 'false' },
    ],
  },
  // ---- Dates, times and durations ----
  {
    name: 'datetime',
    kind: 'function',
    params: [{ name: 'text', type: 'String' }],
    returns: 'datetime',
    usage: 'datetime(<String>)',
    doc: 'Reads an instant: a date `"2025-03-01"` (midnight UTC), or a date and time `"2025-03-01T09:30:00Z"`, optionally with milliseconds (`…:00.250Z`) or a UTC offset instead of `Z` (`…:00+0200`). Compare instants with `<`, `<=`, `>`, `>=`, `==`.',
    errors: `The string has another shape (\`"2025-3-1"\`, a missing \`Z\`…). ${FAILS_OPEN}`,
    examples: [
      { expr: 'datetime("2025-03-01") < datetime("2025-03-01T09:30:00Z")', result: 'true' },
      { expr: 'datetime("2025-03-01T11:30:00+0200") == datetime("2025-03-01T09:30:00Z")', result: 'true' },
      { expr: 'datetime("2025-3-1") == datetime("2025-03-01")', result: 'error' },
    ],
  },
  {
    name: 'duration',
    kind: 'function',
    params: [{ name: 'text', type: 'String' }],
    returns: 'duration',
    usage: 'duration(<String>)',
    doc: 'Reads a length of time written with the units `d`, `h`, `m`, `s` and `ms`, largest first, each at most once, optionally negative: `"90m"`, `"1h30m"`, `"-2d"`, `"1d2h3m4s5ms"`. Compare durations with `<`, `<=`, `>`, `>=`, `==`.',
    errors: `Units out of order (\`"30m1h"\`), a number without a unit, or an overflow. ${FAILS_OPEN}`,
    examples: [
      { expr: 'duration("1h30m") == duration("90m")', result: 'true' },
      { expr: 'duration("1h") > duration("59m")', result: 'true' },
      { expr: 'duration("30m1h") == duration("90m")', result: 'error' },
    ],
  },
  {
    name: 'offset',
    kind: 'method',
    receiver: 'datetime',
    params: [{ name: 'by', type: 'duration' }],
    returns: 'datetime',
    usage: '<datetime>.offset(<duration>)',
    doc: 'The instant `by` later (or earlier, for a negative duration).',
    errors: 'The result is outside the range of a datetime.',
    examples: [
      { expr: 'datetime("2025-03-01").offset(duration("1d")) == datetime("2025-03-02")', result: 'true' },
      { expr: 'datetime("2025-03-01").offset(duration("-1h")) < datetime("2025-03-01")', result: 'true' },
    ],
  },
  {
    name: 'durationSince',
    kind: 'method',
    receiver: 'datetime',
    params: [{ name: 'earlier', type: 'datetime' }],
    returns: 'duration',
    usage: '<datetime>.durationSince(<datetime>)',
    doc: 'How long after `earlier` the instant before the dot is (negative when it comes first).',
    errors: 'The difference is too large for a duration.',
    examples: [
      { expr: 'datetime("2025-03-02").durationSince(datetime("2025-03-01")) == duration("24h")', result: 'true' },
      { expr: 'datetime("2025-03-01").durationSince(datetime("2025-03-02")) < duration("0ms")', result: 'true' },
    ],
  },
  {
    name: 'toDate',
    kind: 'method',
    receiver: 'datetime',
    params: [],
    returns: 'datetime',
    usage: '<datetime>.toDate()',
    doc: 'The same day at midnight UTC: the time of day is dropped.',
    examples: [{ expr: 'datetime("2025-03-01T17:45:00Z").toDate() == datetime("2025-03-01")', result: 'true' }],
  },
  {
    name: 'toTime',
    kind: 'method',
    receiver: 'datetime',
    params: [],
    returns: 'duration',
    usage: '<datetime>.toTime()',
    doc: 'The time of day, as the duration since midnight UTC: useful for business-hours rules.',
    examples: [
      { expr: 'datetime("2025-03-01T17:45:00Z").toTime() == duration("17h45m")', result: 'true' },
      { expr: 'datetime("2025-03-01T17:45:00Z").toTime() < duration("9h")', result: 'false' },
    ],
  },
  {
    name: 'toMilliseconds',
    kind: 'method',
    receiver: 'duration',
    params: [],
    returns: 'Long',
    usage: '<duration>.toMilliseconds()',
    doc: 'The whole duration counted in milliseconds.',
    examples: [{ expr: 'duration("1s250ms").toMilliseconds() == 1250', result: 'true' }],
  },
  {
    name: 'toSeconds',
    kind: 'method',
    receiver: 'duration',
    params: [],
    returns: 'Long',
    usage: '<duration>.toSeconds()',
    doc: 'The whole duration counted in seconds; a part of a second is dropped (rounding toward zero).',
    examples: [{ expr: 'duration("2m1s999ms").toSeconds() == 121', result: 'true' }],
  },
  {
    name: 'toMinutes',
    kind: 'method',
    receiver: 'duration',
    params: [],
    returns: 'Long',
    usage: '<duration>.toMinutes()',
    doc: 'The whole duration counted in minutes, rounding toward zero.',
    examples: [{ expr: 'duration("1h59s").toMinutes() == 60', result: 'true' }],
  },
  {
    name: 'toHours',
    kind: 'method',
    receiver: 'duration',
    params: [],
    returns: 'Long',
    usage: '<duration>.toHours()',
    doc: 'The whole duration counted in hours, rounding toward zero (`-90m` gives `-1`).',
    examples: [
      { expr: 'duration("1d2h").toHours() == 26', result: 'true' },
      { expr: 'duration("-90m").toHours() == -1', result: 'true' },
    ],
  },
  {
    name: 'toDays',
    kind: 'method',
    receiver: 'duration',
    params: [],
    returns: 'Long',
    usage: '<duration>.toDays()',
    doc: 'The whole duration counted in days, rounding toward zero.',
    examples: [
      { expr: 'duration("50h").toDays() == 2', result: 'true' },
      { expr: 'duration("23h").toDays() == 0', result: 'true' },
    ],
  },
  // ---- Operators ----
  {
    name: 'like',
    kind: 'operator',
    returns: 'Bool',
    usage: '<String> like "<pattern>"',
    doc: 'Matches a whole string against a pattern literal in which `*` stands for any run of characters (also none); `\\*` is a literal star. `context.session.destination like "*.acme.example"` accepts every host of the domain.',
    errors: 'The left side is not a string.',
    examples: [
      { expr: '"jane@customers.acme.example" like "*@customers.acme.example"', result: 'true' },
      { expr: '"acme.example.evil.com" like "*.acme.example"', result: 'false' },
    ],
  },
  {
    name: 'has',
    kind: 'operator',
    returns: 'Bool',
    usage: '<entity or record> has <attribute>',
    doc: 'True when the attribute is present. Reading an optional attribute that is absent is an error, so guard it: `context.session has ticket_id && context.session.ticket_id == …`. `e has a.b` checks a nested path in one step; quote names that are not identifiers (`has "owner info"`).',
    examples: [
      { expr: 'principal has level', result: 'true' },
      { expr: 'context has ticket', result: 'false' },
      { expr: '{ order: { id: "o-1" } } has order.id', result: 'true' },
    ],
  },
  {
    name: 'is',
    kind: 'operator',
    returns: 'Bool',
    usage: '<entity> is <EntityType> [in <entity>]',
    doc: 'True when the entity is of the given type (`principal is Acme::Agent`); with `in`, also a member of the entity (`principal is Acme::Agent in Acme::Role::"ops"`).',
    examples: [
      { expr: 'principal is User', result: 'true' },
      { expr: 'principal is Group', result: 'false' },
      { expr: 'principal is User in Group::"staff"', result: 'true' },
    ],
  },
  {
    name: 'in',
    kind: 'operator',
    returns: 'Bool',
    usage: '<entity> in <entity>  ·  <entity> in [<entity>, …]',
    doc: 'Hierarchy membership: true when the entity is the right side itself or one of its descendants (an agent is `in` its roles), or, for a set, in any of its members. It works on entities only; for a string in a set, use `.contains`.',
    errors: 'A side is not an entity (or a set of entities).',
    examples: [
      { expr: 'principal in Group::"staff"', result: 'true' },
      { expr: 'principal in [Group::"admins", Group::"staff"]', result: 'true' },
      { expr: '"support" in ["support"]', result: 'error' },
    ],
  },
  {
    name: '==',
    kind: 'operator',
    returns: 'Bool',
    usage: '<any> == <any>',
    doc: 'True when both sides have the same type and the same value; values of different types are never equal (no error). Sets are equal when they have the same members, in any order.',
    examples: [
      { expr: '[1, 2] == [2, 1]', result: 'true' },
      { expr: '5 == "5"', result: 'false' },
    ],
  },
  {
    name: '!=',
    kind: 'operator',
    returns: 'Bool',
    usage: '<any> != <any>',
    doc: 'The negation of `==`.',
    examples: [{ expr: '"billing" != "support"', result: 'true' }],
  },
  {
    name: '<',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Long> < <Long>  (also datetime, duration)',
    doc: 'Less than, for two `Long`s, two `datetime`s or two `duration`s. Strings and decimals are not ordered with `<` (decimals have `.lessThan`).',
    errors: 'The sides are not both Long, both datetime or both duration.',
    examples: [
      { expr: '50 < 100', result: 'true' },
      { expr: '"a" < "b"', result: 'error' },
    ],
  },
  {
    name: '<=',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Long> <= <Long>  (also datetime, duration)',
    doc: 'Less than or equal, for two `Long`s, two `datetime`s or two `duration`s.',
    errors: 'The sides are not both Long, both datetime or both duration.',
    examples: [{ expr: '100 <= 100', result: 'true' }],
  },
  {
    name: '>',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Long> > <Long>  (also datetime, duration)',
    doc: 'Greater than, for two `Long`s, two `datetime`s or two `duration`s.',
    errors: 'The sides are not both Long, both datetime or both duration.',
    examples: [{ expr: 'duration("2h") > duration("90m")', result: 'true' }],
  },
  {
    name: '>=',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Long> >= <Long>  (also datetime, duration)',
    doc: 'Greater than or equal, for two `Long`s, two `datetime`s or two `duration`s.',
    errors: 'The sides are not both Long, both datetime or both duration.',
    examples: [{ expr: '3 >= 4', result: 'false' }],
  },
  {
    name: '&&',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Bool> && <Bool>',
    doc: 'And. The right side is evaluated only when the left side is true, which is what makes `has` guards work: `context.session has ticket_id && context.session.ticket_id == "T-1"`.',
    examples: [
      { expr: 'false && (1 < "a")', result: 'false' },
      { expr: 'true && false', result: 'false' },
    ],
  },
  {
    name: '||',
    kind: 'operator',
    returns: 'Bool',
    usage: '<Bool> || <Bool>',
    doc: 'Or. The right side is evaluated only when the left side is false.',
    examples: [{ expr: 'true || (1 < "a")', result: 'true' }],
  },
  {
    name: '!',
    kind: 'operator',
    returns: 'Bool',
    usage: '!<Bool>',
    doc: 'Not: turns true into false and false into true.',
    examples: [{ expr: '!(principal has missing)', result: 'true' }],
  },
  {
    name: '+',
    kind: 'operator',
    returns: 'Long',
    usage: '<Long> + <Long>',
    doc: 'Adds two `Long`s (64-bit integers). There is no string concatenation and no decimal arithmetic.',
    errors: 'An overflow past ±9.2 × 10¹⁸, or a side that is not a Long.',
    examples: [{ expr: '40 + 2 == 42', result: 'true' }],
  },
  {
    name: '-',
    kind: 'operator',
    returns: 'Long',
    usage: '<Long> - <Long>  ·  -<Long>',
    doc: 'Subtracts two `Long`s, or negates one.',
    errors: 'An overflow, or a side that is not a Long.',
    examples: [{ expr: '10 - 12 == -2', result: 'true' }],
  },
  {
    name: '*',
    kind: 'operator',
    returns: 'Long',
    usage: '<Long> * <Long>',
    doc: 'Multiplies two `Long`s. There is no division.',
    errors: 'An overflow, or a side that is not a Long.',
    examples: [{ expr: 'principal.level * 10 == 30', result: 'true' }],
  },
  {
    name: 'if',
    kind: 'keyword',
    usage: 'if <Bool> then <value> else <value>',
    doc: 'Chooses a value: only the branch that the condition selects is evaluated.',
    errors: 'The condition is not a Bool.',
    examples: [{ expr: 'if principal has level then principal.level > 2 else false', result: 'true' }],
  },
  // ---- The words of a policy ----
  {
    name: 'permit',
    kind: 'keyword',
    usage: 'permit (principal, action, resource) [when { … }] [unless { … }];',
    doc: 'Allows the calls that its scope and conditions match — unless a `forbid` matches too. A call that no `permit` matches is denied.',
    examples: [],
  },
  {
    name: 'forbid',
    kind: 'keyword',
    usage: 'forbid (principal, action, resource) [when { … }] [unless { … }];',
    doc: `Denies the calls it matches, whatever the permits say. ${FAILS_OPEN}`,
    examples: [],
  },
  {
    name: 'when',
    kind: 'keyword',
    usage: 'when { <Bool> }',
    doc: 'A condition the call must meet for the policy to apply.',
    examples: [],
  },
  {
    name: 'unless',
    kind: 'keyword',
    usage: 'unless { <Bool> }',
    doc: 'A condition that, when true, keeps the policy from applying.',
    examples: [],
  },
  {
    name: 'principal',
    kind: 'variable',
    usage: 'principal',
    doc: 'Who makes the request: here, the **agent** calling the tool (`<namespace>::Agent::"<id>"`), a member of its roles.',
    plainDoc: 'Who makes the request: an entity of one of the `principal` types that the action applies to in the schema.',
    examples: [],
  },
  {
    name: 'action',
    kind: 'variable',
    usage: 'action',
    doc: 'What is done: here, the **tool** being called (`<namespace>::Action::"<tool>"`); every tool is in the group `Action::"call_tool"`.',
    plainDoc: 'What is done: an action the schema declares (`<namespace>::Action::"<id>"`); `action in` also matches the actions of a group.',
    examples: [],
  },
  {
    name: 'resource',
    kind: 'variable',
    usage: 'resource',
    doc: 'What it is done to: here, the **MCP server** that serves the tool (`<namespace>::McpServer::"<server>"`).',
    plainDoc: 'What it is done to: an entity of one of the `resource` types that the action applies to in the schema.',
    examples: [],
  },
  {
    name: 'context',
    kind: 'variable',
    usage: 'context',
    doc: "The request's record: here `context.input` holds the tool's arguments and `context.session` the shared context of the call (task, purpose, data…).",
    plainDoc: "The request's record: the `context` type the action declares in the schema.",
    examples: [],
  },
];

const BY_NAME = new Map<string, Builtin[]>();
for (const b of BUILTINS) BY_NAME.set(b.name, [...(BY_NAME.get(b.name) ?? []), b]);

export function builtin(name: string, kind?: Builtin['kind']): Builtin | undefined {
  return BY_NAME.get(name)?.find((b) => kind === undefined || b.kind === kind);
}

/** The one-line signature: `containsAll(other: Set): Bool`, `ip(text: String): ipaddr`. */
export function signatureLabel(b: Builtin): string {
  if (!b.params) return b.usage;
  return `${b.receiver ? `<${b.receiver}>.` : ''}${b.name}(${b.params.map((p) => `${p.name}: ${p.type}`).join(', ')})${b.returns ? `: ${b.returns}` : ''}`;
}

/** Markdown for a hover or a completion item. */
export function builtinMarkdown(b: Builtin): string {
  const lines = ['```cedar', b.usage, '```', '', b.doc];
  if (b.returns && b.kind !== 'operator') lines.push('', `Returns \`${b.returns}\`.`);
  if (b.errors) lines.push('', `**Errors** when: ${b.errors}`);
  if (b.examples.length) {
    lines.push('', '```cedar');
    for (const e of b.examples) lines.push(`${e.expr}  // ${e.result}`);
    lines.push('```');
  }
  return lines.join('\n');
}

// ---- Reading the text around the cursor (the policy around it, as completion and hover read it) ----

const OPERATOR_TOKENS = new Set(['==', '!=', '<', '<=', '>', '>=', '&&', '||', '!', '+', '-', '*']);
const WORDS = new Set(['like', 'has', 'is', 'in', 'if', 'then', 'else', 'permit', 'forbid', 'when', 'unless', 'principal', 'action', 'resource', 'context']);

/** The built-in under `offset` of a policy file (a method, a function, an operator or a keyword), with its span. */
export function builtinAt(text: string, offset: number, plain = false): { builtin: Builtin; span: Span } | undefined {
  const found = builtinAtIn(text, offset);
  // In a plain Cedar project, the variables are described in Cedar's words, not as agents, tools and servers.
  return found && plain && found.builtin.plainDoc ? { ...found, builtin: { ...found.builtin, doc: found.builtin.plainDoc } } : found;
}

function builtinAtIn(text: string, offset: number): { builtin: Builtin; span: Span } | undefined {
  if (!(offset >= 0 && offset <= text.length)) return undefined;
  const w = windowAround(text, offset);
  const tokens = tokenize(w.text);
  const at = offset - w.base;
  const i = tokenIndexAt(tokens, at + 1);
  const tok = tokens[i];
  if (!tok || at >= tok.end || tok.kind === 'comment' || tok.kind === 'string') return undefined;
  const span = { start: tok.start + w.base, end: tok.end + w.base };
  const prev = tokens[i - 1];
  const next = tokens[i + 1];
  if (tok.kind === 'punct') {
    // `-` in `-5` and `!` are operators too; `.`, `::`, brackets are not.
    const b = OPERATOR_TOKENS.has(tok.value) ? builtin(tok.value, 'operator') : undefined;
    return b && { builtin: b, span };
  }
  if (tok.kind !== 'ident') return undefined;
  const afterDot = prev?.value === '.';
  const call = next?.value === '(';
  if (afterDot) {
    const b = call ? builtin(tok.value, 'method') : undefined;
    return b && { builtin: b, span };
  }
  if (next?.value === '::') return undefined; // a type name: `Acme::Agent::"x"`
  if (call) {
    const b = builtin(tok.value, 'function');
    if (b) return { builtin: b, span };
  }
  if (!WORDS.has(tok.value)) return undefined;
  const name = tok.value === 'then' || tok.value === 'else' ? 'if' : tok.value;
  const b = BY_NAME.get(name)?.[0];
  return b && { builtin: b, span };
}

/** What signature help shows: the call the cursor is in, and which argument. */
export interface SignatureAt {
  builtin: Builtin;
  activeParameter: number;
}

/** The built-in call whose parentheses hold `offset` (the innermost one), and the argument the cursor is on. */
export function signatureAt(text: string, offset: number): SignatureAt | undefined {
  if (!(offset >= 0 && offset <= text.length)) return undefined;
  const w = windowAround(text, offset);
  const tokens = tokenize(w.text);
  const at = offset - w.base;
  let i = tokenIndexAt(tokens, at);
  const cur = tokens[i];
  // Inside a string or a comment that holds the cursor: still the call's argument, but a comment is not.
  if (cur?.kind === 'comment' && at <= cur.end) return undefined;
  let depth = 0;
  let commas = 0;
  for (; i >= 0; i--) {
    const t = tokens[i]!;
    if (t.end > at && t.kind === 'punct') continue;
    if (t.kind !== 'punct') continue;
    if (t.value === ')' || t.value === ']' || t.value === '}') depth++;
    else if (t.value === '[' || t.value === '{') {
      if (depth === 0) return undefined; // inside a set or record literal that is not a call
      depth--;
    } else if (t.value === '(') {
      if (depth === 0) {
        const name = tokens[i - 1];
        if (name?.kind !== 'ident') return undefined;
        const isMethod = tokens[i - 2]?.value === '.';
        const b = builtin(name.value, isMethod ? 'method' : 'function');
        if (!b?.params) return undefined;
        return { builtin: b, activeParameter: Math.min(commas, Math.max(0, b.params.length - 1)) };
      }
      depth--;
    } else if (t.value === ',' && depth === 0) commas++;
    else if (t.value === ';') return undefined;
  }
  return undefined;
}

/** The methods that can follow a value of a known type (all of them when the type is not known). */
export function methodsFor(receiver: Receiver | undefined): Builtin[] {
  return BUILTINS.filter((b) => b.kind === 'method' && (receiver === undefined || b.receiver === receiver));
}

/**
 * The type of the value that ends just before the `.` at token `dot`, when the text shows it: a set literal, a call of
 * a constructor or of a method with a known result, or `principal`/`resource` (entities). `'record'` for values that
 * have attributes and no methods (`context`, a record literal); undefined when the text alone cannot tell.
 */
export function receiverBefore(tokens: Token[], dot: number): Receiver | 'record' | 'none' | undefined {
  const prev = tokens[dot - 1];
  if (!prev) return undefined;
  if (prev.value === ']') return 'set';
  if (prev.value === '}') return 'record';
  if (prev.kind === 'string' || prev.kind === 'number') return 'none';
  if (prev.kind === 'ident' && tokens[dot - 2]?.value !== '.') {
    if (prev.value === 'principal' || prev.value === 'resource' || prev.value === 'action') return 'entity';
    if (prev.value === 'context') return 'record';
    return undefined;
  }
  if (prev.value !== ')') return undefined;
  // The call that this `)` closes.
  let depth = 0;
  for (let k = dot - 1; k >= 0; k--) {
    const t = tokens[k]!;
    if (t.value === ')' || t.value === ']' || t.value === '}') depth++;
    else if (t.value === '(' || t.value === '[' || t.value === '{') {
      depth--;
      if (depth === 0) {
        const name = tokens[k - 1];
        if (t.value !== '(' || name?.kind !== 'ident') return undefined;
        const isMethod = tokens[k - 2]?.value === '.';
        const b = builtin(name.value, isMethod ? 'method' : 'function');
        return b ? receiverOf(b.returns) : undefined;
      }
    }
  }
  return undefined;
}

function receiverOf(type: string | undefined): Receiver | 'none' | undefined {
  switch (type) {
    case 'ipaddr':
    case 'decimal':
    case 'datetime':
    case 'duration':
      return type;
    case 'Bool':
    case 'Long':
      return 'none';
    default:
      return undefined;
  }
}

/** The Cedar type name of an attribute (as completion and hover write it) as a receiver of methods. */
export function receiverOfCedarType(types: string[]): Receiver | 'none' | 'record' | undefined {
  const kinds = new Set(
    types.map((t) => (t.startsWith('Set<') ? 'set' : t === 'entity with tags' ? 'entity' : t === 'Record' ? 'record' : t === 'decimal' ? 'decimal' : t === 'unknown' ? 'unknown' : 'none')),
  );
  if (kinds.size !== 1) return undefined;
  const k = [...kinds][0]!;
  return k === 'unknown' ? undefined : (k as Receiver | 'none' | 'record');
}

/** The methods to offer after a `.` at `offset`, with the span the accepted name replaces. */
export function methodCompletionsAt(text: string, offset: number, typesOf?: (path: string[]) => string[] | undefined, plain = false): { methods: Builtin[]; replace: Span } | undefined {
  if (!(offset >= 0 && offset <= text.length)) return undefined;
  const w = windowAround(text, offset);
  const tokens = tokenize(w.text);
  const at = offset - w.base;
  const i = tokenIndexAt(tokens, at);
  const tok = tokens[i];
  if ((tok?.kind === 'comment' || tok?.kind === 'string') && at < tok.end) return undefined;
  let dot = i;
  let replace = { start: offset, end: offset };
  if (tok?.kind === 'ident' && at <= tok.end) {
    replace = { start: tok.start + w.base, end: tok.end + w.base };
    dot = i - 1;
  }
  if (tokens[dot]?.value !== '.') return undefined;
  let receiver = receiverBefore(tokens, dot);
  // Under a manifest, agents, tools and servers have no tags: `principal.` offers their attributes only.
  // In a plain Cedar project entities may have tags (the schema says so): their methods stay.
  if (receiver === 'entity' && typesOf && !plain) return undefined;
  if (receiver === undefined && tokens[dot - 1]?.kind === 'ident') {
    // An attribute path: `context.input.fields.` — its type, from the manifest.
    const path = [tokens[dot - 1]!.value];
    let k = dot - 1;
    while (tokens[k - 1]?.value === '.' && tokens[k - 2]?.kind === 'ident') {
      path.unshift(tokens[k - 2]!.value);
      k -= 2;
    }
    if (path[0] === 'context' && path.length <= 2) receiver = 'record';
    else if (path[0] === 'context' || path[0] === 'principal' || path[0] === 'resource') {
      const types = typesOf?.(path);
      receiver = types ? receiverOfCedarType(types) : undefined;
    }
  }
  if (receiver === 'record' || receiver === 'none') return undefined;
  return { methods: methodsFor(receiver), replace };
}
