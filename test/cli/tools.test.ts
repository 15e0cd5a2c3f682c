// `agent-policy tools pull|check|servers` against real MCP servers installed from npm (server-everything,
// server-filesystem) and one made with the SDK's server classes (pagination), all started from node_modules:
// no network, no mock of the protocol.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseToolList } from '../../server/src/core/manifest/toolList';
import { listToolsLive } from '../../server/src/node/mcp/client';
import { REPO } from '../helpers/memoryHost';
import { commandLine, EVERYTHING, FILESYSTEM, NODE, PAGED } from '../helpers/mcpServers';

const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 90_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workspace(files: Record<string, string> = {}): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-tools-')));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const MANIFEST = `# The agents of the test workspace
version: 1
namespace: T
roles: [ops]   # one role
agents:
  bot:
    roles: [ops]
    identity: { kind: workload, ttl: 10m }

servers:
  # written by hand
  local:
    description: a server declared inline
    tools:
      - name: noop
        annotations: { readOnlyHint: true }
`;

interface Pulled {
  serverInfo: { name: string; version: string };
  source: { command: string; args: string[] };
  tools: { name: string; annotations?: Record<string, boolean>; inputSchema?: { properties?: Record<string, unknown> } }[];
}

describe('CLI: agent-policy tools pull (real MCP servers)', function () {
  this.timeout(120_000);

  it('pulls server-everything over stdio into a tool list the manifest imports, keeping the manifest\'s comments', () => {
    const ws = workspace({ 'a.agents.yaml': MANIFEST });
    const r = run(['tools', 'pull', '--stdio', commandLine(NODE, EVERYTHING, 'stdio'), '--manifest', 'a.agents.yaml', '--format', 'json'], ws);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { server: string; tools: number; out: string; manifest: { change: string; import: string } };
    assert.equal(out.server, 'everything');
    assert.equal(out.out, 'mcp/everything.tools.json');
    assert.deepEqual(out.manifest, { file: 'a.agents.yaml', import: 'mcp/everything.tools.json', change: 'added' });
    const text = fs.readFileSync(path.join(ws, 'mcp', 'everything.tools.json'), 'utf8');
    const file = JSON.parse(text) as Pulled;
    assert.equal(file.serverInfo.name, 'mcp-servers/everything');
    assert.match(file.serverInfo.version, /^\d+\.\d+/);
    assert.deepEqual(file.source, { command: NODE, args: [EVERYTHING, 'stdio'] });
    assert.ok(file.tools.length >= 10 && file.tools.length === out.tools, `${file.tools.length} tools`);
    assert.ok(file.tools.some((t) => t.name === 'echo'));
    const names = file.tools.map((t) => t.name);
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(parseToolList(text).findings, []);
    // The manifest gained two lines and lost nothing; the project checks clean with the import.
    const manifest = fs.readFileSync(path.join(ws, 'a.agents.yaml'), 'utf8');
    assert.equal(manifest, `${MANIFEST}  everything:\n    tools: { $import: mcp/everything.tools.json }\n`);
    const check = run(['check', '.', '--format', 'json'], ws);
    const diags = (JSON.parse(check.stdout) as { diagnostics: { code: string; file: string }[] }).diagnostics;
    assert.deepEqual(diags.filter((d) => d.code === 'manifest-invalid'), [], check.stdout);
    // Pulling again writes the same bytes and leaves the manifest as it is.
    const again = run(['tools', 'pull', '--stdio', commandLine(NODE, EVERYTHING, 'stdio'), '--manifest', 'a.agents.yaml'], ws);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already imports mcp\/everything\.tools\.json/);
    assert.equal(fs.readFileSync(path.join(ws, 'mcp', 'everything.tools.json'), 'utf8'), text);
    assert.equal(fs.readFileSync(path.join(ws, 'a.agents.yaml'), 'utf8'), manifest);
  });

  it('pulls server-filesystem with a name and an output path of the user\'s choice', () => {
    const ws = workspace({ 'agents/a.agents.yaml': MANIFEST, 'data/readme.txt': 'hello' });
    const r = run(['tools', 'pull', '--stdio', commandLine(NODE, FILESYSTEM, path.join(ws, 'data')), '--name', 'files', '--out', 'servers/fs.tools.json', '--manifest', 'agents/a.agents.yaml'], ws);
    assert.equal(r.code, 0, r.stderr);
    // --out is relative to the manifest's folder, the import relative to the manifest.
    const file = JSON.parse(fs.readFileSync(path.join(ws, 'agents', 'servers', 'fs.tools.json'), 'utf8')) as Pulled;
    assert.equal(file.serverInfo.name, 'secure-filesystem-server');
    // A path inside the workspace is recorded relative to where the command ran: the list works in any clone.
    assert.deepEqual(file.source, { command: NODE, args: [FILESYSTEM, './data'] });
    const sub = run(['tools', 'pull', '--stdio', commandLine(NODE, FILESYSTEM, path.join(ws, 'data')), '--out', 'sub.tools.json'], path.join(ws, 'agents'));
    assert.equal(sub.code, 0, sub.stderr);
    assert.deepEqual((JSON.parse(fs.readFileSync(path.join(ws, 'agents', 'sub.tools.json'), 'utf8')) as Pulled).source, { command: NODE, args: [FILESYSTEM, '../data'], cwd: 'agents' });
    const write = file.tools.find((t) => t.name === 'write_file');
    assert.equal(write?.annotations?.destructiveHint, true);
    assert.ok(file.tools.find((t) => t.name === 'read_text_file')?.inputSchema?.properties?.path);
    assert.match(fs.readFileSync(path.join(ws, 'agents', 'a.agents.yaml'), 'utf8'), /\n {2}files:\n {4}tools: \{ \$import: servers\/fs\.tools\.json \}\n$/);
  });

  it('follows tools/list pagination to the last page', () => {
    const ws = workspace();
    const r = run(['tools', 'pull', '--stdio', commandLine(NODE, PAGED, '--tools', '8', '--page-size', '3'), '--format', 'json'], ws);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { tools: number; pages: number; server: string };
    assert.deepEqual([out.tools, out.pages, out.server], [8, 3, 'paged-test-server']);
    const file = JSON.parse(fs.readFileSync(path.join(ws, 'mcp', 'paged-test-server.tools.json'), 'utf8')) as Pulled;
    assert.deepEqual(file.tools.map((t) => t.name), ['tool_00', 'tool_01', 'tool_02', 'tool_03', 'tool_04', 'tool_05', 'tool_06', 'tool_07']);
    assert.deepEqual(file.serverInfo, { name: 'paged-test-server', version: '1.2.3' });
  });

  it('pulls over streamable HTTP from server-everything on 127.0.0.1', async () => {
    const port = await freePort();
    const server = spawn(NODE, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
    try {
      await new Promise<void>((resolve, reject) => {
        let seen = '';
        const t = setTimeout(() => reject(new Error(`server-everything did not start: ${seen}`)), 30_000);
        server.stderr!.on('data', (d: Buffer) => {
          seen += d.toString();
          if (/listening on port/i.test(seen)) {
            clearTimeout(t);
            resolve();
          }
        });
        server.on('exit', () => reject(new Error(`server-everything exited: ${seen}`)));
      });
      const ws = workspace();
      const r = await runAsync(['tools', 'pull', '--http', `http://127.0.0.1:${port}/mcp`, '--name', 'remote'], ws);
      assert.equal(r.code, 0, r.stderr);
      const file = JSON.parse(fs.readFileSync(path.join(ws, 'mcp', 'remote.tools.json'), 'utf8')) as { source: unknown; tools: unknown[] };
      assert.deepEqual(file.source, { url: `http://127.0.0.1:${port}/mcp` });
      assert.ok(file.tools.length >= 10);
    } finally {
      server.kill('SIGKILL');
    }
  });

  it('says clearly when the command does not exist, the server exits at once, or it does not answer in time — and writes nothing', () => {
    const ws = workspace({ 'a.agents.yaml': MANIFEST });
    const missing = run(['tools', 'pull', '--stdio', 'no-such-mcp-server-xyz --flag', '--manifest', 'a.agents.yaml'], ws);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /command not found: `no-such-mcp-server-xyz`/);
    const exits = run(['tools', 'pull', '--stdio', commandLine(NODE, '-e', 'console.error("Error: missing configuration"); process.exit(3)')], ws);
    assert.equal(exits.code, 2);
    assert.match(exits.stderr, /exited before answering \(its last words: Error: missing configuration\)/);
    const started = Date.now();
    const hangs = run(['tools', 'pull', '--stdio', commandLine(NODE, '-e', 'setInterval(() => {}, 1000)'), '--timeout', '1.5'], ws);
    assert.equal(hangs.code, 2);
    assert.match(hangs.stderr, /did not answer within 1\.5 s/);
    assert.ok(Date.now() - started < 15_000, `the timeout took ${Date.now() - started} ms`);
    assert.ok(!fs.existsSync(path.join(ws, 'mcp')), 'a tool list was written');
    assert.equal(fs.readFileSync(path.join(ws, 'a.agents.yaml'), 'utf8'), MANIFEST);
    // Usage errors.
    assert.equal(run(['tools', 'pull'], ws).code, 2);
    assert.equal(run(['tools', 'pull', '--stdio', 'node "unclosed'], ws).code, 2);
    assert.equal(run(['tools', 'pull', '--stdio', 'node x', '--out', 'x.json'], ws).code, 2);
    assert.equal(run(['tools', 'pull', '--stdio', 'node x', '--timeout', 'soon'], ws).code, 2);
  });

  it('never writes outside the workspace, not even through a symbolic link', () => {
    const ws = workspace();
    const outside = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-outside-')));
    fs.symlinkSync(outside, path.join(ws, 'linked'));
    for (const out of ['../escape.tools.json', 'linked/x.tools.json', path.join(outside, 'abs.tools.json')]) {
      const r = run(['tools', 'pull', '--stdio', commandLine(NODE, PAGED), '--out', out], ws);
      assert.equal(r.code, 2, `${out}: ${r.stdout}`);
      assert.match(r.stderr, /outside the workspace/);
    }
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.ok(!fs.existsSync(path.join(path.dirname(ws), 'escape.tools.json')));
  });

  it('starts a server of .vscode/mcp.json with its environment, and never prints its values', () => {
    const secret = 'sk-live-do-not-print-0123456789';
    const ws = workspace({
      '.vscode/mcp.json': JSON.stringify({
        servers: {
          paged: { command: NODE, args: [PAGED], env: { TOOLS: '2', API_TOKEN: secret } },
          leaky: { type: 'stdio', command: NODE, args: ['-e', 'console.error("Error: bad token " + process.env.API_TOKEN); process.exit(1)'], env: { API_TOKEN: secret } },
          asks: { command: NODE, args: [PAGED], env: { API_TOKEN: '${input:token}' } },
        },
      }),
    });
    const list = run(['tools', 'servers', '--format', 'json'], ws);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as { servers: { name: string }[] }).servers.map((s) => s.name), ['paged', 'leaky', 'asks']);
    const ok = run(['tools', 'pull', '--mcp-json', 'paged'], ws);
    assert.equal(ok.code, 0, ok.stderr);
    const file = fs.readFileSync(path.join(ws, 'mcp', 'paged.tools.json'), 'utf8');
    assert.equal((JSON.parse(file) as { tools: unknown[] }).tools.length, 2);
    assert.deepEqual((JSON.parse(file) as { source: unknown }).source, { mcpJson: 'paged' });
    const leaky = run(['tools', 'pull', '--mcp-json', 'leaky'], ws);
    assert.equal(leaky.code, 2);
    assert.match(leaky.stderr, /exited before answering.*\[redacted\]/);
    const asks = run(['tools', 'pull', '--mcp-json', 'asks'], ws);
    assert.equal(asks.code, 2);
    assert.match(asks.stderr, /needs the input `token`/);
    const answered = run(['tools', 'pull', '--mcp-json', 'asks'], ws, { AGENT_POLICY_MCP_INPUTS: JSON.stringify({ token: secret }) });
    assert.equal(answered.code, 0, answered.stderr);
    // `tools check` reaches the server through .vscode/mcp.json again, environment included.
    fs.writeFileSync(path.join(ws, 'a.agents.yaml'), 'version: 1\nservers:\n  paged:\n    tools: { $import: mcp/paged.tools.json }\n');
    const checked = run(['tools', 'check', '--fail-on', 'drift', '--format', 'json'], ws);
    assert.equal(checked.code, 0, checked.stdout + checked.stderr);
    assert.deepEqual((JSON.parse(checked.stdout) as { servers: { status: string; source: string }[] }).servers.map((x) => `${x.status} ${x.source}`), ['same `paged` of .vscode/mcp.json']);
    for (const r of [list, ok, leaky, asks, answered, checked]) assert.ok(!`${r.stdout}${r.stderr}`.includes(secret), `a secret was printed: ${r.stdout}${r.stderr}`);
    for (const f of fs.readdirSync(path.join(ws, 'mcp'))) assert.ok(!fs.readFileSync(path.join(ws, 'mcp', f), 'utf8').includes(secret), `${f} holds a secret`);
  });
});

