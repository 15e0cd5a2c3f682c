import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';
import { copyToTemp } from '../helpers/examples';

/** `agent-policy test`: a suite that cannot run is a failed suite (exit 1), in every format. */
const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-test-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** Must never appear in any output: the suites below put it in the broken files. */
const MARKER = 'Kq7ZmarkerXw';
const GOOD = 'version: 1\nagents: { bot: {} }\ntools:\n  - name: t\n    inputSchema: { type: object }\nscenarios:\n  - { name: nothing is allowed by default, agent: bot, tool: t, expect: deny }\n';
const SCENARIOS = `scenarios:\n  - { name: ${MARKER}, agent: bot, tool: t, expect: deny }\n`;
const aliasBomb = (() => {
  let s = `version: 1\na0: &a0 [${MARKER},x,x,x,x,x,x,x,x,x]\n`;
  for (let i = 1; i < 12; i++) s += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]\n`;
  return s + SCENARIOS;
})();

interface SuiteCase {
  name: string;
  files: Record<string, string>;
  /** The manifest reported as unable to run, and why (in the pretty output). */
  manifest: string;
  why: RegExp;
}

const cases: SuiteCase[] = [
  { name: 'invalid YAML', files: { 'x.agents.yaml': `version: 1\nagents: [${MARKER}\n${SCENARIOS}` }, manifest: 'x.agents.yaml', why: /does not load: \d+ manifest-invalid errors?, the first at x\.agents\.yaml:\d+:\d+/ },
  { name: '10,000-deep nesting', files: { 'x.agents.yaml': `version: 1\nagents:\n  a: ${'['.repeat(10000)}${MARKER}${']'.repeat(10000)}\n${SCENARIOS}` }, manifest: 'x.agents.yaml', why: /does not load: \d+ manifest-invalid errors?, the first at x\.agents\.yaml:\d+:\d+/ },
  { name: 'an alias bomb', files: { 'x.agents.yaml': aliasBomb }, manifest: 'x.agents.yaml', why: /does not load: \d+ manifest-invalid errors?, the first at x\.agents\.yaml:\d+:\d+/ },
  { name: 'a manifest that is not a mapping', files: { 'x.agents.yaml': `- ${MARKER}\n` }, manifest: 'x.agents.yaml', why: /does not load/ },
  {
    name: 'an import that does not load',
    files: { 'x.agents.yaml': `version: 1\nagents: { bot: {} }\nservers:\n  s:\n    tools: { $import: missing.tools.json }\n${SCENARIOS}` },
    manifest: 'x.agents.yaml',
    why: /does not load: 1 manifest-invalid error, the first at x\.agents\.yaml:5:/,
  },
  {
    name: 'an import that is not valid JSON',
    files: { 'x.agents.yaml': `version: 1\nagents: { bot: {} }\nservers:\n  s:\n    tools: { $import: s.tools.json }\n${SCENARIOS}`, 's.tools.json': `{"tools": [${MARKER}` },
    manifest: 'x.agents.yaml',
    why: /does not load: \d+ manifest-invalid errors?, the first at (x\.agents\.yaml|s\.tools\.json):\d+:\d+/,
  },
  { name: 'a scenario that is not well formed (it would silently not run)', files: { 'x.agents.yaml': GOOD + '  - { name: typo, agent: bot, tool: t, expect: alow }\n' }, manifest: 'x.agents.yaml', why: /does not load: 1 manifest-invalid error, the first at x\.agents\.yaml:8:/ },
  { name: 'a Cedar schema that cannot be generated (even without scenarios)', files: { 'x.agents.yaml': 'version: 1\nnamespace: __cedar\nagents: { bot: {} }\n' }, manifest: 'x.agents.yaml', why: /does not load: 1 manifest-invalid error, the first at x\.agents\.yaml:2:12/ },
];

describe('CLI: agent-policy test fails a suite that cannot run', function () {
  this.timeout(120000);
  for (const c of cases) {
    it(`${c.name}: exit 1, in pretty, json and junit`, () => {
      // A good manifest next to it still runs.
      const dir = workspace({ ...c.files, 'good/g.agents.yaml': GOOD });
      const pretty = run(['test'], dir);
      assert.equal(pretty.code, 1, pretty.stdout + pretty.stderr);
      assert.match(pretty.stdout, new RegExp(`^${c.manifest.replace(/\./g, '\\.')}\\n  ✗ (.*)$`, 'm'));
      assert.match(pretty.stdout, c.why);
      assert.match(pretty.stdout, /run `agent-policy check` for the details/);
      assert.match(pretty.stdout, /✓ nothing is allowed by default/);
      assert.match(pretty.stdout, /^1 manifest could not run, 1 passed \(1 scenarios\)$/m);

      const json = JSON.parse(run(['test', '--format', 'json'], dir).stdout) as { manifests: { file: string; error?: string; scenarios: unknown[] }[]; summary: Record<string, number> };
      const bad = json.manifests.find((m) => m.file === c.manifest)!;
      assert.match(bad.error ?? '', c.why);
      assert.deepEqual(json.summary, { passed: 1, failed: 0, errors: 1 });

      const junit = run(['test', '--format', 'junit'], dir);
      assert.equal(junit.code, 1);
      assert.match(junit.stdout, /<testsuites name="agent-policy scenarios" tests="2" failures="0" errors="1">/);
      assert.match(junit.stdout, new RegExp(`<testcase classname="${c.manifest.replace(/\./g, '\\.')}" name="manifest"><error message="[^"]*does not load`));

      for (const out of [pretty.stdout, pretty.stderr, JSON.stringify(json), junit.stdout]) assert.ok(!out.includes(MARKER), `file content quoted:\n${out}`);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('no scenarios at all: exit 1, and says so in every format', () => {
    const dir = workspace({ 'x.agents.yaml': 'version: 1\nagents: { bot: {} }\n' });
    const pretty = run(['test'], dir);
    assert.equal(pretty.code, 1, pretty.stdout);
    assert.match(pretty.stdout, /no scenarios found: a suite that cannot run fails/);
    const json = run(['test', '--format', 'json'], dir);
    assert.equal(json.code, 1);
    const report = JSON.parse(json.stdout) as { error?: string; summary: Record<string, number> };
    assert.match(report.error ?? '', /no scenarios found/);
    assert.deepEqual(report.summary, { passed: 0, failed: 0, errors: 1 });
    const junit = run(['test', '--format', 'junit'], dir);
    assert.equal(junit.code, 1);
    assert.match(junit.stdout, /<testcase classname="agent-policy" name="scenarios"><error message="no scenarios found: a suite that cannot run fails/);
    const empty = workspace({});
    assert.equal(run(['test'], empty).code, 1);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(empty, { recursive: true, force: true });
  });

  it('a scenario whose policy set cannot be evaluated fails, with the reason', () => {
    const dir = workspace({
      'x.agents.yaml': `${GOOD}policies: [p.cedar]\n`,
      'p.cedar': '@id("p") permit (principal, action, resource) when { true\n@id("f") forbid (principal, action, resource);\n',
    });
    const r = run(['test'], dir);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stdout, /✗ nothing is allowed by default {2}expected deny, but the call could not be evaluated — permit `p` \(p\.cedar\) does not parse and swallows the forbid `f` \(line 2\)/);
    assert.match(r.stdout, /^1 failed, 0 passed \(1 scenarios\)$/m);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('CLI: agent-policy test --coverage', function () {
  this.timeout(120000);
  const SHOP = {
    'shop.agents.yaml': `version: 1
namespace: Shop
agents: { bot: {} }
servers:
  s:
    tools:
      - { name: read, inputSchema: { type: object }, annotations: { readOnlyHint: true } }
      - { name: wipe, inputSchema: { type: object } }
      - { name: drop, inputSchema: { type: object } }
scenarios:
  - { name: bot reads, agent: bot, tool: read, expect: allow }
  - { name: bot reads again, agent: bot, tool: read, expect: allow }
  - { name: bot cannot wipe, agent: bot, tool: wipe, expect: deny }
`,
    'p.cedar': '@id("bot-reads")\npermit (principal == Shop::Agent::"bot", action == Shop::Action::"read", resource);\n\n@id("no-wipe")\nforbid (principal, action == Shop::Action::"wipe", resource);\n\n@id("never-used")\npermit (principal, action == Shop::Action::"drop", resource) when { context.session has nothing };\n',
    // A manifest without scenarios is reported with --coverage: nothing of it is exercised.
    'other/o.agents.yaml': 'version: 1\nagents: { bot: {} }\ntools:\n  - { name: t, inputSchema: { type: object } }\n',
    'other/o.cedar': '@id("o-all")\npermit (principal, action, resource);\n',
  };

  it('pretty: what each policy decided, what nothing exercises, and the tools left untested', () => {
    const dir = workspace(SHOP);
    const r = run(['test', '--coverage'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split('\n');
    const section = (manifest: string) => lines.slice(lines.indexOf(manifest) + 1, lines.indexOf('', lines.indexOf(manifest)));
    assert.deepEqual(section('shop.agents.yaml'), [
      '  ✓ bot reads  allow — bot-reads',
      '  ✓ bot reads again  allow — bot-reads',
      '  ✓ bot cannot wipe  deny — no-wipe',
      '  coverage: 2 of 3 policies decided a scenario; 1 of 3 tools without a scenario; 1 destructive tool without a deny scenario',
      '    ● permit bot-reads  p.cedar:1:1  decided 2 scenarios (bot reads, bot reads again)',
      '    ● forbid no-wipe  p.cedar:4:1  decided 1 scenario (bot cannot wipe)',
      '    ○ permit never-used  p.cedar:7:1  no scenario exercises this policy',
      '    tools without a scenario: drop',
      '    destructive tools without a deny scenario: drop',
    ]);
    assert.deepEqual(section('other/o.agents.yaml'), [
      '  coverage: 0 of 1 policy decided a scenario; 1 of 1 tool without a scenario; 1 destructive tool without a deny scenario',
      '    ○ permit o-all  other/o.cedar:1:1  no scenario exercises this policy',
      '    tools without a scenario: t',
      '    destructive tools without a deny scenario: t',
    ]);
    // Without the flag: no coverage, and the manifest without scenarios is not a suite.
    const plain = run(['test'], dir);
    assert.ok(!plain.stdout.includes('coverage:') && !plain.stdout.includes('other/o.agents.yaml'), plain.stdout);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('json: a coverage object per manifest, with places', () => {
    const dir = workspace(SHOP);
    const r = run(['test', '--coverage', '--format', 'json'], dir);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { manifests: { file: string; coverage?: Record<string, unknown> }[] };
    const shop = report.manifests.find((m) => m.file === 'shop.agents.yaml')!.coverage!;
    assert.deepEqual(shop.policies, { total: 3, exercised: 2, unexercised: 1 });
    assert.deepEqual(shop.tools, { total: 3, withoutScenario: 1, destructiveWithoutDeny: 1 });
    assert.deepEqual(shop.exercised, [
      { id: 'bot-reads', effect: 'permit', file: 'p.cedar', range: { start: { line: 0, character: 0 }, end: { line: 1, character: 83 } }, count: 2, scenarios: ['bot reads', 'bot reads again'] },
      { id: 'no-wipe', effect: 'forbid', file: 'p.cedar', range: { start: { line: 3, character: 0 }, end: { line: 4, character: 61 } }, count: 1, scenarios: ['bot cannot wipe'] },
    ]);
    assert.deepEqual((shop.unexercised as { id: string }[]).map((p) => p.id), ['never-used']);
    assert.deepEqual(shop.toolsWithoutScenario, [{ tool: 'drop', server: 's', destructive: true }]);
    assert.deepEqual(shop.destructiveWithoutDeny, [{ tool: 'drop', server: 's' }]);
    assert.deepEqual(report.manifests.map((m) => m.file), ['other/o.agents.yaml', 'shop.agents.yaml']);
    assert.ok(!('coverage' in (JSON.parse(run(['test', '--format', 'json'], dir).stdout) as { manifests: object[] }).manifests[0]!));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('junit: coverage as the properties of each testsuite, before its test cases', () => {
    const dir = workspace(SHOP);
    const r = run(['test', '--coverage', '--format', 'junit'], dir);
    assert.equal(r.code, 0, r.stderr);
    const suite = /<testsuite name="shop\.agents\.yaml"[^>]*>\n([\s\S]*?)<\/testsuite>/.exec(r.stdout)![1]!;
    const props = Object.fromEntries([...suite.matchAll(/<property name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
    assert.deepEqual(props, {
      'coverage.scenarios': '3',
      'coverage.policies': '3',
      'coverage.policies.exercised': '2',
      'coverage.policies.unexercised': '1',
      'coverage.policies.unexercised.list': 'never-used (p.cedar:7)',
      'coverage.tools': '3',
      'coverage.tools.withoutScenario': '1',
      'coverage.tools.withoutScenario.list': 'drop',
      'coverage.tools.destructiveWithoutDeny': '1',
      'coverage.tools.destructiveWithoutDeny.list': 'drop',
    });
    assert.ok(suite.trimStart().startsWith('<properties>') && suite.indexOf('</properties>') < suite.indexOf('<testcase'), suite);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('never changes the exit code', () => {
    const workspaces: { name: string; files: () => Record<string, string> | string }[] = [
      { name: 'all pass', files: () => SHOP },
      { name: 'the examples (a scenario fails, a manifest cannot run)', files: () => copyToTemp() },
      { name: 'no scenarios at all', files: () => ({ 'x.agents.yaml': 'version: 1\nagents: { bot: {} }\n' }) },
    ];
    for (const w of workspaces) {
      for (const format of ['pretty', 'json', 'junit']) {
        it(`${w.name}, ${format}`, () => {
          const files = w.files();
          const dir = typeof files === 'string' ? files : workspace(files);
          const without = run(['test', '--format', format], dir);
          const withCoverage = run(['test', '--format', format, '--coverage'], dir);
          assert.equal(withCoverage.code, without.code, withCoverage.stdout + withCoverage.stderr);
          assert.match(withCoverage.stdout, /coverage/);
          fs.rmSync(dir, { recursive: true, force: true });
        });
      }
    }
  });
});
