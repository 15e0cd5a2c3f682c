import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Project, type ProjectHost } from '../../server/src/core/project';
import { FsHost, toCorePath, walkWorkspace } from '../../server/src/node/fsHost';

/**
 * Confinement of file reads to the workspace's real path, and bounded reads (docs/security.md),
 * through the file-system host the CLI uses. The language server's host is tested over stdio in
 * test/lsp/fsconfine.test.ts.
 */

const SECRET = 'SECRET-CONTENT-7f3a';
const OUTSIDE_TOOLS = JSON.stringify({ tools: [{ name: 'exfiltrate', description: SECRET, inputSchema: { type: 'object' } }] });
const INSIDE_TOOLS = JSON.stringify({ tools: [{ name: 'inside_tool', inputSchema: { type: 'object' } }] });
const MANIFEST = 'version: 1\nnamespace: C\nagents:\n  bot: { roles: [r] }\nroles: [r]\nservers:\n  p:\n    tools: { $import: mcp/p.tools.json }\n';
const BIG = 50 * 1024 * 1024;

const made: string[] = [];
after(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A workspace (with a `.git` marker) and a folder beside it that is outside it. */
function layout(): { ws: string; outside: string } {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-confine-')));
  made.push(base);
  const ws = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(ws, '.git'), { recursive: true });
  fs.mkdirSync(path.join(ws, 'mcp'));
  fs.mkdirSync(outside);
  fs.writeFileSync(path.join(outside, 'secret.tools.json'), OUTSIDE_TOOLS);
  fs.writeFileSync(path.join(outside, 'passwd'), `root:x:0:0:${SECRET}:/root:/bin/bash\n`);
  fs.mkdirSync(path.join(outside, 'mcp'));
  fs.writeFileSync(path.join(outside, 'mcp', 'p.tools.json'), OUTSIDE_TOOLS);
  fs.writeFileSync(path.join(ws, 'm.agents.yaml'), MANIFEST);
  return { ws, outside };
}

/** A sparse file of `size` bytes: large on paper, instant to make. */
function sparse(file: string, size: number) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.truncateSync(file, size);
}

interface ImportCase {
  name: string;
  /** Makes `mcp/p.tools.json` (or the `mcp` folder) what the case is about. */
  make: (ws: string, outside: string) => void;
  message: RegExp;
}

const link = (target: string, at: string) => fs.symlinkSync(target, at);
const IMPORT_CASES: ImportCase[] = [
  { name: 'a link to a tool list outside', make: (ws, out) => link(path.join(out, 'secret.tools.json'), path.join(ws, 'mcp/p.tools.json')), message: /^import `mcp\/p\.tools\.json` leaves the workspace: its real path is outside the workspace folder, so it is not read$/ },
  { name: 'a link to a file like /etc/passwd', make: (ws, out) => link(path.join(out, 'passwd'), path.join(ws, 'mcp/p.tools.json')), message: /^import `mcp\/p\.tools\.json` leaves the workspace/ },
  { name: 'a relative link that climbs out', make: (ws) => link('../../outside/secret.tools.json', path.join(ws, 'mcp/p.tools.json')), message: /leaves the workspace/ },
  { name: 'a link to an inside link that leads out', make: (ws, out) => (link(path.join(out, 'secret.tools.json'), path.join(ws, 'alias.json')), link('../alias.json', path.join(ws, 'mcp/p.tools.json'))), message: /leaves the workspace/ },
  { name: 'a folder linked outside', make: (ws, out) => (fs.rmdirSync(path.join(ws, 'mcp')), link(path.join(out, 'mcp'), path.join(ws, 'mcp'))), message: /leaves the workspace/ },
  { name: 'a loop of links', make: (ws) => (link('q.tools.json', path.join(ws, 'mcp/p.tools.json')), link('p.tools.json', path.join(ws, 'mcp/q.tools.json'))), message: /^imported tool list `mcp\/p\.tools\.json`: cannot be read \(a loop of symbolic links\)$/ },
  { name: 'a FIFO', make: (ws) => execFileSync('mkfifo', [path.join(ws, 'mcp/p.tools.json')]), message: /^imported tool list `mcp\/p\.tools\.json`: not a regular file \(a FIFO\), not read$/ },
  { name: 'a folder', make: (ws) => fs.mkdirSync(path.join(ws, 'mcp/p.tools.json')), message: /^imported tool list `mcp\/p\.tools\.json`: not a regular file \(a folder\), not read$/ },
  { name: 'a tool list above the size limit', make: (ws) => sparse(path.join(ws, 'mcp/p.tools.json'), BIG), message: /^imported tool list `mcp\/p\.tools\.json`: file too large \(50 MB > 32 MB\), not read$/ },
];