describe('MCP client: the server process never outlives the exchange', function () {
  this.timeout(60_000);

  it('after a listing, a timeout and an early exit, the process is gone', async () => {
    const pids: number[] = [];
    const ok = await listToolsLive({ kind: 'stdio', command: NODE, args: [EVERYTHING, 'stdio'], cwd: os.tmpdir() }, { timeoutMs: 30_000, onSpawn: (p) => pids.push(p) });
    assert.ok(ok.ok && ok.tools.length >= 10, JSON.stringify(ok).slice(0, 300));
    // A server that ignores stdin closing and SIGTERM: only SIGKILL ends it.
    const stubborn = 'process.on("SIGTERM", () => {}); process.stdin.on("end", () => {}); setInterval(() => {}, 1000)';
    const hung = await listToolsLive({ kind: 'stdio', command: NODE, args: ['-e', stubborn], cwd: os.tmpdir() }, { timeoutMs: 1000, onSpawn: (p) => pids.push(p) });
    assert.ok(!hung.ok && hung.reason === 'timeout');
    const exited = await listToolsLive({ kind: 'stdio', command: NODE, args: ['-e', 'process.exit(0)'], cwd: os.tmpdir() }, { timeoutMs: 10_000 });
    assert.ok(!exited.ok && exited.reason === 'exited', JSON.stringify(exited));
    assert.equal(pids.length, 2);
    for (const p of pids) assert.ok(!alive(p), `server process ${p} is still running`);
  });

  it('refuses what is not an http(s) URL, and says when nothing answers', async () => {
    const file = await listToolsLive({ kind: 'http', url: 'file:///etc/passwd' }, { timeoutMs: 5000 });
    assert.ok(!file.ok && file.reason === 'refused');
    const port = await freePort();
    const none = await listToolsLive({ kind: 'http', url: `http://127.0.0.1:${port}/mcp?token=abc` }, { timeoutMs: 10_000 });
    assert.ok(!none.ok, JSON.stringify(none));
    assert.ok(!none.message.includes('token=abc'), none.message);
  });
});

