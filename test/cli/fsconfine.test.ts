import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';

/** The CLI reads only inside the real workspace, only regular files, under stated limits (docs/security.md). */

const CLI = path.join(REPO, 'dist', 'cli.js');
const SECRET = 'SECRET-CONTENT-7f3a';
const MANIFEST = 'version: 1\nnamespace: C\nagents:\n  bot: { roles: [r] }\nroles: [r]\nservers:\n  p:\n    tools: { $import: mcp/p.tools.json }\ntools:\n  - name: read\n    annotations: { readOnlyHint: true }\n    inputSchema: { type: object }\n';
const POLICY = '@id("read")\npermit (principal == C::Agent::"bot", action == C::Action::"read", resource);\n';

/** Runs the CLI; a run that blocks (a FIFO) or reads without end (/dev/zero) is killed and fails the test. */
function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 20000, env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, killed: r.signal };
}

const made: string[] = [];
function temp(): string {
  const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-cli-confine-')));
  made.push(d);
  return d;
}

/** A workspace (marked by `.git`), with an outside folder beside it holding a secret tool list and a passwd-like file. */
function workspace(): { ws: string; outside: string } {
  const base = temp();
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(ws, '.git'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'mcp'));
  fs.mkdirSync(path.join(ws, 'policies'));
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.tools.json'), JSON.stringify({ tools: [{ name: 'exfiltrate', description: SECRET, inputSchema: { type: 'object' } }] }));
  fs.writeFileSync(path.join(outside, 'passwd'), `root:x:0:0:${SECRET}:/root:/bin/bash\n`);
  fs.writeFileSync(path.join(ws, 'm.agents.yaml'), MANIFEST);
  fs.writeFileSync(path.join(ws, 'policies', 'p.cedar'), POLICY);
  return { ws, outside };
}

function sparse(file: string, size: number) {
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
}

interface Diag {
  file: string;
  code: string;
  message: string;
  range: { start: { line: number } };
}

