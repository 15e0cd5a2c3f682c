import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { REPO } from '../helpers/memoryHost';
import { assertCall, simulationTable } from '../helpers/simulationTable';

const CLI = path.join(REPO, 'dist', 'cli.js');
/** A copy of the examples that is its own workspace (the CLI does not walk the whole repository). */
const EXAMPLES = (() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-cli-ex-'));
  fs.cpSync(path.join(REPO, 'examples'), dir, { recursive: true });
  fs.mkdirSync(path.join(dir, '.git'));
  return dir;
})();
function run(args: string[], cwd = EXAMPLES) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface SimJson {
  decision: string;
  determining: { id: string; file: string; range: { start: { line: number } } }[];
  errors: { policyId: string; message: string }[];
  failOpenRisk: boolean;
  requestErrors: string[];
  request: unknown;
}

describe('CLI: agent-policy simulate', function () {
  this.timeout(120000);
  const { manifest, calls } = simulationTable();

  it('decides the table of calls over the examples, with exit code 0 for allow and 1 for deny', () => {
    for (const c of calls) {
      const args = ['simulate', '--manifest', manifest, '--agent', c.agent, '--tool', c.tool, '--args', JSON.stringify(c.args), '--context', JSON.stringify(c.context), '--format', 'json'];
      for (const v of c.via ?? []) args.push('--via', v);
      const r = run(args);
      const out = JSON.parse(r.stdout) as SimJson;
      assertCall(c, { decision: out.decision, determining: out.determining.map((d) => d.id), failOpenRisk: out.failOpenRisk, requestErrors: out.requestErrors });
      assert.equal(r.code, out.decision === 'allow' ? 0 : 1, c.name);
      assert.deepEqual(Object.keys(out).sort(), ['cannotEvaluate', 'decision', 'determining', 'errors', 'failOpenRisk', 'request', 'requestErrors']);
    }
  });

  it('reads --args and --context from files, and prints a readable result', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-sim-'));
    fs.writeFileSync(path.join(dir, 'args.json'), JSON.stringify({ order_id: 'o-1', amount: 1500 }));
    fs.writeFileSync(path.join(dir, 'ctx.json'), JSON.stringify({ task_id: 't', purpose: 'billing' }));
    const r = run(['simulate', '--manifest', 'acme.agents.yaml', '--agent', 'refund-agent', '--tool', 'issue_refund', '--args', `@${path.join(dir, 'args.json')}`, '--context', `@${path.join(dir, 'ctx.json')}`]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^✓ ALLOW\n  allowed by billing-refund\n/);
    assert.match(r.stdout, /permit billing-refund  policies\/refunds\.cedar:3:1/);
    assert.match(r.stdout, /⚠ fail-open risk/);
  });

  it('--explain says why, clause by clause, in pretty and json (the same explanation as the fixture table)', () => {
    const cases = parse(fs.readFileSync(path.join(REPO, 'test/fixtures/explain/cases.yaml'), 'utf8')) as { call: { agent: string; tool: string; args: unknown; context: unknown }; decision: string; policies: { id: string; status: string; text?: string }[] }[];
    for (const c of cases) {
      const args = ['simulate', '--manifest', 'acme.agents.yaml', '--agent', c.call.agent, '--tool', c.call.tool, '--args', JSON.stringify(c.call.args), '--context', JSON.stringify(c.call.context), '--explain'];
      const json = JSON.parse(run([...args, '--format', 'json']).stdout) as SimJson & { explanation: { policies: { id: string; status: string; file: string; range: { start: { line: number } }; finding: string }[] } };
      assert.equal(json.decision, c.decision);
      assert.deepEqual(json.explanation.policies.map((p) => [p.id, p.status]), c.policies.map((p) => [p.id, p.status]));
      const pretty = run(args).stdout;
      assert.match(pretty, /\n {2}why: /);
      for (const p of json.explanation.policies) {
        assert.ok(pretty.includes(`${p.id}  ${p.file}:${p.range.start.line + 1}:`), `${p.id} with its place:\n${pretty}`);
        assert.ok(pretty.includes(p.finding), `${p.finding}:\n${pretty}`);
      }
    }
    const first = run(['simulate', '--manifest', 'acme.agents.yaml', '--agent', 'support-bot', '--tool', 'issue_refund', '--args', '{"order_id":"o","amount":400}', '--context', '{"task_id":"t","purpose":"support"}', '--explain']).stdout;
    assert.match(first, /`context\.input\.amount <= 50` was false \(context\.input\.amount = 400\); with amount ≤ 50 it would be allowed/);
  });

  it('exits 2 on usage errors and unreadable input', () => {
    assert.equal(run(['simulate', '--agent', 'support-bot']).code, 2);
    assert.equal(run(['simulate', '--manifest', 'acme.agents.yaml', '--agent', 'a', '--tool', 't', '--args', '{not json']).code, 2);
    assert.equal(run(['simulate', '--manifest', 'acme.agents.yaml', '--agent', 'a', '--tool', 't', '--args', '@/no/such/file']).code, 2);
    assert.equal(run(['simulate', '--manifest', 'nope.agents.yaml', '--agent', 'a', '--tool', 't']).code, 2);
    const several = run(['simulate', '--agent', 'a', '--tool', 't']);
    assert.equal(several.code, 2);
    assert.match(several.stderr, /several manifests here; choose one with --manifest/);
  });
});

