import * as assert from 'node:assert/strict';
import { Project } from '../../server/src/core/project';
import type { CoreDiagnostic } from '../../server/src/core/types';
import { MemoryHost } from '../helpers/memoryHost';

/**
 * secret-in-manifest, case by case. The fake secrets are built here by concatenation, so that no file of the
 * repository holds a real-looking token (push protection, secret scanners): each is obviously fake (FAKE, Fake)
 * yet has the shape of the real thing.
 */
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const FAKE = {
  aws: 'AKIA' + 'FAKEFAKEFAKEFAKE',
  jwt: b64url('{"alg":"HS256","typ":"JWT"}') + '.' + b64url('{"sub":"fake-user-for-tests"}') + '.' + 'FakeSignatureFakeSignature0',
  slackWebhook: 'https://hooks.slack.com/services/' + 'TFAKE0001/BFAKE0001/' + 'FakeWebhookSecretFake123',
  slackToken: 'xoxb-' + '1234567890-' + 'FakeFakeFakeFake',
  openaiLegacy: 'sk-' + 'FakeKey0'.repeat(6),
  openaiProject: 'sk-proj-' + 'FakeProjectKey0_'.repeat(6),
  openaiMarker: 'sk-' + 'Fake'.repeat(5) + 'T3Blbk' + 'FJ' + 'Fake'.repeat(5),
  google: 'GOCSPX-' + 'FakeFakeFakeFakeFakeFake1234',
  github: 'ghp_' + 'FakeFakeFakeFakeFakeFakeFakeFake1234',
  privateKey: '-----BEGIN ' + 'RSA PRIVATE KEY-----',
};

const KIND = {
  aws: 'an AWS access key id',
  jwt: 'a JWT',
  slackWebhook: 'a Slack webhook URL',
  slackToken: 'a Slack token',
  openai: 'an OpenAI API key',
  google: 'a Google OAuth client secret',
  github: 'a GitHub token',
  privateKey: 'a private key',
};

/** The manifest every case is written into: `value` is the YAML source of one attribute's value. */
const PREFIX = 'version: 1\nroles: [ops]\nagents:\n  bot:\n    roles: [ops]\n    attributes:\n      x: ';

function manifestWith(value: string): string {
  // Continuation lines of a multi-line value are indented under the key.
  return PREFIX + value.split('\n').join('\n        ') + '\n';
}

function secretDiagnostics(files: Record<string, string>): CoreDiagnostic[] {
  const host = MemoryHost.of(files);
  const project = new Project(host);
  return host.listFiles().flatMap((f) => project.check(f).diagnostics.filter((d) => d.code === 'secret-in-manifest'));
}

/** 0-based line and character of `offset` in a text that has only \n line breaks. */
function pos(text: string, offset: number) {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length - 1, character: before[before.length - 1]!.length };
}

interface Case {
  name: string;
  /** YAML source of the attribute value. */
  value: string;
  /** The kind the message names; undefined: nothing may fire. */
  kind?: string;
  /** The secret, which the message must not quote. */
  secret?: string;
}

