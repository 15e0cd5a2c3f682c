import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HoverRequest } from 'vscode-languageserver-protocol/node';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';

/**
 * Heavy work never holds completion and hover (issue "Trust", case 8): while the server loads a tool list of 2,000 tools
 * (3 s of schema compilation and model generation, in one piece, before the analysis moved to a worker thread), hovers
 * keep being answered, with the manifest as last loaded.
 */
describe('language server: hover answers while heavy work runs', function () {
  this.timeout(120000);
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

  it('answers every hover within 1 s while a 2,000-tool list is loaded and checked, with the same hover as before', async () => {
    const policy = path.join(ws, 'policies', 'refunds.cedar');
    const text = fs.readFileSync(policy, 'utf8');
    await client.open(policy, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('context.input.amount'));
    const position = { line, character: lines[line]!.indexOf('context.input.amount') + 'context.input.'.length + 2 };
    const idle = () => client.notifications.filter((n) => n.method === 'agentPolicy/status' && (n.params as { state: string }).state === 'idle').length;
    await client.waitFor('the first check', () => idle() > 0, 60000);
    const hover = () => client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(policy) }, position });
    const before = JSON.stringify(await hover());
    assert.match(before, /amount/);

    const list = path.join(ws, 'mcp', 'crm.tools.json');
    const original = JSON.parse(fs.readFileSync(list, 'utf8')) as { tools: unknown[] };
    const many = Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, description: `tool ${i}`, inputSchema: { type: 'object', properties: { a: { type: 'string', pattern: '^[a-z]+$' }, n: { type: 'integer' } }, required: ['a'] } }));
    const idleBefore = idle();
    await client.open(list, JSON.stringify({ tools: [...original.tools, ...many] }, null, 2), 'json');
    const latencies: number[] = [];
    let answers = 0;
    while (idle() === idleBefore || latencies.length < 3) {
      const t0 = Date.now();
      const h = JSON.stringify(await hover());
      latencies.push(Date.now() - t0);
      if (h === before) answers++;
    }
    assert.ok(Math.max(...latencies) < 1000, `hover latencies while loading: ${latencies.join(', ')} ms`);
    assert.equal(answers, latencies.length, 'every hover gave the same answer as before the load');
  });

  it('answers hovers in a plain Cedar project from its schema while the worker is busy, as it did before', async () => {
    const policy = path.join(ws, 'plain-cedar', 'policies.cedar');
    const text = fs.readFileSync(policy, 'utf8');
    await client.open(policy, text);
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('resource.owner =='));
    const position = { line, character: lines[line]!.indexOf('resource.owner') + 'resource.'.length + 2 };
    const idle = () => client.notifications.filter((n) => n.method === 'agentPolicy/status' && (n.params as { state: string }).state === 'idle').length;
    await client.waitFor('the first check', () => idle() > 0, 60000);
    const hover = () => client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(policy) }, position });
    const before = JSON.stringify(await hover());
    assert.match(before, /PhotoApp::User/);

    const list = path.join(ws, 'mcp', 'crm.tools.json');
    const original = JSON.parse(fs.readFileSync(list, 'utf8')) as { tools: unknown[] };
    const many = Array.from({ length: 2000 }, (_, i) => ({ name: `t${i}`, description: `tool ${i}`, inputSchema: { type: 'object', properties: { a: { type: 'string', pattern: '^[a-z]+$' } }, required: ['a'] } }));
    const idleBefore = idle();
    await client.open(list, JSON.stringify({ tools: [...original.tools, ...many] }, null, 2), 'json');
    let answers = 0;
    let asked = 0;
    while (idle() === idleBefore || asked < 3) {
      asked++;
      if (JSON.stringify(await hover()) === before) answers++;
    }
    assert.equal(answers, asked, 'every hover gave the schema\'s answer, whoever answered it');
  });
});
