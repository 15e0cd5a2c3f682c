import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';
import { makeDiffRepo } from '../helpers/gitFixture';
import { copyToTemp } from '../helpers/examples';
import { gitBase } from '../../server/src/node/gitBase';
import { toCorePath } from '../../server/src/node/fsHost';

const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

interface DiffJson {
  version: number;
  base: string;
  policies: { id: string; change: string; file: string; position: { line: number; character: number } }[];
  cells: { agent: string; tool: string; from: string; to: string; widening: boolean; narrowing: boolean; toCondition?: string }[];
  scenarios: { name: string; from: string; to: string }[];
  calls: { agent: string; tool: string; args: Record<string, unknown>; from: string; to: string; source: string; label: string; policies: string[]; basePolicies: string[]; widening: boolean }[];
  summary: { widening: number; narrowing: number; changes: number };
}

describe('CLI: agent-policy diff (a git repository with a widening and a narrowing commit)', function () {
  this.timeout(120_000);
  let repo: { dir: string; cleanup(): void };
  before(() => (repo = makeDiffRepo('widen')));
  after(() => repo.cleanup());

  it('widen against base: the cell, the scenario and the calls that now allow, with the policies on each side (json)', () => {
    const r = run(['diff', '--base', 'base', '--format', 'json'], repo.dir);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as DiffJson;
    assert.equal(j.version, 1);
    assert.match(j.base, /^base \([0-9a-f]{12}\)$/);
    assert.deepEqual(j.policies.map((p) => [p.change, p.id, p.file, p.position.line]), [['changed', 'refund-limit', 'policies/refunds.cedar', 1]]);
    assert.deepEqual(j.cells.map((c) => [c.agent, c.tool, c.from, c.to, c.widening, c.toCondition]), [['refund-bot', 'issue_refund', 'conditional', 'conditional', true, 'context.input.amount <= 500']]);
    assert.deepEqual(j.scenarios, [{ name: 'a 300 refund needs a person', expect: 'deny', from: 'deny', to: 'allow' }]);
    assert.ok(j.calls.length > 0 && j.calls.every((c) => c.widening && c.from === 'deny' && c.to === 'allow' && c.policies.includes('refund-limit') && c.basePolicies.length === 0));
    // The boundary of the old limit and of the new one: 101 flips, 500 flips, 501 does not.
    const amounts = new Set(j.calls.filter((c) => c.source === 'boundary').map((c) => c.args.amount));
    assert.ok(amounts.has(101) && amounts.has(500) && !amounts.has(501) && !amounts.has(100), [...amounts].join(','));
    assert.ok(j.calls.some((c) => c.source === 'scenario' && c.label === 'a 300 refund needs a person'));
    assert.equal(j.summary.narrowing, 0);
    assert.ok(j.summary.widening >= j.calls.length);
  });

  it('exits 1 with --fail-on widening or any when the change widens', () => {
    assert.equal(run(['diff', '--base', 'base', '--fail-on', 'widening'], repo.dir).code, 1);
    assert.equal(run(['diff', '--base', 'base', '--fail-on', 'any'], repo.dir).code, 1);
    // Against itself nothing changes: exit 0 even with --fail-on any.
    const same = run(['diff', '--base', 'widen', '--fail-on', 'any'], repo.dir);
    assert.equal(same.code, 0, same.stdout + same.stderr);
    assert.match(same.stdout, /no change in what any agent can do/);
  });

  it('narrow against widen: only narrowing, so --fail-on widening passes and --fail-on any fails', () => {
    const r2 = makeDiffRepo('narrow');
    try {
      const j = JSON.parse(run(['diff', '--base', 'widen', '--format', 'json'], r2.dir).stdout) as DiffJson;
      assert.deepEqual(j.policies.map((p) => `${p.change} ${p.id}`), ['added no-goodwill-refunds']);
      assert.equal(j.summary.widening, 0);
      assert.ok(j.summary.narrowing > 0);
      assert.ok(j.calls.every((c) => !c.widening && c.policies.includes('no-goodwill-refunds') && c.basePolicies.includes('refund-limit')));
      assert.deepEqual(j.scenarios.map((s) => `${s.name}: ${s.from}->${s.to}`), ['small goodwill refund: allow->deny']);
      assert.equal(run(['diff', '--base', 'widen', '--fail-on', 'widening'], r2.dir).code, 0);
      assert.equal(run(['diff', '--base', 'widen', '--fail-on', 'any'], r2.dir).code, 1);
    } finally {
      r2.cleanup();
    }
  });

  it('markdown for a PR comment: the summary line, then widening grouped by agent', () => {
    const r = run(['diff', '--base', 'base', '--format', 'markdown'], repo.dir);
    assert.equal(r.code, 0);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^### Agent policy impact: ⚠️ \d+ widening, 0 narrowing$/);
    const w = lines.indexOf('#### Widening');
    assert.ok(w > 0 && lines.indexOf('**refund-bot**') > w, r.stdout);
    assert.ok(!lines.includes('#### Narrowing'));
  });

  it('github annotations on the changed policy, at its line', () => {
    const r = run(['diff', '--base', 'base', '--format', 'github'], repo.dir);
    const first = r.stdout.split('\n')[0]!;
    assert.match(first, /^::warning file=policies\/refunds\.cedar,line=2,col=1,title=agent-policy diff%3A widening/);
    assert.match(first, /refund-bot × issue_refund: \d+ deny → allow/);
  });

  it('never touches the working tree, the index or HEAD', () => {
    fs.appendFileSync(path.join(repo.dir, 'policies', 'refunds.cedar'), '\n// an unsaved thought\n');
    const before = [git(repo.dir, 'status', '--porcelain'), git(repo.dir, 'rev-parse', 'HEAD'), fs.readFileSync(path.join(repo.dir, 'policies', 'refunds.cedar'), 'utf8')];
    run(['diff', '--base', 'base'], repo.dir);
    run(['replay', path.join(repo.dir, 'none.jsonl'), '--base', 'base'], repo.dir);
    const after = [git(repo.dir, 'status', '--porcelain'), git(repo.dir, 'rev-parse', 'HEAD'), fs.readFileSync(path.join(repo.dir, 'policies', 'refunds.cedar'), 'utf8')];
    assert.deepEqual(after, before);
    git(repo.dir, 'checkout', '--', 'policies/refunds.cedar');
  });

  it('--base-dir compares with a folder as --base does with the commit', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-basedir-'));
    try {
      const tar = execFileSync('git', ['archive', 'base'], { cwd: repo.dir });
      execFileSync('tar', ['-x', '-C', dir], { input: tar });
      const a = JSON.parse(run(['diff', '--base', 'base', '--format', 'json'], repo.dir).stdout) as DiffJson;
      const b = JSON.parse(run(['diff', '--base-dir', dir, '--format', 'json'], repo.dir).stdout) as DiffJson;
      assert.deepEqual({ ...b, base: '' }, { ...a, base: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing ref, a shallow clone and a folder outside git are clear errors (exit 2)', () => {
    const bad = run(['diff', '--base', 'no-such-branch'], repo.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /the ref `no-such-branch` does not name a commit/);
    assert.match(run(['diff', '--base=--upload-pack=x'], repo.dir).stderr, /is not a git ref/);
    const shallow = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-shallow-'));
    const loose = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-loose-'));
    try {
      execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow], { stdio: 'ignore' });
      const r = run(['diff', '--base', 'base'], shallow);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /shallow/);
      fs.cpSync(path.join(repo.dir, 'shop.agents.yaml'), path.join(loose, 'shop.agents.yaml'));
      const l = run(['diff', '--base', 'HEAD', path.join(loose, 'shop.agents.yaml')], os.tmpdir());
      assert.equal(l.code, 2);
      assert.match(l.stderr, /not inside a git repository/);
      assert.equal(run(['diff'], repo.dir).code, 2, 'no base is a usage error');
    } finally {
      fs.rmSync(shallow, { recursive: true, force: true });
      fs.rmSync(loose, { recursive: true, force: true });
    }
  });

  it('recorded calls (--calls): flips from a decision log, malformed lines reported by number and skipped', () => {
    const log = path.join(os.tmpdir(), `apol-calls-${process.pid}.jsonl`);
    fs.writeFileSync(
      log,
      [
        JSON.stringify({ agent: 'refund-bot', tool: 'issue_refund', args: { order_id: 'o-9', amount: 250, reason: 'late' }, context: { task_id: 't-9' }, decision: 'deny' }),
        '{"agent": oops',
        JSON.stringify({ agent: 'refund-bot', tool: 'issue_refund', args: { order_id: 'o-8', amount: 50, reason: 'late' }, context: { task_id: 't-8' } }),
      ].join('\n'),
    );
    try {
      const r = run(['diff', '--base', 'base', '--calls', log, '--format', 'json'], repo.dir);
      assert.equal(r.code, 0);
      assert.match(r.stderr, /:2: skipped: not valid JSON/);
      assert.ok(!r.stderr.includes('oops'), 'the line is not quoted');
      const j = JSON.parse(r.stdout) as DiffJson;
      const recorded = j.calls.filter((c) => c.source === 'recorded');
      assert.deepEqual(recorded.map((c) => [c.label, c.from, c.to]), [['line 1', 'deny', 'allow']]);
    } finally {
      fs.rmSync(log, { force: true });
    }
  });
});

