import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeLensRequest } from 'vscode-languageserver-protocol/node';
import { copyToTemp } from '../helpers/examples';
import { SECRETS } from '../helpers/jsondata';
import { TestClient, uriOf } from '../helpers/lspClient';
import { REPO } from '../helpers/memoryHost';
import type { GenerateScenariosResult } from '../../server/src/protocol';

type Edit = { changes: Record<string, { range: { start: { line: number; character: number }; end: { line: number; character: number } }; newText: string }[]> };

/** The text after an edit that inserts at one position (what the append edits are). */
function applyInsert(text: string, edit: Edit, uri: string): string {
  const [e] = edit.changes[uri]!;
  const lines = text.split('\n');
  const offset = lines.slice(0, e!.range.start.line).reduce((n, l) => n + l.length + 1, 0) + e!.range.start.character;
  return text.slice(0, offset) + e!.newText + text.slice(offset);
}

/** For the suite: a server over a fresh copy of `src` (`prepare` edits the copy first), stopped and removed after it. */
function serverOver(src: string | undefined, prepare?: (ws: string) => void): { ws: string; client: TestClient } {
  const s = { ws: '', client: undefined as unknown as TestClient };
  before(async () => {
    s.ws = src ? copyToTemp(src, 'apol-gen-') : copyToTemp();
    prepare?.(s.ws);
    s.client = new TestClient(s.ws);
    await s.client.start();
  });
  after(async () => {
    await s.client.stop();
    fs.rmSync(s.ws, { recursive: true, force: true });
  });
  return s;
}

describe('language server: agentPolicy/generateScenarios', function () {
  this.timeout(120000);
  const server = serverOver(undefined);
  const manifest = () => path.join(server.ws, 'acme.agents.yaml');

  it('proposes scenarios for a tool with their current decision, and says which agents can reach it', async () => {
    const r = (await server.client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uriOf(manifest()), tool: 'issue_refund' })) as GenerateScenariosResult;
    assert.equal(r.error, undefined);
    assert.equal(r.manifestUri, uriOf(manifest()));
    assert.ok(r.scenarios.some((s) => s.expect === 'allow') && r.scenarios.some((s) => s.expect === 'deny'));
    assert.equal(new Set(r.scenarios.map((s) => s.name)).size, r.scenarios.length);
    const support = r.agents.find((a) => a.id === 'support-bot')!;
    const ops = r.agents.find((a) => a.id === 'ops-agent')!;
    assert.deepEqual([support.reaches, support.used, ops.reaches, ops.used], [true, true, false, false]);
    const small = r.scenarios.find((s) => s.name === 'support-bot issue_refund amount = 50 (a policy compares with it)')!;
    assert.deepEqual([small.expect, small.policies], ['allow', ['support-refund-small']]);
  });

  it('with `write`, returns the edit that appends the chosen scenarios; once applied they all pass', async () => {
    const file = manifest();
    const first = (await server.client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uriOf(file), tool: 'issue_refund', agents: ['support-bot'] })) as GenerateScenariosResult;
    const chosen = first.scenarios.slice(0, 3).map((s) => s.name);
    const r = (await server.client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uriOf(file), tool: 'issue_refund', agents: ['support-bot'], write: [...chosen, 'not proposed'] })) as GenerateScenariosResult;
    assert.deepEqual(r.missing, ['not proposed']);
    const original = fs.readFileSync(file, 'utf8');
    const text = applyInsert(original, r.edit as Edit, uriOf(file));
    for (const n of chosen) assert.ok(text.includes(`name: ${n}`) || text.includes(`name: ${JSON.stringify(n)}`), `${n} is written`);
    const failing = async () => {
      const lenses = (await server.client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(file) } })) ?? [];
      return lenses.map((l) => l.command!.title).filter((t) => t !== '▶ Simulate');
    };
    await server.client.open(file, original);
    await server.client.waitForPublish(file, (p) => p.version === 1);
    const before = await failing();
    await server.client.change(file, 2, text);
    await server.client.waitForPublish(file, (p) => p.version === 2);
    const after = await failing();
    assert.equal(after.length, before.length + chosen.length);
    // Every generated scenario passes: the failing ones are those that failed before (the examples' deliberate mistakes).
    assert.equal(after.filter((t) => t.startsWith('✗')).length, before.filter((t) => t.startsWith('✗')).length, after.join('\n'));
    // Generated again, the written calls are not proposed any more.
    const again = (await server.client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uriOf(file), tool: 'issue_refund', agents: ['support-bot'] })) as GenerateScenariosResult;
    assert.ok(again.scenarios.every((s) => !chosen.includes(s.name)));
    assert.ok(again.scenarios.length > 0);
    await server.client.change(file, 3, original);
    await server.client.waitForPublish(file, (p) => p.version === 3);
  });

  it('an unknown tool is an error in the answer', async () => {
    const r = (await server.client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uriOf(manifest()), tool: 'issue_refnd' })) as GenerateScenariosResult;
    assert.match(r.error ?? '', /unknown tool "issue_refnd"/);
    assert.deepEqual(r.scenarios, []);
  });
});

describe('language server: generated scenarios hold no sensitive value', function () {
  this.timeout(120000);
  const server = serverOver(path.join(REPO, 'test', 'fixtures', 'jsondata'), (ws) =>
    fs.appendFileSync(
      path.join(ws, 'policies', 'vault.cedar'),
      '\n@id("pin-4321")\nforbid (principal, action == Vault::Action::"login", resource)\nwhen { context.input has pin && context.input.pin == 4321 && context.session has session_token && context.session.session_token == "sess-1234" };\n',
    ),
  );

  it('neither the proposals nor the edit show a sensitive value', async () => {
    const { client, ws } = server;
    const uri = uriOf(path.join(ws, 'vault.agents.yaml'));
    const r = (await client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uri, tool: 'login', agents: ['ops-bot'] })) as GenerateScenariosResult;
    assert.ok(r.scenarios.length > 0, JSON.stringify(r));
    const w = (await client.conn.sendRequest('agentPolicy/generateScenarios', { manifestUri: uri, tool: 'login', agents: ['ops-bot'], write: r.scenarios.map((s) => s.name) })) as GenerateScenariosResult;
    const text = JSON.stringify([r, w]);
    for (const s of [...SECRETS, '4321']) assert.ok(!text.includes(s), `shows ${s}`);
    assert.ok(!JSON.stringify(w.edit).includes('[redacted]'), 'the written calls hold sample values, not placeholders');
  });
});
