import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';

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