describe('confinement: imports are read only inside the real workspace, regular and bounded', () => {
  for (const c of IMPORT_CASES) {
    it(`refuses ${c.name}, says so on the $import, and quotes nothing of it`, () => {
      const { ws, outside } = layout();
      c.make(ws, outside);
      const project = new Project(new FsHost(toCorePath(ws)));
      const file = toCorePath(path.join(ws, 'm.agents.yaml'));
      const diags = project.check(file).diagnostics;
      const at = diags.filter((d) => d.code === 'manifest-invalid' && d.range.start.line === 7);
      assert.equal(at.length, 1, JSON.stringify(diags, null, 1));
      assert.match(at[0]!.message, c.message);
      assert.ok(!JSON.stringify(diags).includes(SECRET) && !JSON.stringify(diags).includes('root:x'), 'a message quotes the file');
      assert.deepEqual(project.manifest(file)?.manifest?.tools.map((t) => t.name), []);
    });
  }

  it('still reads a tool list reached through a link that stays inside the workspace', () => {
    const { ws } = layout();
    fs.mkdirSync(path.join(ws, 'shared'));
    fs.writeFileSync(path.join(ws, 'shared', 'p.tools.json'), INSIDE_TOOLS);
    link('../shared/p.tools.json', path.join(ws, 'mcp/p.tools.json'));
    const project = new Project(new FsHost(toCorePath(ws)));
    const file = toCorePath(path.join(ws, 'm.agents.yaml'));
    assert.deepEqual(project.check(file).diagnostics.filter((d) => d.code === 'manifest-invalid'), []);
    assert.deepEqual(project.manifest(file)?.manifest?.tools.map((t) => t.name), ['inside_tool']);
  });

  const REFUSED = [
    { name: 'an import that climbs out of the workspace', import: '../outside/secret.tools.json', make: () => undefined },
    { name: 'an import through a link out of the workspace', import: 'mcp/p.tools.json', make: (ws: string, out: string) => link(path.join(out, 'secret.tools.json'), path.join(ws, 'mcp/p.tools.json')) },
  ];
  for (const c of REFUSED) {
    it(`never records nor reads again ${c.name}: the manifest stays cached`, () => {
      const { ws, outside } = layout();
      c.make(ws, outside);
      fs.writeFileSync(path.join(ws, 'm.agents.yaml'), MANIFEST.replace('mcp/p.tools.json', c.import));
      const reads = new Map<string, number>();
      // A spy on every way the core reads through its host.
      const host = new Proxy(new FsHost(toCorePath(ws)), {
        get(target, key) {
          const v: unknown = Reflect.get(target, key);
          if (typeof v !== 'function') return v;
          if (key !== 'read' && key !== 'readFile') return v.bind(target);
          return (p: string) => {
            reads.set(p, (reads.get(p) ?? 0) + 1);
            return (v as (p: string) => unknown).call(target, p);
          };
        },
      }) as ProjectHost;
      const project = new Project(host);
      const file = toCorePath(path.join(ws, 'm.agents.yaml'));
      const first = project.manifest(file);
      const refused = toCorePath(path.resolve(ws, c.import));
      const readsAtLoad = reads.get(refused) ?? 0;
      assert.ok(readsAtLoad <= 1, `read ${readsAtLoad} times to load`);
      assert.ok(first && ![...first.imports.keys()].includes(refused), 'the refused path is recorded as an import');
      for (let i = 0; i < 3; i++) assert.equal(project.manifest(file), first, 'the manifest was loaded again');
      project.check(file);
      assert.equal(reads.get(refused) ?? 0, readsAtLoad, 'the refused path was read again');
    });
  }
});

