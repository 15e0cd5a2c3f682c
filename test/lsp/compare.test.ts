import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DIFF_MANIFEST, makeDiffRepo } from '../helpers/gitFixture';
import { FIXTURES } from '../helpers/memoryHost';
import { startOnDiffRepo, stopOnDiffRepo, TestClient, uriOf } from '../helpers/lspClient';
import type { DiffResponse, GitRefsResult, SimulateResponse } from '../../server/src/protocol';

/** The line of `file` (in the repository) where a range starts. */
const lineAt = (dir: string, file: string, line: number) => fs.readFileSync(path.join(dir, file), 'utf8').split('\n')[line];

describe('language server: Compare Policies with a git ref (agentPolicy/diff, agentPolicy/gitRefs)', function () {
  this.timeout(120000);
  let repo: ReturnType<typeof makeDiffRepo>;
  let client: TestClient;
  const diff = (ref: string, manifest = path.join(repo.dir, DIFF_MANIFEST)) => client.conn.sendRequest('agentPolicy/diff', { manifestUri: uriOf(manifest), ref }) as Promise<DiffResponse>;

  before(async () => ({ repo, client } = await startOnDiffRepo('widen')));
  after(() => stopOnDiffRepo(repo, client));

  it('on the widening commit, compared with `base`: the widening calls name the changed policy, which links to its place', async () => {
    const r = await diff('base');
    assert.equal(r.error, undefined);
    assert.match(r.base ?? '', /^base \([0-9a-f]{12}\)$/);
    assert.equal(r.manifestUri, uriOf(path.join(repo.dir, DIFF_MANIFEST)));
    const widening = r.calls.filter((c) => c.widening);
    assert.ok(widening.length >= 1, `no widening call: ${JSON.stringify(r.calls)}`);
    for (const c of widening) {
      assert.equal(c.from, 'deny');
      assert.equal(c.to, 'allow');
      assert.deepEqual(c.policies.map((p) => p.id), ['refund-limit']);
      assert.equal(c.policies[0]!.uri, uriOf(path.join(repo.dir, 'policies/refunds.cedar')));
      assert.equal(lineAt(repo.dir, 'policies/refunds.cedar', c.policies[0]!.range!.start.line), '@id("refund-limit")');
    }
    assert.ok(widening.some((c) => c.source === 'boundary' && /\b(101|499|500)\b/.test(c.label)), `no boundary call at the changed threshold: ${widening.map((c) => c.label).join('; ')}`);
    assert.ok(r.summary.widening >= widening.length);
    assert.equal(r.summary.narrowing, 0);
    const changed = r.policies.find((p) => p.id === 'refund-limit');
    assert.deepEqual(changed && { change: changed.change, side: changed.side, file: changed.file, uri: changed.uri, effect: changed.effect }, { change: 'changed', side: 'current', file: 'policies/refunds.cedar', uri: uriOf(path.join(repo.dir, 'policies/refunds.cedar')), effect: 'permit' });
    assert.equal(lineAt(repo.dir, 'policies/refunds.cedar', changed!.range.start.line), '@id("refund-limit")');
    assert.deepEqual(r.scenarios, [{ name: 'a 300 refund needs a person', expect: 'deny', from: 'deny', to: 'allow' }]);
    assert.ok(r.cells.some((c) => c.agent === 'refund-bot' && c.tool === 'issue_refund' && c.widening && c.toCondition?.includes('500')), JSON.stringify(r.cells));
  });

  it('a policy that exists only at the base is given by its file there, without a URI of the working tree', async () => {
    // The working tree (widen) lacks the forbid that `narrow` adds: compared with narrow, it was removed, and widens.
    const r = await diff('narrow');
    assert.equal(r.error, undefined);
    const removed = r.policies.find((p) => p.id === 'no-goodwill-refunds');
    assert.ok(removed, JSON.stringify(r.policies));
    assert.equal(removed.change, 'removed');
    assert.equal(removed.side, 'base');
    assert.equal(removed.file, 'policies/goodwill.cedar');
    assert.equal(removed.uri, undefined);
    const baseText = fs.readFileSync(path.join(FIXTURES, 'diff', 'narrow', 'policies', 'goodwill.cedar'), 'utf8').split('\n');
    assert.equal(baseText[removed.range.start.line], '@id("no-goodwill-refunds")');
    const flip = r.calls.find((c) => c.widening && c.basePolicies.some((p) => p.id === 'no-goodwill-refunds'));
    assert.ok(flip, JSON.stringify(r.calls));
    assert.equal(flip.basePolicies[0]!.uri, undefined);
    assert.equal(flip.basePolicies[0]!.file, 'policies/goodwill.cedar');
  });

  it('compares the text the editor holds (an unsaved edit that undoes the change leaves nothing to report)', async () => {
    const file = path.join(repo.dir, 'policies/refunds.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await client.open(file, text.replace('<= 500', '<= 100'));
    try {
      const r = await diff('base');
      assert.equal(r.error, undefined);
      assert.deepEqual({ policies: r.policies, calls: r.calls, cells: r.cells, scenarios: r.scenarios }, { policies: [], calls: [], cells: [], scenarios: [] });
    } finally {
      await client.close(file);
    }
    assert.ok((await diff('base')).summary.widening > 0, 'closing the edited document does not bring back the file on disk');
  });

  it('a call with a sensitive value is shown redacted, and "Simulate" (diffCall) decides it as it was compared', async () => {
    // Unsaved: the order id becomes sensitive in the manifest the editor holds, and at most 8 characters long, so that
    // "[redacted]" (10) is not a valid order id: decided as shown, the call would be denied.
    const manifest = path.join(repo.dir, DIFF_MANIFEST);
    const text = fs.readFileSync(manifest, 'utf8');
    const sensitive = text.replace('order_id: { type: string }', 'order_id: { type: string, maxLength: 8, writeOnly: true }');
    assert.notEqual(sensitive, text);
    await client.open(manifest, sensitive);
    try {
      const r = await diff('base');
      assert.equal(r.error, undefined);
      assert.ok(r.callsId, 'no id for the calls');
      const i = r.calls.findIndex((c) => c.widening && c.tool === 'issue_refund' && c.redacted);
      assert.ok(i >= 0, `no redacted widening call: ${JSON.stringify(r.calls.slice(0, 2))}`);
      const call = r.calls[i]!;
      assert.equal((call.args as Record<string, unknown>).order_id, '[redacted]');
      const simulate = (extra: object) => client.conn.sendRequest('agentPolicy/simulate', { manifestUri: uriOf(manifest), agent: call.agent, tool: call.tool, args: call.args, context: call.context, ...extra }) as Promise<SimulateResponse>;
      const shown = await simulate({});
      assert.equal(shown.decision, 'deny', 'as shown, the call should break the schema');
      // Decided by the server with the value it kept, the call is decided as compared.
      const held = await simulate({ diffCall: { id: r.callsId, index: i } });
      assert.equal(held.decision, call.to, JSON.stringify(held.notes));
      assert.deepEqual(held.determining.map((d) => d.id), call.policies.map((p) => p.id));
      assert.equal((held.args as Record<string, unknown>).order_id, '[redacted]', 'the response showed the sensitive value');
      assert.ok(!held.notes.some((n) => /no longer held/.test(n)));
      // An id the server does not hold: decided as shown, and it says so.
      const gone = await simulate({ diffCall: { id: 'calls-999999', index: 0 } });
      assert.ok(gone.notes.some((n) => /no longer held by the server/.test(n)), JSON.stringify(gone.notes));
      assert.equal(gone.decision, 'deny');
    } finally {
      await client.close(manifest);
    }
  });

  it('a ref that names nothing, or is not a ref, is a clear error (never a crash)', async () => {
    const missing = await diff('no-such-branch');
    assert.match(missing.error ?? '', /`no-such-branch` does not name a commit/);
    assert.deepEqual(missing.calls, []);
    assert.match((await diff('--upload-pack=touch /tmp/x')).error ?? '', /is not a git ref/);
    assert.match((await diff('')).error ?? '', /no git ref given/);
    const odd = (await client.conn.sendRequest('agentPolicy/diff', { ref: 42 })) as DiffResponse;
    assert.match(odd.error ?? '', /no git ref given/);
  });

  it('lists HEAD first, then the branches and the tags, for the picker', async () => {
    const r = (await client.conn.sendRequest('agentPolicy/gitRefs', { uri: uriOf(path.join(repo.dir, DIFF_MANIFEST)) })) as GitRefsResult;
    assert.equal(r.error, undefined);
    assert.equal(r.refs[0], 'HEAD');
    for (const ref of ['main', 'base', 'widen', 'narrow']) assert.ok(r.refs.includes(ref), `${ref} missing from ${r.refs.join(', ')}`);
  });
});

describe('language server: Compare Policies where git cannot give the base', function () {
  this.timeout(120000);
  const temps: string[] = [];
  after(() => {
    for (const t of temps) fs.rmSync(t, { recursive: true, force: true });
  });

  async function withServer<T>(dir: string, f: (c: TestClient) => Promise<T>): Promise<T> {
    const c = new TestClient(dir);
    await c.start();
    try {
      return await f(c);
    } finally {
      await c.stop();
    }
  }

  it('a folder that is not in a git repository: an error that says so, and no refs', async () => {
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-nogit-'));
    temps.push(dir);
    fs.cpSync(path.join(FIXTURES, 'diff', 'base'), dir, { recursive: true });
    await withServer(dir, async (c) => {
      const r = (await c.conn.sendRequest('agentPolicy/diff', { manifestUri: uriOf(path.join(dir, DIFF_MANIFEST)), ref: 'HEAD' })) as DiffResponse;
      assert.match(r.error ?? '', /is not inside a git repository$/);
      const refs = (await c.conn.sendRequest('agentPolicy/gitRefs', {})) as GitRefsResult;
      assert.deepEqual(refs.refs, []);
      assert.match(refs.error ?? '', /not inside a git repository/);
    });
  });

  it('a shallow clone without the ref: an error that says to fetch it', async () => {
    const repo = makeDiffRepo();
    temps.push(repo.dir);
    const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-shallow-'));
    temps.push(dir);
    execFileSync('git', ['clone', '--quiet', '--depth', '1', '--no-tags', uriOf(repo.dir), dir], { stdio: 'ignore' });
    await withServer(dir, async (c) => {
      const r = (await c.conn.sendRequest('agentPolicy/diff', { ref: 'base' })) as DiffResponse;
      assert.match(r.error ?? '', /shallow/);
      const ok = (await c.conn.sendRequest('agentPolicy/diff', { ref: 'HEAD' })) as DiffResponse;
      assert.equal(ok.error, undefined);
      assert.equal(ok.summary.changes, 0);
    });
  });
});
