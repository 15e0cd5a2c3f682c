import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';

const CLI = path.join(REPO, 'dist', 'cli.js');
const EXAMPLES = path.join(REPO, 'examples');

function run(args: string[], cwd = EXAMPLES) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonCell {
  agent: string;
  via?: string;
  tool: string;
  server: string;
  access: string;
  condition?: string;
  permits: string[];
  forbids: string[];
  destructive: boolean;
  failOpenRisk: boolean;
}

function tempWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-access-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('CLI: agent-policy access', () => {
  it('prints the JSON of DESIGN.md: one cell per agent x tool (and per delegation), with the fields it names', () => {
    const r = run(['access', 'acme.agents.yaml', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { version: number; manifest: string; cells: JsonCell[] };
    assert.equal(out.version, 1);
    assert.equal(out.manifest, 'acme.agents.yaml');
    const direct = out.cells.filter((c) => !c.via);
    // 3 agents x 10 tools.
    assert.equal(direct.length, 30);
    assert.equal(new Set(direct.map((c) => `${c.agent}|${c.tool}`)).size, 30);
    for (const c of out.cells) {
      assert.ok(['always', 'conditional', 'never'].includes(c.access));
      assert.equal(c.condition !== undefined, c.access === 'conditional', `${c.agent} ${c.tool}`);
      assert.ok(Array.isArray(c.permits) && Array.isArray(c.forbids));
      assert.equal(typeof c.destructive, 'boolean');
      assert.equal(typeof c.failOpenRisk, 'boolean');
    }
    const refund = direct.find((c) => c.agent === 'support-bot' && c.tool === 'issue_refund')!;
    assert.deepEqual([refund.access, refund.permits, refund.destructive, refund.failOpenRisk], ['conditional', ['support-refund-small'], true, true]);
    assert.ok(out.cells.some((c) => c.via === 'support-bot' && c.agent === 'refund-agent'));
  });

  it('filters by agent, server and destructive tools', () => {
    const all = (JSON.parse(run(['access', 'acme.agents.yaml', '-f', 'json']).stdout) as { cells: JsonCell[] }).cells;
    const r = run(['access', 'acme.agents.yaml', '-f', 'json', '--agent', 'ops-agent', '--server', 'infra', '--destructive']);
    assert.equal(r.code, 0, r.stderr);
    const cells = (JSON.parse(r.stdout) as { cells: JsonCell[] }).cells;
    const expected = all.filter((c) => (c.agent === 'ops-agent' || c.via === 'ops-agent') && c.server === 'infra' && c.destructive);
    assert.ok(expected.length > 0);
    assert.deepEqual(cells, expected);
  });

  it('prints CSV (one row per cell), a Markdown PR comment and a text summary per agent', () => {
    const json = (JSON.parse(run(['access', 'acme.agents.yaml', '-f', 'json']).stdout) as { cells: JsonCell[] }).cells;
    const csv = run(['access', 'acme.agents.yaml', '-f', 'csv']);
    assert.equal(csv.code, 0);
    const rows = csv.stdout.trimEnd().split('\r\n');
    assert.equal(rows[0], 'agent,via,tool,server,access,destructive,failOpenRisk,condition,permits,forbids,reason');
    assert.equal(rows.length, json.length + 1);
    const md = run(['access', 'acme.agents.yaml', '-f', 'markdown']);
    assert.equal(md.code, 0);
    assert.match(md.stdout, /^### Agent access — `acme\.agents\.yaml`/);
    assert.match(md.stdout, /\| tool \| server \| access \| condition \| policies \|/);
    const pretty = run(['access', 'acme.agents.yaml', '--agent', 'support-bot']);
    assert.equal(pretty.code, 0);
    assert.match(pretty.stdout, /^support-bot {2}10 tools: 0 always, 6 conditional, 4 never/m);
    assert.match(pretty.stdout, /when context\.session\.purpose == "support" && context\.input\.amount <= 50/);
  });

  it('exits 2 for an unknown agent, a bad format or several manifests, and 1 for a manifest without a schema', () => {
    assert.equal(run(['access', 'acme.agents.yaml', '--agent', 'suport-bot']).code, 2);
    assert.match(run(['access', 'acme.agents.yaml', '--agent', 'suport-bot']).stderr, /did you mean `support-bot`/);
    assert.equal(run(['access', 'acme.agents.yaml', '-f', 'xml']).code, 2);
    assert.equal(run(['access', '.']).code, 2);
    const dir = tempWorkspace({ 'x.agents.yaml': 'version: 1\nagents: [\n' });
    assert.equal(run(['access'], dir).code, 1);
  });

  it('redacts literals compared with sensitive arguments, in every format', () => {
    const dir = tempWorkspace({
      'a.agents.yaml':
        'version: 1\nnamespace: S\nroles: [r]\nagents:\n  bot: { roles: [r] }\ntools:\n  - name: login\n    annotations: { readOnlyHint: true }\n    inputSchema: { type: object, properties: { user: { type: string }, token: { type: string, writeOnly: true } }, required: [user, token] }\n',
      'p.cedar': '@id("only-known-token")\npermit (principal in S::Role::"r", action == S::Action::"login", resource)\nwhen { context.input.token == "tok-SECRET-1234" && context.input.user == "ann" };\n',
    });
    for (const f of ['pretty', 'json', 'markdown', 'csv']) {
      const r = run(['access', '-f', f], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /tok-SECRET-1234/, f);
      assert.match(r.stdout, /\[redacted\]/, f);
      assert.match(r.stdout, /context\.input\.user == [\\"]*ann/, f);
    }
  });
});