describe('confinement: files too large to read are reported, and the simulation fails closed', () => {
  const CLEAN_MANIFEST = 'version: 1\nnamespace: C\nagents:\n  bot: { roles: [r] }\nroles: [r]\ntools:\n  - name: read\n    annotations: { readOnlyHint: true }\n    inputSchema: { type: object }\n';
  const ALLOW = '@id("read")\npermit (principal == C::Agent::"bot", action == C::Action::"read", resource);\n';
  const CASES = [
    { name: 'an agent manifest', file: 'big.agents.yaml', code: 'manifest-invalid', message: 'this agent manifest: file too large (50 MB > 32 MB), not read' },
    { name: 'a policy file', file: 'policies/big.cedar', code: 'cedar-syntax', message: 'this policy file: file too large (50 MB > 32 MB), not read' },
    { name: 'the lint configuration', file: '.agent-policy.yaml', code: 'manifest-invalid', message: 'this lint configuration: file too large (50 MB > 32 MB), not read; the default lint configuration applies' },
  ];
  for (const c of CASES) {
    it(`reports ${c.name} above the size limit on its first line`, () => {
      const { ws } = layout();
      sparse(path.join(ws, c.file), BIG);
      const project = new Project(new FsHost(toCorePath(ws)));
      const file = toCorePath(path.join(ws, c.file));
      assert.ok(project.host.listFiles().includes(file));
      const diags = project.check(file).diagnostics.map((d) => ({ code: d.code, message: d.message, severity: d.severity, line: d.range.start.line, character: d.range.start.character }));
      assert.deepEqual(diags, [{ code: c.code, message: c.message, severity: 'error', line: 0, character: 0 }]);
    });
  }

  it('denies every call of a manifest one of whose policy files was not read', () => {
    const { ws } = layout();
    fs.writeFileSync(path.join(ws, 'm.agents.yaml'), CLEAN_MANIFEST);
    fs.mkdirSync(path.join(ws, 'policies'));
    fs.writeFileSync(path.join(ws, 'policies', 'allow.cedar'), ALLOW);
    const file = toCorePath(path.join(ws, 'm.agents.yaml'));
    const call = { agent: 'bot', tool: 'read', args: {}, context: {}, via: [] };
    assert.equal(new Project(new FsHost(toCorePath(ws))).simulate(file, call).decision, 'allow', 'the control call');
    sparse(path.join(ws, 'policies', 'forbids.cedar'), BIG);
    const r = new Project(new FsHost(toCorePath(ws))).simulate(file, call);
    assert.equal(r.decision, 'deny');
    assert.match(r.reason, /forbids\.cedar: file too large \(50 MB > 32 MB\), not read; without it the policy set cannot be evaluated safely/);
  });
});

describe('confinement: the workspace walk', () => {
  it('follows no link out of the root and ends on a cycle of links, listing each file once', () => {
    const { ws, outside } = layout();
    fs.writeFileSync(path.join(outside, 'out.cedar'), '');
    link(outside, path.join(ws, 'linked'));
    fs.mkdirSync(path.join(ws, 'sub'));
    fs.writeFileSync(path.join(ws, 'sub', 'in.cedar'), '');
    link('..', path.join(ws, 'sub', 'up'));
    link(path.join(outside, 'out.cedar'), path.join(ws, 'sub', 'link.cedar'));
    const rel = walkWorkspace(toCorePath(ws)).map((f) => path.relative(ws, f).split(path.sep).join('/'));
    assert.deepEqual(rel, ['m.agents.yaml', 'sub/in.cedar']);
  });
});

describe('confinement: Cedar schemas (a manifest\'s `schema: [...]`, a plain project\'s schema file)', () => {
  const OUTSIDE_SCHEMA = `namespace C { entity ${SECRET.replace(/-/g, '_')}; }\n`;

  it('refuses a manifest\'s schema entry linked out of the workspace, on the entry, quoting nothing of it', () => {
    const { ws, outside } = layout();
    fs.writeFileSync(path.join(outside, 'extra.cedarschema'), OUTSIDE_SCHEMA);
    link(path.join(outside, 'extra.cedarschema'), path.join(ws, 'extra.cedarschema'));
    fs.writeFileSync(path.join(ws, 'm.agents.yaml'), 'version: 1\nnamespace: C\nschema: [extra.cedarschema]\nagents:\n  bot: { roles: [] }\n');
    const project = new Project(new FsHost(toCorePath(ws)));
    const diags = project.check(toCorePath(path.join(ws, 'm.agents.yaml'))).diagnostics;
    const at = diags.filter((d) => d.code === 'manifest-invalid' && d.range.start.line === 2);
    assert.equal(at.length, 1, JSON.stringify(diags, null, 1));
    assert.match(at[0]!.message, /^import `extra\.cedarschema` leaves the workspace: its real path is outside the workspace folder, so it is not read$/);
    assert.ok(!JSON.stringify(diags).includes(SECRET.replace(/-/g, '_')));
    assert.ok(!project.manifest(toCorePath(path.join(ws, 'm.agents.yaml')))?.model?.text.includes(SECRET.replace(/-/g, '_')), 'the outside schema reached the generated one');
  });

  it('never reads a plain project\'s schema file linked out of the workspace', () => {
    const { ws, outside } = layout();
    fs.rmSync(path.join(ws, 'm.agents.yaml'));
    fs.writeFileSync(path.join(outside, 'p.cedarschema'), OUTSIDE_SCHEMA);
    link(path.join(outside, 'p.cedarschema'), path.join(ws, 'p.cedarschema'));
    fs.writeFileSync(path.join(ws, 'p.cedar'), '@id("p")\npermit (principal, action, resource) when { true };\n');
    const project = new Project(new FsHost(toCorePath(ws)));
    const diags = project.check(toCorePath(path.join(ws, 'p.cedar'))).diagnostics;
    // The walk follows no link, so the schema is not even listed: the file is checked for its syntax only.
    assert.equal(diags.length, 1, JSON.stringify(diags));
    assert.match(diags[0]!.message, /no Cedar schema .* was found/);
    assert.ok(!JSON.stringify(diags).includes(SECRET.replace(/-/g, '_')));
  });
});
