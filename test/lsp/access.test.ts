import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';
import type { AccessResult } from '../../server/src/protocol';
import { generateWorkspace, writeWorkspace } from '../../bench/generate';

describe('language server: the access map (agentPolicy/access, agent hover, access findings)', function () {
  this.timeout(120000);
  let ws: string;
  let client: TestClient;

  before(async () => {
    ws = copyToTemp();
    client = new TestClient(ws);
    await client.start();
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('returns every cell with its policies as locations a view can open', async () => {
    const r = (await client.conn.sendRequest('agentPolicy/access', { uri: uriOf(path.join(ws, 'acme.agents.yaml')) })) as AccessResult;
    assert.equal(r.error, undefined);
    assert.deepEqual(r.agents.map((a) => a.id), ['support-bot', 'refund-agent', 'ops-agent']);
    assert.equal(r.cells.filter((c) => !c.via).length, r.agents.length * r.tools.length);
    const refund = r.cells.find((c) => c.agent === 'support-bot' && c.tool === 'issue_refund' && !c.via)!;
    assert.equal(refund.access, 'conditional');
    const p = refund.permits[0]!;
    assert.equal(p.uri, uriOf(path.join(ws, 'policies/support.cedar')));
    const lines = fs.readFileSync(path.join(ws, 'policies/support.cedar'), 'utf8').split('\n');
    assert.equal(lines[p.range.start.line], '@id("support-refund-small")');
    const agent = r.agents[0]!;
    assert.equal(fs.readFileSync(path.join(ws, 'acme.agents.yaml'), 'utf8').split('\n')[agent.range.start.line]!.trim(), 'support-bot:');
    // Filters, as the view asks for them.
    const only = (await client.conn.sendRequest('agentPolicy/access', { uri: uriOf(path.join(ws, 'acme.agents.yaml')), agents: ['ops-agent'], destructiveOnly: true })) as AccessResult;
    assert.ok(only.cells.length > 0 && only.cells.every((c) => (c.agent === 'ops-agent' || c.via === 'ops-agent') && c.destructive));
  });

  it('summarises an agent\'s access on hover in the manifest', async () => {
    const file = path.join(ws, 'acme.agents.yaml');
    const text = fs.readFileSync(file, 'utf8');
    client.open(file, text);
    const line = text.split('\n').findIndex((l) => l.trim() === 'support-bot:');
    // The worker or the router answers (the router from the summaries the worker sends once the map is computed):
    // asked until the answer is there.
    type H = { contents: { value: string } } | null;
    const ask = async (): Promise<H> => (await client.conn.sendRequest(HoverRequest.type.method, { textDocument: { uri: uriOf(file) }, position: { line, character: 4 } })) as H;
    let h = await ask();
    for (let i = 0; i < 500 && !h; i++) h = await ask();
    assert.ok(h, 'no hover on the agent');
    assert.match(h.contents.value, /\*\*support-bot\*\* — 10 tools: 0 always, 6 conditional, 4 never/);
    // Not on an agent: nothing.
    const none = await client.conn.sendRequest(HoverRequest.type.method, { textDocument: { uri: uriOf(file) }, position: { line: 0, character: 2 } });
    assert.equal(none, null);
  });

  it('publishes the access findings after the edited file, and updates them when an edit changes the map', async () => {
    const file = path.join(ws, 'policies', 'ops.cedar');
    const text = fs.readFileSync(file, 'utf8');
    const since = client.published.length;
    client.open(file, text);
    await client.waitForPublish(file, (p) => p.diagnostics.some((d) => d.code === 'ineffective-policy'), since, 60000);
    // Fix the typo: the permit now allows something, and the finding goes away.
    const mark = client.published.length;
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(file), version: 2 }, contentChanges: [{ text: text.replace('"restart_services"', '"restart_service"') }] });
    await client.waitForPublish(file, (p) => p.version === 2 && !p.diagnostics.some((d) => d.code === 'ineffective-policy' || d.code === 'cedar-validation'), mark, 60000);
  });

  it("an edit of the manifest that leaves the map as it was keeps the manifest's own access findings (they come back once the map is up to date)", async () => {
    const file = path.join(ws, 'acme.agents.yaml');
    const text = fs.readFileSync(file, 'utf8');
    const since = client.published.length;
    client.open(file, text);
    await client.waitForPublish(file, (p) => p.diagnostics.some((d) => d.code === 'unreachable-agent-or-tool'), since, 60000);
    // A comment at the end: the same agents, tools and policies, the same findings at the same places — but a new
    // manifest text, whose check drops its own findings until the map is computed again.
    const mark = client.published.length;
    await client.conn.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(file), version: 2 }, contentChanges: [{ text: `${text}\n# reviewed\n` }] });
    const last = await client.waitForPublish(file, (p) => p.version === 2 && p.diagnostics.filter((d) => d.code === 'unreachable-agent-or-tool').length === 2, mark, 60000);
    const before = client.published.slice(0, mark).reverse().find((p) => p.uri === uriOf(file))!;
    const lines = (ds: typeof last.diagnostics) => ds.filter((d) => d.code === 'unreachable-agent-or-tool').map((d) => d.range.start.line).sort();
    assert.deepEqual(lines(last.diagnostics), lines(before.diagnostics));
  });
});

describe('language server: a large access map is computed in steps', function () {
  this.timeout(300000);

  it('an edit made while the map is computed gets its diagnostics before the map is done', async () => {
    // 120 tools × 30 agents: several seconds of partial evaluations.
    const gen = generateWorkspace({ policies: 200, files: 2, seed: 3 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-access-big-'));
    writeWorkspace(gen, dir);
    const client = new TestClient(dir);
    await client.start();
    try {
      const policy = path.join(dir, gen.policyFiles[0]!);
      const text = fs.readFileSync(policy, 'utf8');
      await client.open(policy, text);
      await client.waitForPublish(policy, (p) => p.version === 1);
      let mapDone = 0;
      const map = client.conn.sendRequest('agentPolicy/access', { uri: uriOf(path.join(dir, gen.manifest)) }).then((r) => {
        mapDone = Date.now();
        return r as AccessResult;
      });
      // A type error, typed while the map is being computed: its diagnostics come first.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await client.change(policy, 2, `${text}\n@id("typo") permit (principal, action, resource) when { context.session.purpos == "x" };\n`);
      const published = await client.waitForPublish(policy, (p) => p.version === 2);
      const publishedAt = Date.now();
      assert.ok(published.diagnostics.some((d) => /purpos/.test(String(d.message))), 'the typo is reported');
      const r = await map;
      assert.equal(r.error, undefined);
      assert.equal(r.cells.filter((c) => !c.via).length, r.agents.length * r.tools.length);
      assert.ok(publishedAt < mapDone, `the edit's diagnostics (at ${publishedAt}) came before the map (at ${mapDone})`);
    } finally {
      await client.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