const FIRING: Case[] = [
  { name: 'an AWS access key id, plain', value: FAKE.aws, kind: KIND.aws },
  { name: 'an AWS access key id written with a \\u escape', value: `"\\u0041${FAKE.aws.slice(1)}"`, kind: KIND.aws },
  { name: 'an AWS access key id written with a \\x escape', value: `"${FAKE.aws.slice(0, 4)}\\x${FAKE.aws.charCodeAt(4).toString(16)}${FAKE.aws.slice(5)}"`, kind: KIND.aws },
  { name: 'an AWS access key id folded over lines with an escaped line break', value: `"${FAKE.aws.slice(0, 10)}\\\n${FAKE.aws.slice(10)}"`, kind: KIND.aws },
  { name: 'an AWS access key id folded over lines in a block scalar', value: `>-\n${FAKE.aws.slice(0, 10)}\n${FAKE.aws.slice(10)}`, kind: KIND.aws },
  { name: 'an AWS access key id folded over lines in a plain scalar', value: `${FAKE.aws.slice(0, 10)}\n${FAKE.aws.slice(10)}`, kind: KIND.aws },
  { name: 'an AWS access key id folded over lines in a single-quoted scalar', value: `'${FAKE.aws.slice(0, 10)}\n${FAKE.aws.slice(10)}'`, kind: KIND.aws },
  { name: 'a JWT', value: FAKE.jwt, kind: KIND.jwt },
  { name: 'a JWT after a "Bearer " prefix, double-quoted', value: `"Bearer ${FAKE.jwt}"`, kind: KIND.jwt },
  { name: 'a Slack webhook URL', value: FAKE.slackWebhook, kind: KIND.slackWebhook },
  { name: 'a Slack token', value: FAKE.slackToken, kind: KIND.slackToken },
  { name: 'an OpenAI key without the T3BlbkFJ marker (legacy length)', value: FAKE.openaiLegacy, kind: KIND.openai },
  { name: 'an OpenAI project key without the marker', value: FAKE.openaiProject, kind: KIND.openai },
  { name: 'an OpenAI key with the marker', value: FAKE.openaiMarker, kind: KIND.openai },
  { name: 'a Google OAuth client secret', value: FAKE.google, kind: KIND.google },
  { name: 'a GitHub token', value: FAKE.github, kind: KIND.github },
  { name: 'a private key block in a literal block scalar', value: `|\n${FAKE.privateKey}\nMIIFakeFakeFake\n-----END RSA PRIVATE KEY-----`, kind: KIND.privateKey },
  { name: 'a private key with escaped line breaks', value: `"${FAKE.privateKey}\\nMIIFakeFakeFake\\n"`, kind: KIND.privateKey },
];

const QUIET: Case[] = [
  { name: 'an elided key `sk-...`', value: 'sk-...' },
  { name: 'a `<your-key>` placeholder', value: '"<your-key>"' },
  { name: 'an environment reference', value: '"${OPENAI_API_KEY}"' },
  { name: "AWS's documentation key", value: 'AKIAIOSFODNN7EXAMPLE' },
  { name: 'an escaped documentation key', value: '"\\u0041KIAIOSFODNN7EXAMPLE"' },
  { name: 'an sk- placeholder of x', value: 'sk-proj-' + 'x'.repeat(48) },
  { name: 'a long hyphenated name that starts with sk-', value: 'sk-learn-Model-Training-Pipeline-2024-Release' },
  { name: 'a lower-case hex string after sk-', value: 'sk-' + '0123456789abcdef'.repeat(2) },
  { name: "Slack's documentation webhook", value: 'https://hooks.slack.com/services/' + 'T00000000/B00000000/' + 'X'.repeat(24) },
  { name: 'a Google client secret placeholder', value: 'GOCSPX-your-client-secret' },
  { name: 'three dotted parts whose first is not a JSON header', value: 'eyJ' + 'notjsonatall' + '.eyJzdWIiOiJ4In0.signature' },
  { name: 'prose folded over lines', value: '>\nInstall sk-learn and\nnumpy, then AKIA is just a word' },
  { name: 'a short GitHub-looking string', value: 'ghp_short' },
];