describe('CLI: agent-policy test', function () {
  this.timeout(60000);
  // The examples hold one failing scenario (acme.agents.yaml) and one manifest that cannot run (helpdesk/: two
  // servers publish `update_ticket`, a deliberate mistake until it gets an `action_prefix`).
  it('runs the scenarios: exit 1 when one fails, with pretty, json and junit reports', () => {
    const pretty = run(['test', '.']);
    assert.equal(pretty.code, 1);
    assert.match(pretty.stdout, /✗ refunds above 1,000 need an approver {2}expected deny, got allow — billing-refund/);
    assert.match(pretty.stdout, /1 manifest could not run, 1 failed, 6 passed \(7 scenarios\)/);
    assert.match(pretty.stdout, /helpdesk\/helpdesk\.agents\.yaml\n {2}✗ the manifest does not load: 1 manifest-invalid error, the first at helpdesk\/mcp\/ticketing\.tools\.json:31:15/);
    const json = JSON.parse(run(['test', '--format', 'json']).stdout) as { summary: { passed: number; failed: number }; manifests: { file: string; error?: string; scenarios: { name: string; passed: boolean }[] }[] };
    assert.deepEqual(json.summary, { passed: 6, failed: 1, errors: 1 });
    assert.equal(json.manifests[0]!.file, 'acme.agents.yaml');
    assert.deepEqual(json.manifests.filter((m) => m.error).map((m) => m.file), ['helpdesk/helpdesk.agents.yaml']);
    const junit = run(['test', '--format', 'junit']).stdout;
    assert.match(junit, /<testsuites name="agent-policy scenarios" tests="8" failures="1" errors="1">/);
    assert.match(junit, /<testcase classname="acme.agents.yaml" name="refunds above 1,000 need an approver"><failure message="expected deny, got allow/);
  });

  it('exits 0 when every scenario passes', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-test-'));
    fs.mkdirSync(path.join(dir, '.git'));
    fs.writeFileSync(path.join(dir, 'a.agents.yaml'), 'version: 1\nagents: { bot: {} }\ntools:\n  - name: t\n    inputSchema: { type: object }\nscenarios:\n  - { name: nothing is allowed by default, agent: bot, tool: t, expect: deny }\n');
    const r = run(['test'], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /all passed, 1 passed \(1 scenarios\)/);
  });
});

describe('CLI: patterns and sensitive values', function () {
  this.timeout(180000);
  /** A copy of the jsondata fixture as its own workspace. */
  const ws = (() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-cli-jd-'));
    fs.cpSync(path.join(REPO, 'test', 'fixtures', 'jsondata'), dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '.git'));
    return dir;
  })();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  /** Runs the CLI as a child process that is killed after `timeout` ms (a pattern that never ends fails the test). */
  const runFor = (args: string[], timeout = 60000) => {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ws, encoding: 'utf8', timeout, env: { ...process.env, NO_COLOR: '1' } });
    assert.equal(r.error, undefined, `the CLI did not end within ${timeout} ms`);
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const redos = JSON.stringify({ code: `${'a'.repeat(30)}!` });

  it('simulate: `^(a+)+$` on 30 a\'s and a `!` ends, denied with the pattern error', () => {
    const r = runFor(['simulate', '--agent', 'ops-bot', '--tool', 'check_code', '--args', redos, '--context', '{"purpose":"p"}', '--format', 'json']);
    assert.equal(r.code, 1);
    assert.deepEqual((JSON.parse(r.stdout) as SimJson).requestErrors, ['args.code: must match the pattern ^(a+)+$']);
  });

  it('test: a scenario carrying that pattern ends, and passes (it expects deny)', () => {
    const r = runFor(['test', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  const secrets = ['s3cr3t-value', '4111111111111111', 'Bearer xyz', 'sess-1234', '115292150460684'];
  const login = (args: Record<string, unknown>, format: string) =>
    runFor(['simulate', '--agent', 'ops-bot', '--tool', 'login', '--args', JSON.stringify({ user: 'jane', ...args }), '--context', JSON.stringify({ purpose: 'p', session_token: 'sess-1234' }), '--format', format]);
  for (const format of ['pretty', 'json']) {
    it(`simulate --format ${format} prints no sensitive value: not in the request, not in request errors`, () => {
      const ok = login({ pin: 4321, secret: 's3cr3t-value', card: { number: '4111111111111111' }, headers: { Authorization: 'Bearer xyz' } }, format);
      const denied = login({ pin: 1152921504606847000 }, format);
      assert.deepEqual([ok.code, denied.code], [0, 1]);
      for (const out of [ok.stdout, denied.stdout]) for (const s of secrets) assert.ok(!out.includes(s), `${s} printed:\n${out}`);
      assert.match(ok.stdout, /"pin":\s?"\[redacted\]"/);
      assert.match(denied.stdout, /args\.pin: expected an integer \(within ±2\^53\), got \[redacted\]/);
    });
  }

  it('simulate: invalid JSON is reported without quoting it', () => {
    const r = runFor(['simulate', '--agent', 'ops-bot', '--tool', 'login', '--args', '{"secret": hunter2-secret}']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--args: not valid JSON/);
    assert.ok(!r.stderr.includes('hunter2'), r.stderr);
  });
});