describe('CLI: agent-policy tools check (drift against real servers)', function () {
  this.timeout(180_000);

  const policies = [
    '@id("read-docs")',
    'permit (principal == T::Agent::"bot", action == T::Action::"read_text_file", resource)',
    'when { context.input.path like "docs/*" };',
    '',
    '@id("ops-any-file-tool")',
    'permit (principal in T::Role::"ops", action, resource == T::McpServer::"files");',
    '',
    '@id("legacy")',
    'permit (principal == T::Agent::"bot", action == T::Action::"legacy_export", resource);',
    '',
  ].join('\n');

  function pulledWorkspace(): string {
    const ws = workspace({
      'a.agents.yaml': `${MANIFEST}scenarios:\n  - name: bot exports\n    agent: bot\n    tool: legacy_export\n    args: {}\n    context: {}\n    expect: allow\n`,
      'policies/files.cedar': policies,
      'data/x.txt': 'x',
    });
    const r = run(['tools', 'pull', '--stdio', commandLine(NODE, FILESYSTEM, path.join(ws, 'data')), '--name', 'files', '--manifest', 'a.agents.yaml'], ws);
    assert.equal(r.code, 0, r.stderr);
    return ws;
  }

  it('finds no drift right after a pull', () => {
    const ws = pulledWorkspace();
    // Without legacy_export the scenario and the `legacy` permit name an unknown tool: that is the manifest's own business.
    const r = run(['tools', 'check', '--fail-on', 'drift', '--format', 'json'], ws);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { servers: { server: string; status: string }[]; summary: { drifted: number; skipped: number } };
    assert.deepEqual(out.servers.map((s) => `${s.server}:${s.status}`), ['files:same']);
  });

  it('reports a tool added (a destructive one a wildcard permit allows), removed, and an argument retyped, with the policies and scenarios they touch', () => {
    const ws = pulledWorkspace();
    const listFile = path.join(ws, 'mcp', 'files.tools.json');
    const list = JSON.parse(fs.readFileSync(listFile, 'utf8')) as Pulled & { tools: Record<string, unknown>[] };
    // Doctor the imported list as if it had been pulled from an older server: without write_file, with a
    // legacy_export the server dropped since, and read_text_file's path an integer.
    list.tools = list.tools.filter((t) => t.name !== 'write_file');
    list.tools.push({ name: 'legacy_export', annotations: { readOnlyHint: true }, inputSchema: { type: 'object', properties: {} } });
    const read = list.tools.find((t) => t.name === 'read_text_file') as { inputSchema: { properties: Record<string, { type: string }> } };
    read.inputSchema.properties.path = { type: 'integer' };
    fs.writeFileSync(listFile, JSON.stringify(list, null, 2));

    const r = run(['tools', 'check', '--format', 'json', '--fail-on', 'finding'], ws);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as {
      servers: { server: string; status: string; added: { name: string; destructive: boolean; coveredBy: string[] }[]; removed: { name: string; policies: string[]; scenarios: string[] }[]; changed: { name: string; policies: string[]; args: { path: string[]; change: string }[] }[]; findings: { severity: string; tool: string; message: string; file?: string; range?: unknown }[] }[];
      newDiagnostics: { file: string; code: string }[];
      summary: { drifted: number; findings: Record<string, number> };
    };
    const s = out.servers[0]!;
    assert.equal(s.status, 'drift');
    assert.deepEqual(s.added, [{ name: 'write_file', destructive: true, coveredBy: ['ops-any-file-tool'] }]);
    assert.deepEqual(s.removed, [{ name: 'legacy_export', policies: ['legacy'], scenarios: ['bot exports'] }]);
    assert.deepEqual(s.changed.map((c) => [c.name, c.policies, c.args.map((a) => `${a.change} ${a.path.join('.')}`)]), [['read_text_file', ['read-docs'], ['retyped path']]]);
    const warning = s.findings.find((f) => f.severity === 'warning' && f.tool === 'write_file')!;
    assert.match(warning.message, /new destructive tool `write_file` is already allowed by permit `ops-any-file-tool`/);
    assert.equal(warning.file, 'policies/files.cedar');
    assert.ok(s.findings.some((f) => f.severity === 'error' && f.tool === 'legacy_export' && f.file === 'a.agents.yaml'));
    assert.ok(s.findings.some((f) => f.severity === 'error' && f.tool === 'read_text_file' && /read-docs/.test(f.message)));
    // What the project would report with the live list and does not now: the legacy tool is unknown.
    assert.ok(out.newDiagnostics.some((d) => d.code === 'cedar-validation' && d.file === 'policies/files.cedar'), JSON.stringify(out.newDiagnostics));
    assert.ok(out.newDiagnostics.some((d) => d.code === 'unknown-reference' && d.file === 'a.agents.yaml'), JSON.stringify(out.newDiagnostics));
    // Without --fail-on the check reports and exits 0; pretty output names the server and each change.
    const pretty = run(['tools', 'check'], ws);
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /server `files` \(mcp\/files\.tools\.json\).*1 added, 1 removed, 1 changed/);
    assert.match(pretty.stdout, /\+ write_file {2}destructive {2}covered by ops-any-file-tool/);
    assert.match(pretty.stdout, /− legacy_export {2}named by legacy, scenario "bot exports"/);
    assert.equal(run(['tools', 'check', '--fail-on', 'drift'], ws).code, 1);
  });

  it('skips a list that records no source, and exits 2 when a recorded server cannot be started', () => {
    const ws = workspace({
      'a.agents.yaml': `${MANIFEST}  old:\n    tools: { $import: mcp/old.tools.json }\n  gone:\n    tools: { $import: mcp/gone.tools.json }\n`,
      'mcp/old.tools.json': '{"tools": [{"name": "x"}]}',
      'mcp/gone.tools.json': '{"source": {"command": "no-such-mcp-server-xyz", "args": []}, "tools": [{"name": "y"}]}',
    });
    const r = run(['tools', 'check', '--format', 'json'], ws);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { servers: { server: string; status: string; message: string }[] };
    assert.deepEqual(out.servers.map((s) => `${s.server}:${s.status}`), ['old:skipped', 'gone:error']);
    assert.match(out.servers[1]!.message, /command not found/);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function runAsync(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
