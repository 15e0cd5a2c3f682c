import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { Project } from '../../server/src/core/project';
import { appendScenarioEdit, placeholderNote } from '../../server/src/core/scenarioEdit';
import { REDACTED, redactValue, scrub } from '../../server/src/core/redact';
import { MAX_PATTERN_INPUT } from '../../server/src/core/safeRegExp';
import { FIXTURES, MemoryHost } from '../helpers/memoryHost';
import { LOGIN_ARGS, LOGIN_CONTEXT, SECRETS } from '../helpers/jsondata';

const DIR = path.join(FIXTURES, 'jsondata');
const MANIFEST = '/ws/vault.agents.yaml';
const project = () => new Project(MemoryHost.fromDir(DIR));
const ctx = { purpose: 'tests' };


function assertNoSecret(output: unknown, what: string, secrets = SECRETS) {
  const text = typeof output === 'string' ? output : JSON.stringify(output);
  for (const s of secrets) assert.ok(!text.includes(s), `${what} shows the sensitive value ${s}: ${text}`);
}

describe('JSON data is read by own properties only', () => {
  const p = project();
  const policies = fs.readFileSync(path.join(DIR, 'policies', 'vault.cedar'), 'utf8');

  for (const key of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`a tag named ${key} is seen by hasTag: denied through the simulator, as by a raw engine call`, () => {
      const args = JSON.parse(`{"item": "i", "labels": {${JSON.stringify(key)}: "x"}}`) as unknown;
      const r = p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'tag_item', args, context: ctx });
      assert.deepEqual([r.decision, r.determining.map((d) => d.id), r.requestErrors], ['deny', [`no-${key}-tag`], []]);
      // The same request, written by hand as Cedar JSON, straight to the engine.
      const entities = JSON.parse(
        `[{"uid": {"type": "Vault::Agent", "id": "ops-bot"}, "attrs": {"team": "ops"}, "parents": [{"type": "Vault::Role", "id": "ops"}]},
          {"uid": {"type": "Vault::Role", "id": "ops"}, "attrs": {}, "parents": []},
          {"uid": {"type": "Vault::tag_item_input_labels", "id": "l"}, "attrs": {}, "parents": [], "tags": {${JSON.stringify(key)}: "x"}}]`,
      ) as cedar.EntityJson[];
      const raw = cedar.isAuthorized({
        principal: { type: 'Vault::Agent', id: 'ops-bot' },
        action: { type: 'Vault::Action', id: 'tag_item' },
        resource: { type: 'Vault::McpServer', id: 'default' },
        context: { input: { item: 'i', labels: { __entity: { type: 'Vault::tag_item_input_labels', id: 'l' } } }, session: ctx },
        policies: { staticPolicies: policies },
        entities,
      });
      assert.equal(raw.type, 'success');
      assert.equal(raw.type === 'success' && raw.response.decision, 'deny');
    });
  }

  it('a tool with an optional property named `constructor` can be called, with or without it', () => {
    const call = (args: unknown) => p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'set_option', args, context: ctx });
    const without = call({ name: 'n' });
    assert.deepEqual([without.decision, without.requestErrors], ['allow', []]);
    assert.equal(call({ constructor: 'x' }).decision, 'allow');
    const evil = call({ constructor: 'evil' });
    assert.deepEqual([evil.decision, evil.determining.map((d) => d.id)], ['deny', ['no-evil-constructor']]);
  });

  it('a `__proto__` key in the manifest is an attribute like any other', () => {
    const r = p.simulate(MANIFEST, { agent: 'proto-bot', tool: 'set_option', args: {}, context: ctx });
    assert.deepEqual([r.decision, r.determining.map((d) => d.id)], ['deny', ['no-proto-agents']]);
    assert.equal(p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'set_option', args: {}, context: ctx }).decision, 'allow');
  });

  it('a `__proto__` key in args or context stays data and pollutes nothing', () => {
    const args = JSON.parse('{"name": "n", "__proto__": {"polluted": "yes"}}') as unknown;
    const context = JSON.parse('{"purpose": "p", "__proto__": {"polluted": "yes"}}') as unknown;
    const r = p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'set_option', args, context });
    assert.equal(r.decision, 'allow');
    assert.ok(Object.hasOwn(r.call.args as object, '__proto__'), 'the key is kept in the call shown');
    assert.ok(Object.hasOwn(r.call.context as object, '__proto__'));
    assert.equal(Object.getPrototypeOf(r.call.args), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('JSON Schema patterns run in linear time', () => {
  const p = project();
  const timed = <T>(fn: () => T): { value: T; ms: number } => {
    const t = performance.now();
    const value = fn();
    return { value, ms: performance.now() - t };
  };
  // The manifest and the policy set are loaded once, outside the timed calls.
  before(() => p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'check_code', args: { code: 'a' }, context: ctx }));

  it('`^(a+)+$` on 30 a\'s and a `!` ends in milliseconds (denied: no match)', () => {
    const { value: r, ms } = timed(() => p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'check_code', args: { code: `${'a'.repeat(30)}!` }, context: ctx }));
    assert.ok(ms < 1000, `took ${ms} ms`);
    assert.equal(r.decision, 'deny');
    assert.deepEqual(r.requestErrors, ['args.code: must match the pattern ^(a+)+$']);
  });

  it('`^(a+)+$` on 100k a\'s ends in milliseconds (allowed: it matches)', () => {
    const { value: r, ms } = timed(() => p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'check_code', args: { code: 'a'.repeat(100_000) }, context: ctx }));
    assert.ok(ms < 1000, `took ${ms} ms`);
    assert.deepEqual([r.decision, r.requestErrors], ['allow', []]);
  });

  it('a value longer than a pattern is run on is refused: "pattern too costly"', () => {
    const r = p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'check_code', args: { code: 'a'.repeat(MAX_PATTERN_INPUT + 1) }, context: ctx });
    assert.equal(r.decision, 'deny');
    assert.match(r.requestErrors[0]!, /^args: pattern too costly: a value of 200001 characters is longer than the 200000/);
  });

  const unsupported = `version: 1
namespace: P
agents: { a: { roles: [r] } }
roles: [r]
tools:
  - name: t
    inputSchema:
      type: object
      properties:
        twice: { type: string, pattern: "^(a)\\\\1$" }
        notb: { type: string, not: { pattern: "(?!b)" } }
        named: { type: string, pattern: "(?<x>a)\\\\k<x>" }
        extra: { type: object, patternProperties: { "(?<=a)b": { type: string } } }
`;
  const host = MemoryHost.of({ 'p.agents.yaml': unsupported, 'p.cedar': '@id("all")\npermit (principal, action, resource);\n' });
  const up = new Project(host);

  it('the manifest check reports a pattern RE2 cannot run, on the pattern', () => {
    const d = up.check('/ws/p.agents.yaml').diagnostics.filter((x) => x.message.includes('linear-time'));
    const text = host.readFile('/ws/p.agents.yaml')!.split('\n');
    const at = d.map((x) => `${text[x.range.start.line]!.slice(x.range.start.character, x.range.end.character)} | ${x.message}`);
    assert.deepEqual(at, [
      '"^(a)\\\\1$" | input schema of tool `t`: pattern uses features a linear-time engine cannot run: invalid escape sequence: `\\1`',
      '"(?!b)" | input schema of tool `t`: pattern uses features a linear-time engine cannot run: invalid or unsupported Perl syntax: `(?!`',
      '"(?<x>a)\\\\k<x>" | input schema of tool `t`: pattern uses features a linear-time engine cannot run: backreference `\\k<…>`',
      '"(?<=a)b" | input schema of tool `t`: pattern uses features a linear-time engine cannot run: invalid named capture: `(?<=a)b`',
    ]);
  });

  for (const [name, args] of [
    ['a backreference', { twice: 'aa' }],
    ['a lookahead under `not` (it must not pass as "no match")', { notb: 'a' }],
    ['a named backreference', { named: 'aa' }],
    ['a lookbehind in patternProperties', { extra: { ab: 'x' } }],
  ] as const) {
    it(`a call that needs ${name} is denied: "pattern not supported"`, () => {
      const r = up.simulate('/ws/p.agents.yaml', { agent: 'a', tool: 't', args, context: {} });
      assert.equal(r.decision, 'deny');
      assert.match(r.requestErrors.join('\n'), /^args: pattern not supported: `.+` uses features a linear-time engine cannot run/);
    });
  }

  it('a manifest value too long for a pattern of the manifest format is a finding, not a crash', () => {
    const long = new Project(MemoryHost.of({ 'x.agents.yaml': `version: 1\nnamespace: A${'a'.repeat(MAX_PATTERN_INPUT)}\nagents: {}\n` }));
    const d = long.check('/ws/x.agents.yaml').diagnostics;
    assert.ok(d.some((x) => x.code === 'manifest-invalid' && x.message.startsWith('pattern too costly: a value of 200001 characters')), d.map((x) => x.message).join('\n'));
  });

  it('a call that does not reach the unsupported pattern is decided as usual', () => {
    assert.deepEqual(up.simulate('/ws/p.agents.yaml', { agent: 'a', tool: 't', args: {}, context: {} }).decision, 'allow');
  });
});