describe('CLI: confinement to the real workspace', function () {
  this.timeout(60000);
  after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  for (const target of ['secret.tools.json', 'passwd']) {
    it(`check and schema refuse an import linked to ${target} outside, and quote nothing of it`, () => {
      const { ws, outside } = workspace();
      fs.symlinkSync(path.join(outside, target), path.join(ws, 'mcp', 'p.tools.json'));
      const r = run(['check', '--format', 'json'], ws);
      assert.equal(r.code, 1, r.stderr);
      const diags = (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics;
      const d = diags.find((x) => x.file === 'm.agents.yaml' && x.code === 'manifest-invalid');
      assert.equal(d?.message, 'import `mcp/p.tools.json` leaves the workspace: its real path is outside the workspace folder, so it is not read');
      assert.equal(d?.range.start.line, 7);
      for (const out of [r.stdout, r.stderr]) assert.ok(!out.includes(SECRET) && !out.includes('root:x'), out);
      const s = run(['schema'], ws);
      assert.equal(s.code, 0, s.stderr);
      assert.ok(!s.stdout.includes('exfiltrate') && !s.stdout.includes(SECRET), s.stdout);
    });
  }

  it('reports a policy file linked outside the workspace as not read', () => {
    const { ws, outside } = workspace();
    fs.writeFileSync(path.join(outside, 'x.cedar'), `// ${SECRET}\n`);
    fs.symlinkSync(path.join(outside, 'x.cedar'), path.join(ws, 'policies', 'x.cedar'));
    const r = run(['check', 'policies/x.cedar', '--format', 'json'], ws);
    assert.equal(r.code, 1, r.stderr);
    const diags = (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics;
    assert.deepEqual(diags.map((d) => `${d.code}: ${d.message}`), ['cedar-syntax: this policy file: its real path is outside the workspace folder, so it is not read']);
    assert.ok(!r.stdout.includes(SECRET));
  });
});

describe('CLI: bounded reads of --args, --context and --manifest', function () {
  this.timeout(60000);
  const simulate = (ws: string, extra: string[]) => run(['simulate', '--agent', 'bot', '--tool', 'read', ...extra], ws);

  const CASES: { name: string; make: (ws: string) => string[]; message: string }[] = [
    { name: '--args @/dev/zero', make: () => ['--args', '@/dev/zero'], message: 'agent-policy: --args @/dev/zero: not a regular file (a device), not read' },
    { name: '--context @fifo', make: (ws) => (execFileSync('mkfifo', [path.join(ws, 'fifo')]), ['--context', '@fifo']), message: 'agent-policy: --context @fifo: not a regular file (a FIFO), not read' },
    { name: '--args @folder', make: () => ['--args', '@policies'], message: 'agent-policy: --args @policies: not a regular file (a folder), not read' },
    { name: '--args @big.json (above 1 MB)', make: (ws) => (sparse(path.join(ws, 'big.json'), 2 * 1024 * 1024), ['--args', '@big.json']), message: 'agent-policy: --args @big.json: file too large (2 MB > 1 MB), not read' },
    { name: '--args @file that is not JSON, without quoting it', make: (ws) => (fs.writeFileSync(path.join(ws, 'bad.json'), `root:x:0:0:${SECRET}`), ['--args', '@bad.json']), message: 'agent-policy: --args @bad.json: not valid JSON' },
    { name: '--args @missing.json', make: () => ['--args', '@missing.json'], message: 'agent-policy: --args @missing.json: no such file' },
    { name: '--manifest big.agents.yaml (above 32 MB)', make: (ws) => (sparse(path.join(ws, 'big.agents.yaml'), 50 * 1024 * 1024), ['--manifest', 'big.agents.yaml']), message: 'agent-policy: big.agents.yaml: file too large (50 MB > 32 MB), not read' },
  ];
  for (const c of CASES) {
    it(`refuses ${c.name} at once with a usage error (exit 2)`, () => {
      const { ws } = workspace();
      const started = Date.now();
      const r = simulate(ws, c.make(ws));
      assert.equal(r.killed, null, 'the CLI blocked or read without end');
      assert.equal(r.code, 2, r.stdout + r.stderr);
      assert.equal(r.stderr.trim(), c.message);
      assert.ok(Date.now() - started < 15000);
    });
  }

  it('still reads a regular --args file under the limit', () => {
    const { ws } = workspace();
    fs.writeFileSync(path.join(ws, 'args.json'), '{}');
    const r = simulate(ws, ['--args', '@args.json', '--manifest', 'm.agents.yaml', '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });
});

describe('CLI: a file outside any workspace', function () {
  this.timeout(60000);

  /** A folder with no `.git` or `.agent-policy.yaml` above it, holding `loose.cedar`. */
  function looseFolder(): string {
    const dir = path.join(temp(), 'loose');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'loose.cedar'), POLICY);
    return dir;
  }
  const checkLoose = (dir: string, env: Record<string, string> = {}) => {
    const r = run(['check', 'loose.cedar', '--format', 'json'], dir, env);
    return { ...r, codes: (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics.map((d) => d.code) };
  };

  it('is checked with its folder when the folder is small (a manifest beside it covers it)', () => {
    const dir = looseFolder();
    fs.writeFileSync(path.join(dir, 'm.agents.yaml'), MANIFEST.replace(/servers:[^]*?tools: \{[^}]*\}\n/, '').replace('tools:', 'policies: ["*.cedar"]\ntools:'));
    const r = checkLoose(dir);
    assert.deepEqual(r.codes, [], r.stdout + r.stderr);
    assert.equal(r.stderr, '');
  });

  it('is checked alone when its folder holds a deep tree (a manifest planted deep in it is not used)', () => {
    const dir = looseFolder();
    let deep = path.join(dir, 'tree');
    for (let i = 0; i < 150; i++) deep = path.join(deep, `d${i}`);
    fs.mkdirSync(deep, { recursive: true });
    const up = path.relative(deep, dir).split(path.sep).join('/');
    fs.writeFileSync(path.join(deep, 'deep.agents.yaml'), MANIFEST.replace(/servers:[^]*?tools: \{[^}]*\}\n/, '').replace('tools:', `policies: ["${up}/loose.cedar"]\ntools:`));
    // Run from another folder: the current folder itself is a workspace the user chose (see the next test).
    const elsewhere = fs.mkdtempSync(path.join(path.dirname(dir), 'elsewhere-'));
    const r = run(['check', path.join(dir, 'loose.cedar'), '--format', 'json'], elsewhere);
    const codes = (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics.map((d) => d.code);
    assert.deepEqual(codes, ['policy-not-covered'], r.stdout);
    assert.match(r.stderr, /note: .*loose\.cedar is outside any workspace .* it is checked alone/);
  });

  it('uses the current folder as the workspace of the PATHs under it (a manifest above a policy folder covers it)', () => {
    const dir = looseFolder();
    fs.mkdirSync(path.join(dir, 'policies'));
    fs.renameSync(path.join(dir, 'loose.cedar'), path.join(dir, 'policies', 'loose.cedar'));
    fs.writeFileSync(path.join(dir, 'm.agents.yaml'), MANIFEST.replace(/servers:[^]*?tools: \{[^}]*\}\n/, '').replace('tools:', 'policies: ["policies/*.cedar"]\ntools:'));
    const r = run(['check', 'policies', '--format', 'json'], dir);
    assert.deepEqual((JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics.map((d) => d.code), [], r.stdout + r.stderr);
  });

  it('never walks the home folder', () => {
    const dir = looseFolder();
    fs.writeFileSync(path.join(dir, 'm.agents.yaml'), MANIFEST.replace(/servers:[^]*?tools: \{[^}]*\}\n/, '').replace('tools:', 'policies: ["*.cedar"]\ntools:'));
    const r = checkLoose(dir, { HOME: dir, USERPROFILE: dir });
    assert.deepEqual(r.codes, ['policy-not-covered'], r.stdout);
  });
});