describe('CLI: agent-policy replay', function () {
  this.timeout(120_000);
  let repo: { dir: string; cleanup(): void };
  let log: string;
  before(() => {
    repo = makeDiffRepo('widen');
    log = path.join(repo.dir, 'decisions.jsonl');
    // The extension's decision log, as it writes it (time, manifest, policies...), plus a malformed line.
    fs.writeFileSync(
      log,
      [
        JSON.stringify({ time: '2026-12-01T10:00:00Z', manifest: 'shop.agents.yaml', agent: 'refund-bot', tool: 'issue_refund', args: { order_id: 'o-1', amount: 300, reason: 'late' }, context: { task_id: 't-1' }, decision: 'deny', policies: [] }),
        JSON.stringify({ time: '2026-12-01T10:01:00Z', manifest: 'shop.agents.yaml', agent: 'refund-bot', tool: 'issue_refund', args: { order_id: 'o-2', amount: 50, reason: 'late' }, context: { task_id: 't-2' }, decision: 'allow', policies: ['refund-limit'] }),
        '["not", "a", "call"]',
        JSON.stringify({ agent: 'refund-bot', tool: 'issue_refund', args: { order_id: 'o-3', amount: 700, reason: 'late' }, context: { task_id: 't-3' }, decision: 'deny' }),
      ].join('\n') + '\n',
    );
  });
  after(() => repo.cleanup());

  it('reports the recorded calls whose decision differs now (exit 1), and skips malformed lines with their number', () => {
    const r = run(['replay', log, '--format', 'json'], repo.dir);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /decisions\.jsonl:3: skipped: not a JSON object/);
    const j = JSON.parse(r.stdout) as { calls: { line: number; from: string; to: string; policies: string[]; widening: boolean }[]; summary: { calls: number; differing: number; callsPerSecond: number } };
    assert.deepEqual(j.calls.map((c) => [c.line, c.from, c.to, c.policies, c.widening]), [[1, 'deny', 'allow', ['refund-limit'], true]]);
    assert.equal(j.summary.calls, 3);
    assert.equal(j.summary.differing, 1);
  });

  it('with --base, compares with the base commit instead of the recorded decisions', () => {
    const r = run(['replay', log, '--base', 'base'], repo.dir);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /line 1: refund-bot × issue_refund: deny → allow/);
    assert.match(r.stdout, /1 differ/);
    assert.equal(run(['replay', log, '--base', 'widen'], repo.dir).code, 0, 'nothing differs from the same commit');
  });

  it('a file that is not there is exit 2; no file is a usage error', () => {
    assert.equal(run(['replay', path.join(repo.dir, 'missing.jsonl')], repo.dir).code, 2);
    assert.equal(run(['replay'], repo.dir).code, 2);
  });
});

