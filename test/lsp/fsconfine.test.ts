import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestClient, uriOf } from '../helpers/lspClient';

/** The language server reads only inside the real workspace folder, bounded; a loose file walks no tree (docs/security.md). */

const SECRET = 'SECRET-CONTENT-7f3a';
const OUTSIDE_TOOLS = JSON.stringify({ tools: [{ name: 'exfiltrate', description: SECRET, inputSchema: { type: 'object' } }] });
const MANIFEST = 'version: 1\nnamespace: C\nagents:\n  bot: { roles: [r] }\nroles: [r]\nservers:\n  p:\n    tools: { $import: mcp/p.tools.json }\n';
const INLINE = (policies: string) => `version: 1\nnamespace: C\npolicies: ["${policies}"]\nagents:\n  bot: { roles: [r] }\nroles: [r]\ntools:\n  - name: read\n    annotations: { readOnlyHint: true }\n    inputSchema: { type: object }\n`;
const POLICY = '@id("read")\npermit (principal == C::Agent::"bot", action == C::Action::"read", resource);\n';

describe('language server: confinement and bounded reads', function () {
  this.timeout(60000);
  const made: string[] = [];
  let client: TestClient | undefined;
  const temp = () => {
    const d = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'apol-lsp-confine-')));
    made.push(d);
    return d;
  };
  /** A workspace folder (marked by `.git`) and a folder beside it. */
  const layout = () => {
    const base = temp();
    const ws = path.join(base, 'ws');
    const outside = path.join(base, 'outside');
    fs.mkdirSync(path.join(ws, '.git'), { recursive: true });
    fs.mkdirSync(path.join(ws, 'mcp'));
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.tools.json'), OUTSIDE_TOOLS);
    return { ws, outside };
  };
  const start = async (ws: string) => {
    client = new TestClient(ws);
    await client.start();
    return client;
  };

  afterEach(async () => {
    await client?.stop();
    client = undefined;
  });
  after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it('refuses an import linked outside the workspace, on disk and when the link is open in the editor', async () => {
    const { ws, outside } = layout();
    const manifest = path.join(ws, 'm.agents.yaml');
    const linked = path.join(ws, 'mcp', 'p.tools.json');
    fs.writeFileSync(manifest, MANIFEST);
    fs.symlinkSync(path.join(outside, 'secret.tools.json'), linked);
    const c = await start(ws);
    const message = 'import `mcp/p.tools.json` leaves the workspace: its real path is outside the workspace folder, so it is not read';
    await c.waitForPublish(manifest, (p) => p.diagnostics.some((d) => d.message === message && d.range.start.line === 7));
    const schema = async () => (await c.conn.sendRequest('agentPolicy/schema', { uri: uriOf(manifest) })) as { schema?: string; error?: string };
    const before = await schema();
    assert.ok(!JSON.stringify(before).includes('exfiltrate'), JSON.stringify(before));
    // The editor opens the link and hands the server the outside text: refused all the same.
    const mark = c.published.length;
    await c.open(linked, OUTSIDE_TOOLS);
    const own = await c.waitForPublish(linked, () => true, mark);
    assert.deepEqual(own.diagnostics.map((d) => `${d.code} ${d.message}`), ['manifest-invalid this MCP tool list: its real path is outside the workspace folder, so it is not read']);
    const after = await schema();
    assert.ok(!JSON.stringify(after).includes('exfiltrate'), JSON.stringify(after));
    assert.ok(!JSON.stringify(c.published).includes(SECRET), 'a diagnostic quotes the outside file');
  });

  it('reports a manifest above the size limit instead of dropping it silently', async () => {
    const { ws } = layout();
    const big = path.join(ws, 'big.agents.yaml');
    fs.writeFileSync(big, '');
    fs.truncateSync(big, 50 * 1024 * 1024);
    const c = await start(ws);
    const p = await c.waitForPublish(big, (x) => x.diagnostics.length > 0);
    assert.deepEqual(
      p.diagnostics.map((d) => `${d.code} ${d.range.start.line}:${d.range.start.character} ${d.message}`),
      ['manifest-invalid 0:0 this agent manifest: file too large (50 MB > 32 MB), not read'],
    );
  });

  it('checks a loose file beside a deep tree of folders alone, at once, without the manifest planted deep in it', async () => {
    const { ws } = layout();
    const loose = path.join(temp(), 'loose');
    let deep = path.join(loose, 'tree');
    for (let i = 0; i < 150; i++) deep = path.join(deep, `d${i}`);
    fs.mkdirSync(deep, { recursive: true });
    fs.writeFileSync(path.join(deep, 'deep.agents.yaml'), INLINE(`${path.relative(deep, loose).split(path.sep).join('/')}/loose.cedar`));
    const file = path.join(loose, 'loose.cedar');
    fs.writeFileSync(file, POLICY);
    const c = await start(ws);
    const started = Date.now();
    await c.open(file, POLICY);
    const p = await c.waitForPublish(file, () => true);
    const s = (await c.conn.sendRequest('agentPolicy/schema', { uri: uriOf(file) })) as { manifestUri?: string; error?: string };
    const took = Date.now() - started;
    assert.deepEqual(p.diagnostics.map((d) => d.code), ['policy-not-covered']);
    assert.equal(s.manifestUri, undefined, 'the deep manifest was found');
    assert.ok(took < 10000, `took ${took} ms`);
  });

  it('checks a loose file with its folder when the folder is small', async () => {
    const { ws } = layout();
    const loose = path.join(temp(), 'loose');
    fs.mkdirSync(path.join(loose, 'policies'), { recursive: true });
    fs.writeFileSync(path.join(loose, 'm.agents.yaml'), INLINE('policies/*.cedar'));
    const file = path.join(loose, 'policies', 'loose.cedar');
    fs.writeFileSync(file, POLICY);
    const c = await start(ws);
    // Opened from its folder: the project is the folder, and the manifest in it covers the file.
    const manifest = path.join(loose, 'm.agents.yaml');
    await c.open(manifest, INLINE('policies/*.cedar'));
    await c.open(file, POLICY);
    const p = await c.waitForPublish(file, () => true);
    assert.deepEqual(p.diagnostics.map((d) => d.code), []);
  });
});
