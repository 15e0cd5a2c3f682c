import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DIFF_MANIFEST, makeDiffRepo } from '../helpers/gitFixture';
import { CodeActionRequest, DidChangeWatchedFilesNotification, FileChangeType, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { copyToTemp, documentedMistakes, rangeText } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';

const codes = (ds: Diagnostic[]) => ds.map((d) => `${d.code}@${rangeText(d.range)}`).sort();

describe('language server over stdio', function () {
  this.timeout(60000);
  let ws: string;
  let client: TestClient;

  beforeEach(async () => {
    ws = copyToTemp();
    client = new TestClient(ws);
    await client.start();
  });

  afterEach(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('a file outside the workspace: its folder is checked while it is open, and every diagnostic of that folder goes when it is closed', async () => {
    const loose = makeDiffRepo('narrow');
    try {
      const manifest = path.join(loose.dir, DIFF_MANIFEST);
      client.open(manifest, fs.readFileSync(manifest, 'utf8'));
      // The narrowing commit breaks the scenario "small goodwill refund" on purpose (test/fixtures/diff/README.md).
      await client.waitForPublish(manifest, (p) => p.diagnostics.some((d) => d.code === 'scenario-failed'), 0, 30000);
      const mark = client.published.length;
      await client.close(manifest);
      await client.waitForPublish(manifest, (p) => p.diagnostics.length === 0, mark, 30000);
      // Nothing publishes it again afterwards (a re-check from disk would bring the failed scenario back).
      await client.waitFor('the server to be idle', () => client.notifications.filter((n) => n.method === 'agentPolicy/status').slice(-1).some((n) => (n.params as { state: string }).state === 'idle'), 30000);
      assert.equal(client.latest(manifest)?.diagnostics.length, 0);
    } finally {
      loose.cleanup();
    }
  });

  it('publishes the documented diagnostics of every workspace file at startup, open or not', async () => {
    const documented = documentedMistakes();
    const files = [...new Set(documented.map((m) => m.file))];
    for (const f of files) {
      const expected = documented.filter((m) => m.file === f).map((m) => `${m.code}@${m.range}`).sort();
      await client.waitForPublish(path.join(ws, f), (p) => {
        const actual = p.diagnostics.map((d) => `${d.code}@${rangeText(d.range)}`).sort();
        return JSON.stringify(actual) === JSON.stringify(expected);
      });
    }
    // And every diagnostic carries source, code and a link to its rule page.
    const d = client.latest(path.join(ws, 'policies/refunds.cedar'))!.diagnostics[0]!;
    assert.equal(d.source, 'agent-policy');
    assert.match(String(d.codeDescription?.href), /docs\/rules\/cedar-validation\.md$/);
  });

  it('re-checks as you type, publishes for the current version only, and clears a fixed mistake', async () => {
    const file = path.join(ws, 'policies/refunds.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file, text);
    await client.waitForPublish(file, (p) => p.version === 1 && p.diagnostics.some((d) => d.code === 'cedar-validation'));
    // Three quick edits: only the last version may be published after it was sent.
    const fixed = text.replace('amout', 'amount');
    await client.change(file, 2, text.replace('amout', 'amou'));
    await client.change(file, 3, text.replace('amout', 'amo'));
    await client.change(file, 4, fixed);
    // After a round trip, the server has read version 4, and whatever it published before has arrived.
    await client.conn.sendRequest('agentPolicy/schema', {});
    const mark = client.published.length;
    const p = await client.waitForPublish(file, (x) => x.version === 4);
    assert.deepEqual(codes(p.diagnostics), []);
    const afterMark = client.published.slice(mark).filter((x) => x.uri === uriOf(file));
    assert.ok(afterMark.every((x) => x.version === 4), `stale versions published: ${afterMark.map((x) => x.version).join(',')}`);
    // An edit that adds a mistake shows it, at the exact range.
    const broken = fixed.replace('context.input.amount <= principal.max_refund', 'context.input.amont <= principal.max_refund');
    await client.change(file, 5, broken);
    const q = await client.waitForPublish(file, (x) => x.version === 5 && x.diagnostics.length > 0);
    const lines = broken.split('\n');
    const line = lines.findIndex((l) => l.includes('context.input.amont'));
    const col = lines[line]!.indexOf('context.input.amont');
    assert.deepEqual(codes(q.diagnostics), [`cedar-validation@${line + 1}:${col + 1}-${line + 1}:${col + 1 + 'context.input.amont'.length}`]);
  });

  it('with validate.onType off, checks on open and on save only', async () => {
    await client.configure({ validate: { onType: false } });
    const file = path.join(ws, 'policies/support.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file, text);
    await client.waitForPublish(file, (p) => p.version === 1);
    const mark = client.published.length;
    const broken = text.replace('context.input.amount <= 50', 'context.input.amont <= 50');
    await client.change(file, 2, broken);
    // Prove a check would have had time to run: a round trip through the server, then wait past the debounce.
    await client.conn.sendRequest('agentPolicy/schema', {});
    await new Promise((r) => setTimeout(r, 600));
    const during = client.published.slice(mark).filter((p) => p.uri === uriOf(file));
    assert.equal(during.length, 0, `published while typing with onType off: ${JSON.stringify(during)}`);
    await client.save(file);
    const p = await client.waitForPublish(file, (x) => x.diagnostics.some((d) => String(d.message).includes('amont')), mark);
    assert.equal(p.version, 2);
  });

  it('re-validates closed policy files when a manifest changes', async () => {
    const manifest = path.join(ws, 'acme.agents.yaml');
    const support = path.join(ws, 'policies/support.cedar');
    await client.waitForPublish(support, (p) => p.diagnostics.filter((d) => d.severity === 1).length === 0);
    const text = fs.readFileSync(manifest, 'utf8');
    await client.open(manifest, text);
    const mark = client.published.length;
    // Rename the argument `amount` of issue_refund: policies that read it must now fail validation.
    await client.change(manifest, 2, text.replace('        amount: { type: integer, minimum: 0 }', '        total: { type: integer, minimum: 0 }').replace('required: [order_id, amount]', 'required: [order_id, total]'));
    const p = await client.waitForPublish(support, (x) => x.diagnostics.some((d) => d.code === 'cedar-validation' && String(d.message).includes('amount')), mark);
    assert.ok(p.diagnostics.length >= 1);
  });

  it('re-validates when an imported tool list changes on disk', async () => {
    const tools = path.join(ws, 'mcp/crm.tools.json');
    const support = path.join(ws, 'policies/support.cedar');
    await client.waitForPublish(support, (p) => p.diagnostics.filter((d) => d.severity === 1).length === 0);
    const json = JSON.parse(fs.readFileSync(tools, 'utf8')) as { tools: { name: string }[] };
    json.tools = json.tools.filter((t) => t.name !== 'kb.search');
    fs.writeFileSync(tools, JSON.stringify(json, null, 2));
    const mark = client.published.length;
    await client.conn.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: uriOf(tools), type: FileChangeType.Changed }] });
    await client.waitForPublish(support, (x) => x.diagnostics.some((d) => String(d.message).includes('kb.search')), mark);
  });

  it('offers the "did you mean" quick fix, and applying it removes the diagnostic', async () => {
    const manifest = path.join(ws, 'acme.agents.yaml');
    const text = fs.readFileSync(manifest, 'utf8');
    await client.open(manifest, text);
    const p = await client.waitForPublish(manifest, (x) => x.version === 1 && x.diagnostics.some((d) => d.code === 'unknown-reference'));
    const diag = p.diagnostics.find((d) => d.code === 'unknown-reference')!;
    const actions = (await client.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uriOf(manifest) }, range: diag.range, context: { diagnostics: [diag] } })) ?? [];
    const fix = actions.find((a) => 'edit' in a && a.title.includes('support-bot'));
    assert.ok(fix && 'edit' in fix && fix.edit?.changes, `no quick fix in ${JSON.stringify(actions)}`);
    const [edit] = fix.edit!.changes![uriOf(manifest)]!;
    assert.equal(edit!.newText, 'support-bot');
    await client.changeRange(manifest, 2, edit!.range, edit!.newText);
    await client.waitForPublish(manifest, (x) => x.version === 2 && !x.diagnostics.some((d) => d.code === 'unknown-reference'));
  });

  it('answers at once while a 5 MB policy file is being checked, and survives bad input', async () => {
    const big = path.join(ws, 'policies/big.cedar');
    const one = '@id("p#") permit (principal in Acme::Role::"support", action == Acme::Action::"get_order", resource) when { context.session.purpose == "support" };\n';
    let text = '';
    for (let i = 0; text.length < 5 * 1024 * 1024; i++) text += one.replace('#', String(i));
    await client.open(big, text);
    const junk = path.join(ws, 'policies/junk.cedar');
    await client.open(junk, '\u0000\u0001\u00ff permit ( \uFFFD ;;; "unterminated');
    const bomb = path.join(ws, 'bomb.agents.yaml');
    await client.open(bomb, 'version: 1\na: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n');
    // While the big file is being checked, a request is answered quickly.
    await client.waitFor('the server to start checking', () => client.notifications.some((n) => n.method === 'agentPolicy/status' && (n.params as { state: string }).state === 'checking'));
    const t0 = Date.now();
    const r = (await client.conn.sendRequest('agentPolicy/schema', {})) as { schema?: string };
    const ms = Date.now() - t0;
    assert.ok(r.schema?.includes('namespace Acme'), 'schema request answered');
    assert.ok(ms < 1500, `schema request took ${ms} ms during a 5 MB check`);
    await client.waitForPublish(junk, (p) => p.diagnostics.some((d) => d.code === 'cedar-syntax'));
    await client.waitForPublish(bomb, (p) => p.diagnostics.some((d) => String(d.message).includes('alias')));
    await client.waitForPublish(big, (p) => p.version === 1, 0, 120000);
    assert.equal(client.proc.exitCode, null, 'server still running');
  });
});