describe('secret-in-manifest: what it finds, where, and what it says', () => {
  for (const c of FIRING) {
    it(`finds ${c.name}, at the value's range, without quoting it`, () => {
      const text = manifestWith(c.value);
      const ds = secretDiagnostics({ 'm.agents.yaml': text });
      assert.equal(ds.length, 1, ds.map((d) => d.message).join('\n') || 'nothing fired');
      const d = ds[0]!;
      assert.ok(d.message.includes(`looks like ${c.kind}`), d.message);
      const start = PREFIX.length;
      const end = start + c.value.split('\n').join('\n        ').length;
      assert.deepEqual(d.range, { start: pos(text, start), end: pos(text, end) });
      for (const secret of Object.values(FAKE)) assert.ok(!d.message.includes(secret.slice(4, 16)), 'the message quotes the secret');
    });
  }
  for (const c of QUIET) {
    it(`does not fire on ${c.name}`, () => {
      const ds = secretDiagnostics({ 'm.agents.yaml': manifestWith(c.value) });
      assert.deepEqual(ds.map((d) => d.message), []);
    });
  }

  it('finds a secret in a comment, at the secret itself', () => {
    const text = `${manifestWith('ok')}# old token: ${FAKE.jwt} (revoked?)\n`;
    const ds = secretDiagnostics({ 'm.agents.yaml': text });
    const at = text.indexOf(FAKE.jwt);
    assert.deepEqual(ds.map((d) => [d.message.includes(KIND.jwt), d.range]), [[true, { start: pos(text, at), end: pos(text, at + FAKE.jwt.length) }]]);
  });

  it("finds a secret in the comment of a block scalar's header", () => {
    const text = manifestWith(`| # ${FAKE.aws}\nplain words`);
    const ds = secretDiagnostics({ 'm.agents.yaml': text });
    const at = text.indexOf(FAKE.aws);
    assert.deepEqual(ds.map((d) => [d.message.includes(KIND.aws), d.range]), [[true, { start: pos(text, at), end: pos(text, at + FAKE.aws.length) }]]);
  });

  it('finds a secret in a map key', () => {
    const text = PREFIX + `{ ${FAKE.github}: yes }\n`;
    const ds = secretDiagnostics({ 'm.agents.yaml': text });
    const at = text.indexOf(FAKE.github);
    assert.deepEqual(ds.map((d) => [d.message.includes(KIND.github), d.range]), [[true, { start: pos(text, at), end: pos(text, at + FAKE.github.length) }]]);
  });

  it('finds a secret the parser never reaches (after a second document, or in broken YAML)', () => {
    for (const text of [`${manifestWith('ok')}---\nkey: ${FAKE.google}\n`, `version: 1\nagents: [\n  token: ${FAKE.google}\n`]) {
      const ds = secretDiagnostics({ 'm.agents.yaml': text });
      const at = text.indexOf(FAKE.google);
      assert.deepEqual(ds.map((d) => [d.message.includes(KIND.google), d.range.start]), [[true, pos(text, at)]], text);
    }
  });

  it('finds secrets in an imported tool list, escapes decoded, at the JSON string', () => {
    const url = FAKE.slackWebhook.replace(/\//g, '\\/');
    const description = `Posts to ${url} with key \\u0041${FAKE.aws.slice(1)}`;
    const tools = `{ "tools": [ { "name": "post", "description": "${description}", "inputSchema": { "type": "object" } } ] }\n`;
    const manifest = 'version: 1\nroles: [ops]\nagents:\n  bot: { roles: [ops] }\nservers:\n  chat:\n    tools: { $import: chat.tools.json }\n';
    const ds = secretDiagnostics({ 'm.agents.yaml': manifest, 'chat.tools.json': tools });
    const at = tools.indexOf(`"${description}"`);
    const range = { start: pos(tools, at), end: pos(tools, at + description.length + 2) };
    assert.deepEqual(
      ds.map((d) => [d.file, d.message.slice(0, d.message.indexOf(':')), d.range]).sort(),
      [
        ['/ws/chat.tools.json', `this looks like ${KIND.slackWebhook}`, range],
        ['/ws/chat.tools.json', `this looks like ${KIND.aws}`, range],
      ],
    );
  });

  it('runs in linear time on runs made to make a pattern backtrack (many `eyJ-` parts without a dot)', () => {
    for (const body of ['eyJ-'.repeat(25_000), 'eyJaaaaaaaa.'.repeat(8_000), 'sk-'.repeat(30_000), 'AKIA-'.repeat(20_000)]) {
      const started = Date.now();
      assert.deepEqual(secretDiagnostics({ 'm.agents.yaml': `${manifestWith('ok')}# ${body}\n` }), []);
      const ms = Date.now() - started;
      assert.ok(ms < 3000, `${body.slice(0, 12)}…: ${ms} ms`);
    }
  });

  it('gives valid ranges in a CRLF manifest, and an end-of-line suppression still silences the line', () => {
    const text = manifestWith(`"\\u0041${FAKE.aws.slice(1)}"`).replace(/\n/g, '\r\n');
    const ds = secretDiagnostics({ 'm.agents.yaml': text });
    assert.equal(ds.length, 1);
    assert.deepEqual(ds[0]!.range.start, { line: 6, character: 9 });
    assert.deepEqual(ds[0]!.range.end, { line: 6, character: 9 + `"\\u0041${FAKE.aws.slice(1)}"`.length });
    const silenced = text.replace(/("\r\n)$/, '" # agent-policy-ignore secret-in-manifest\r\n');
    assert.deepEqual(secretDiagnostics({ 'm.agents.yaml': silenced }), []);
  });
});