describe('redaction: one function, every output', () => {
  const p = project();
  const login = (args: unknown = LOGIN_ARGS, context: unknown = LOGIN_CONTEXT) => p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'login', args, context });

  const cases: { name: string; schema: unknown; value: unknown; shown: unknown }[] = [
    { name: 'properties', schema: { properties: { a: { 'x-sensitive': true }, b: {} } }, value: { a: 1, b: 2 }, shown: { a: REDACTED, b: 2 } },
    { name: 'anyOf', schema: { properties: { a: { anyOf: [{ type: 'string', writeOnly: true }, { type: 'integer' }] } } }, value: { a: 'k' }, shown: { a: REDACTED } },
    { name: 'oneOf', schema: { oneOf: [{ properties: { a: { writeOnly: true } } }, { properties: { b: { type: 'string' } } }] }, value: { a: 'k', b: 'v' }, shown: { a: REDACTED, b: 'v' } },
    { name: 'allOf', schema: { properties: { a: { allOf: [{ type: 'string' }, { 'x-sensitive': true }] } } }, value: { a: 'k' }, shown: { a: REDACTED } },
    { name: '$ref', schema: { $defs: { s: { 'x-sensitive': true } }, properties: { a: { $ref: '#/$defs/s' } } }, value: { a: 'k' }, shown: { a: REDACTED } },
    { name: 'items', schema: { items: { properties: { t: { writeOnly: true } } } }, value: [{ t: 1, u: 2 }], shown: [{ t: REDACTED, u: 2 }] },
    { name: 'prefixItems', schema: { prefixItems: [{}, { writeOnly: true }], items: {} }, value: ['a', 'b', 'c'], shown: ['a', REDACTED, 'c'] },
    { name: 'additionalProperties', schema: { properties: { a: {} }, additionalProperties: { 'x-sensitive': true } }, value: { a: 1, b: 2 }, shown: { a: 1, b: REDACTED } },
    { name: 'patternProperties', schema: { patternProperties: { '^s_': { 'x-sensitive': true } } }, value: { s_1: 'k', t: 'v' }, shown: { s_1: REDACTED, t: 'v' } },
    { name: 'a sensitive object, whole', schema: { properties: { o: { writeOnly: true, type: 'object' } } }, value: { o: { k: 'v' } }, shown: { o: REDACTED } },
    { name: 'an unknown schema: everything', schema: undefined, value: { a: 1 }, shown: REDACTED },
    { name: 'an unresolvable $ref: everything under it', schema: { properties: { a: { $ref: '#/$defs/nope' } } }, value: { a: 'k', b: 1 }, shown: { a: REDACTED, b: 1 } },
    { name: 'a `__proto__` key stays a key', schema: { additionalProperties: { 'x-sensitive': true } }, value: JSON.parse('{"__proto__": "k"}'), shown: JSON.parse('{"__proto__": "[redacted]"}') },
  ];
  for (const c of cases) {
    it(`redactValue follows ${c.name}`, () => {
      const r = redactValue(c.value, c.schema);
      assert.deepEqual(r.value, c.shown);
      assert.deepEqual(Object.keys(r.value ?? {}), Object.keys(c.shown ?? {}));
    });
  }

  it('scrubs secrets out of messages built elsewhere', () => {
    assert.equal(scrub('overflow: `1152921504606847000` * 10, "abc"', ['1152921504606847000', 'abc']), 'overflow: `[redacted]` * 10, [redacted]');
  });

  it('the simulation result: the call, the Cedar request and the entities are redacted', () => {
    const r = login();
    assert.equal(r.decision, 'allow');
    assertNoSecret(r, 'the simulation result');
    assertNoSecret(r.request, 'the Cedar request', ['4321']);
    assert.deepEqual(r.call.args, { ...LOGIN_ARGS, pin: REDACTED, secret: REDACTED, otp: REDACTED, note: REDACTED, card: { number: REDACTED, holder: 'Jane' }, tokens: [REDACTED], pair: ['visible', REDACTED], headers: { Authorization: REDACTED }, extra: { visible: 'v', secret_x: REDACTED } });
    assert.deepEqual(r.call.context, { purpose: 'tests', session_token: REDACTED });
    const input = (r.request!.context as { input: Record<string, unknown> }).input;
    assert.deepEqual([input.user, input.pin, input.tokens], ['jane', REDACTED, [REDACTED]]);
    const headers = r.entities!.find((e) => (e.uid as { type: string }).type === 'Vault::login_input_headers')!;
    assert.deepEqual(headers.tags, { Authorization: REDACTED });
  });

  it('request errors never echo a sensitive value', () => {
    const r = login({ ...LOGIN_ARGS, pin: 1152921504606847000 });
    assert.equal(r.decision, 'deny');
    assert.deepEqual(r.requestErrors, ['args.pin: expected an integer (within ±2^53), got [redacted]']);
    assertNoSecret(r, 'the denied result', [...SECRETS, '115292150460684']);
  });

  it('the arguments of an unknown tool are redacted whole', () => {
    const r = p.simulate(MANIFEST, { agent: 'ops-bot', tool: 'logn', args: { password: 'hunter22' }, context: LOGIN_CONTEXT });
    assert.equal(r.decision, 'deny');
    assert.equal(r.call.args, REDACTED);
    assertNoSecret(r, 'the result for an unknown tool', ['hunter22', 'sess-1234']);
  });

  it('"Save as scenario" writes a placeholder for each sensitive value, and says where', () => {
    const text = fs.readFileSync(path.join(DIR, 'vault.agents.yaml'), 'utf8');
    const manifest = p.manifest(MANIFEST)!.manifest;
    const e = appendScenarioEdit(MANIFEST, text, { name: 's', agent: 'ops-bot', tool: 'login', args: LOGIN_ARGS, context: LOGIN_CONTEXT, expect: 'allow' }, manifest)!;
    assertNoSecret(e.newText, 'the scenario written');
    assert.match(e.newText, /"pin":"\[redacted\]"/);
    assert.ok(e.redacted.includes('args.pin') && e.redacted.includes('context.session_token'), e.redacted.join());
    assert.match(placeholderNote(e.redacted), /^sensitive values were not written: replace the "\[redacted\]" placeholders at args\.pin, .*context\.session_token with a test value$/);
  });
});