describe('gitBase: the base commit read from git', function () {
  this.timeout(60_000);
  it('lists and reads regular files only: a symbolic link in the commit is never followed', () => {
    const repo = makeDiffRepo('widen');
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-outside-'));
    try {
      fs.writeFileSync(path.join(outside, 'secret.cedar'), '@id("from-outside")\npermit (principal, action, resource);\n');
      fs.symlinkSync(path.join(outside, 'secret.cedar'), path.join(repo.dir, 'policies', 'linked.cedar'));
      git(repo.dir, 'add', '-A');
      git(repo.dir, 'commit', '-q', '-m', 'a link');
      const b = gitBase(toCorePath(repo.dir), 'HEAD');
      assert.ok(!('error' in b));
      if ('error' in b) return;
      assert.ok(!b.host.listFiles().some((f) => f.endsWith('linked.cedar')));
      const r = b.host.read!(`${b.host.root}/policies/linked.cedar`);
      assert.ok('refused' in r && r.refused === 'not-a-file');
      assert.ok(b.host.listFiles().some((f) => f.endsWith('refunds.cedar')));
      assert.ok('refused' in b.host.read!('/etc/passwd'));
    } finally {
      repo.cleanup();
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('CLI: the examples\' recorded calls (examples/README.md, "Replaying recorded calls")', function () {
  this.timeout(120_000);
  it('replay as they are: none differ; after the deliberate change: line 2 flips to allow, a widening', () => {
    const dir = copyToTemp();
    try {
      const args = ['replay', 'recorded-calls.jsonl', '--manifest', 'acme.agents.yaml', '--format', 'json'];
      const before = run(args, dir);
      assert.equal(before.code, 0, before.stdout + before.stderr);
      const b = JSON.parse(before.stdout) as { calls: unknown[]; summary: { calls: number; differing: number } };
      assert.deepEqual([b.summary.calls, b.summary.differing], [8, 0]);
      // The change the examples' README describes.
      const file = path.join(dir, 'policies', 'support.cedar');
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.includes('context.input.amount <= 50 }'));
      fs.writeFileSync(file, text.replace('context.input.amount <= 50 }', 'context.input.amount <= 200 }'));
      const after = run(args, dir);
      assert.equal(after.code, 1);
      const a = JSON.parse(after.stdout) as { calls: { line: number; from: string; to: string; policies: string[]; widening: boolean }[] };
      assert.deepEqual(a.calls.map((c) => [c.line, c.from, c.to, c.policies, c.widening]), [[2, 'deny', 'allow', ['support-refund-small'], true]]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
