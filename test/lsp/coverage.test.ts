import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeLensRequest, type CodeLens } from 'vscode-languageserver-protocol/node';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';

/** The scenario coverage lenses on policies: off by default, on with `agentPolicy.coverage.showLenses`, up to date after an edit. */
describe('language server: scenario coverage lenses', function () {
  this.timeout(120000);
  let ws: string;
  let client: TestClient;
  const policy = () => path.join(ws, 'policies', 'support.cedar');
  const manifest = () => path.join(ws, 'acme.agents.yaml');

  before(async () => {
    ws = copyToTemp();
    client = new TestClient(ws);
    await client.start({}, { codeLens: { refreshSupport: true } });
    await client.open(policy(), fs.readFileSync(policy(), 'utf8'));
    await client.waitForPublish(policy(), (p) => p.version === 1);
  });

  after(async () => {
    await client.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  const lenses = async (file = policy()) => ((await client.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri: uriOf(file) } })) ?? []) as CodeLens[];
  /** Each lens as `line: title` (1-based line of the policy's first line). */
  const shown = (list: CodeLens[]) => list.map((l) => `${l.range.start.line + 1}: ${l.command!.title}`);

  it('shows none until the setting is on', async () => {
    assert.deepEqual(await lenses(), []);
  });

  it('shows on each policy the scenarios it decided once the setting flips, and asks the client to redraw', async () => {
    const before = client.codeLensRefreshes;
    await client.configure({ validate: { onType: true }, coverage: { showLenses: true } });
    await client.waitFor('a code lens refresh', () => client.codeLensRefreshes > before);
    const list = await lenses();
    assert.deepEqual(shown(list), [
      '4: ○ no scenario exercises this policy',
      '13: ○ no scenario exercises this policy',
      '25: ○ no scenario exercises this policy',
      '36: ◉ decided 1 scenario',
    ]);
    // The decided one simulates its first scenario; the others are labels.
    assert.deepEqual(list[3]!.command!.command, 'agentPolicy.simulateScenario');
    assert.deepEqual(list[3]!.command!.arguments, [uriOf(manifest()), 0]);
    assert.match(list[3]!.command!.tooltip ?? '', /support may refund small amounts/);
    assert.equal(list[0]!.command!.command, '');
    // The scenario lenses of the manifest are unchanged.
    assert.equal((await lenses(manifest())).filter((l) => l.command!.title === '▶ Simulate').length, 7);
  });

  it('follows an edit of the manifest: a new scenario decided by a policy changes its lens', async () => {
    const text = fs.readFileSync(manifest(), 'utf8');
    const added = `${text.trimEnd()}\n  - name: support looks up a customer\n    agent: support-bot\n    tool: lookup_customer\n    args: { customer_id: c-1 }\n    context: { task_id: t-8, purpose: support }\n    expect: allow\n`;
    await client.open(manifest(), added);
    await client.waitForPublish(manifest(), (p) => p.version === 1);
    assert.deepEqual(shown(await lenses()).slice(0, 1), ['4: ◉ decided 1 scenario']);
  });

  it('shows none again when the setting is off', async () => {
    await client.configure({ validate: { onType: true }, coverage: { showLenses: false } });
    assert.deepEqual(await lenses(), []);
  });
});
