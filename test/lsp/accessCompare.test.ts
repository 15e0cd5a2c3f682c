import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIFF_MANIFEST, makeDiffRepo } from '../helpers/gitFixture';
import { FIXTURES } from '../helpers/memoryHost';
import { startOnDiffRepo, stopOnDiffRepo, TestClient, uriOf } from '../helpers/lspClient';
import type { AccessCallsResult, AccessResult } from '../../server/src/protocol';

describe('language server: the access map beside the map at a git ref (agentPolicy/access with baseRef)', function () {
  this.timeout(120000);
  let repo: ReturnType<typeof makeDiffRepo>;
  let client: TestClient;
  const manifest = () => uriOf(path.join(repo.dir, DIFF_MANIFEST));
  const access = (baseRef?: unknown, extra: Record<string, unknown> = {}) => client.conn.sendRequest('agentPolicy/access', { uri: manifest(), ...(baseRef !== undefined ? { baseRef } : {}), ...extra }) as Promise<AccessResult>;

  before(async () => ({ repo, client } = await startOnDiffRepo('widen')));
  after(() => stopOnDiffRepo(repo, client));

  it('on the widening commit, with baseRef=base: the refund cell is `amount <= 100` at the base and `<= 500` now, a widening', async () => {
    const r = await access('base');
    assert.equal(r.error, undefined);
    const base = r.base;
    assert.ok(base, 'no base in the answer');
    assert.equal(base.error, undefined);
    assert.equal(base.ref, 'base');
    assert.match(base.label ?? '', /^base \([0-9a-f]{12}\)$/);
    assert.match(base.commit ?? '', /^[0-9a-f]{40}$/);
    const now = r.cells.find((c) => c.agent === 'refund-bot' && c.tool === 'issue_refund' && !c.via);
    const then = base.cells.find((c) => c.agent === 'refund-bot' && c.tool === 'issue_refund' && !c.via);
    assert.ok(now && then, JSON.stringify({ now, then }));
    assert.equal(then.access, 'conditional');
    assert.equal(now.access, 'conditional');
    assert.match(then.condition ?? '', /context\.input\.amount <= 100\b/);
    assert.match(now.condition ?? '', /context\.input\.amount <= 500\b/);
    assert.doesNotMatch(then.condition ?? '', /500/);
    // The base's policies are located in the base's files (relative), not linked into the working tree.
    const limit = then.permits.find((p) => p.id === 'refund-limit');
    assert.ok(limit, JSON.stringify(then.permits));
    assert.equal(limit.file, 'policies/refunds.cedar');
    assert.equal(limit.uri, undefined);
    const baseText = fs.readFileSync(path.join(FIXTURES, 'diff', 'base', 'policies', 'refunds.cedar'), 'utf8').split('\n');
    assert.equal(baseText[limit.range!.start.line], '@id("refund-limit")');
    // The cell is among the changes, as a widening (a higher limit admits more calls, shown by a boundary call).
    const change = base.changes.find((c) => c.agent === 'refund-bot' && c.tool === 'issue_refund' && !c.via);
    assert.ok(change, JSON.stringify(base.changes));
    assert.deepEqual({ widening: change.widening, narrowing: change.narrowing, unproven: change.unproven }, { widening: true, narrowing: false, unproven: undefined });
    assert.equal(change.fromCondition, then.condition);
    assert.equal(change.toCondition, now.condition);
    // Every other cell is the same on both sides: the changes name only what differs.
    const key = (c: { agent: string; via?: string; tool: string }) => JSON.stringify([c.via ?? '', c.agent, c.tool]);
    const old = new Map(base.cells.map((c) => [key(c), c]));
    const differing = r.cells.filter((c) => old.get(key(c))?.access !== c.access || old.get(key(c))?.condition !== c.condition).map(key).sort();
    assert.deepEqual(base.changes.map(key).sort(), differing);
  });

  it('the filters apply to the base too; without baseRef there is no base', async () => {
    const r = await access('base', { agents: ['refund-bot'] });
    assert.ok(r.base && r.base.cells.length > 0);
    assert.ok(r.base.cells.every((c) => c.agent === 'refund-bot' || c.via === 'refund-bot'));
    assert.equal((await access()).base, undefined);
  });

  it('compared with the same commit (HEAD), nothing differs; a typed edit is compared with the kept base', async () => {
    const same = await access('HEAD');
    assert.equal(same.base?.error, undefined);
    assert.deepEqual(same.base?.changes, []);
    const file = path.join(repo.dir, 'policies/refunds.cedar');
    await client.open(file, fs.readFileSync(file, 'utf8').replace('<= 500', '<= 100'));
    try {
      const r = await access('base');
      assert.deepEqual(r.base?.changes, [], 'an unsaved edit back to the base limit leaves nothing changed');
      const narrowed = await access('HEAD');
      const c = narrowed.base?.changes.find((x) => x.agent === 'refund-bot' && x.tool === 'issue_refund');
      assert.ok(c && c.narrowing && !c.widening, JSON.stringify(narrowed.base?.changes));
    } finally {
      await client.close(file);
    }
  });

  it('a ref that names nothing, or no ref, is an error string in `base`; the current map is still there', async () => {
    const bad = await access('no-such-branch');
    assert.equal(bad.error, undefined);
    assert.ok(bad.cells.length > 0);
    assert.match(bad.base?.error ?? '', /`no-such-branch` does not name a commit/);
    assert.deepEqual(bad.base?.cells, []);
    assert.match((await access('--upload-pack=touch /tmp/x')).base?.error ?? '', /is not a git ref/);
    assert.match((await access('  ')).base?.error ?? '', /no git ref given/);
  });

  it('agentPolicy/accessCalls: for the refund cell, a call that is allowed and one that is denied, as the simulator decides them', async () => {
    const r = (await client.conn.sendRequest('agentPolicy/accessCalls', { uri: manifest(), agent: 'refund-bot', tool: 'issue_refund' })) as AccessCallsResult;
    assert.equal(r.error, undefined);
    assert.ok(r.satisfying && r.failing, JSON.stringify(r));
    for (const [call, want] of [[r.satisfying, 'allow'], [r.failing, 'deny']] as const) {
      assert.equal(call.decision, want);
      const sim = (await client.conn.sendRequest('agentPolicy/simulate', { manifestUri: manifest(), agent: 'refund-bot', tool: 'issue_refund', args: call.args, context: call.context })) as { decision: string };
      assert.equal(sim.decision, want, `${JSON.stringify(call)} simulated as ${sim.decision}`);
    }
    const missing = (await client.conn.sendRequest('agentPolicy/accessCalls', { uri: manifest(), agent: 'nobody', tool: 'issue_refund' })) as AccessCallsResult;
    assert.match(missing.error ?? '', /no cell nobody × issue_refund/);
  });
});

describe('language server: the access map beside a git ref, outside git', function () {
  this.timeout(120000);
  it('a folder that is not in a repository: the base is an error string, never a crash', async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-nogit-'));
    const src = path.join(FIXTURES, 'diff', 'base');
    fs.cpSync(src, dir, { recursive: true });
    const client = new TestClient(dir);
    await client.start();
    try {
      const r = (await client.conn.sendRequest('agentPolicy/access', { uri: uriOf(path.join(dir, DIFF_MANIFEST)), baseRef: 'HEAD' })) as AccessResult;
      assert.ok(r.cells.length > 0);
      assert.match(r.base?.error ?? '', /is not inside a git repository/);
      assert.doesNotMatch(r.base?.error ?? '', /--base-dir/);
    } finally {
      await client.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
