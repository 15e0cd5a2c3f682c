import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { documentedMistakes } from '../helpers/examples';
import { FIXTURES, REPO } from '../helpers/memoryHost';
import { rangeProblem } from '../helpers/validRange';

const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface JsonReport {
  version: number;
  diagnostics: { file: string; severity: string; code: string; message: string; range: { start: { line: number; character: number }; end: { line: number; character: number } }; policyId?: string }[];
  summary: Record<string, number>;
}

function tempWorkspace(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apol-cli-'));
  fs.mkdirSync(path.join(dir, '.git')); // a workspace root marker
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

const CLEAN_MANIFEST = 'version: 1\nnamespace: C\nagents:\n  bot: { roles: [r] }\nroles: [r]\ntools:\n  - name: read\n    annotations: { readOnlyHint: true }\n    inputSchema: { type: object, properties: { id: { type: string } }, required: [id] }\n';
const CLEAN_POLICY = '@id("read")\npermit (principal == C::Agent::"bot", action == C::Action::"read", resource)\nwhen { context.input.id like "doc-*" };\n';

describe('CLI: agent-policy check', () => {
  it('reports exactly the mistakes examples/README.md documents, as JSON with 0-based UTF-16 ranges', () => {
    const r = run(['check', 'examples', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.version, 1);
    const actual = report.diagnostics
      .map((d) => `${d.file} ${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1} ${d.severity} ${d.code}`)
      .sort();
    const expected = documentedMistakes().map((m) => `examples/${m.file} ${m.range} ${m.severity} ${m.code}`).sort();
    assert.deepEqual(actual, expected);
    assert.equal(report.summary.error, report.diagnostics.filter((d) => d.severity === 'error').length);
    const amout = report.diagnostics.find((d) => d.message.includes('amout'))!;
    assert.equal(amout.policyId, 'refund-large-needs-approval');
  });

  it('prints paths relative to the current folder', () => {
    const r = run(['check', '.', '--format', 'json'], path.join(REPO, 'examples', 'policies'));
    const files = new Set((JSON.parse(r.stdout) as JsonReport).diagnostics.map((d) => d.file));
    assert.ok(files.has('ops.cedar') && files.has('refunds.cedar'), [...files].join(','));
    // The manifest above the folder still covers it: validation errors, not "not covered".
    assert.ok(!(JSON.parse(r.stdout) as JsonReport).diagnostics.some((d) => d.code === 'policy-not-covered'));
  });

  it('counts UTF-16 code units in JSON ranges', () => {
    const r = run(['check', path.join(FIXTURES, 'check', 'non-ascii'), '--format', 'json']);
    const d = (JSON.parse(r.stdout) as JsonReport).diagnostics.find((x) => x.message.includes('ordr'))!;
    assert.deepEqual(d.range, { start: { line: 6, character: 84 }, end: { line: 6, character: 102 } });
  });

  it('gives valid ranges in every format, for CRLF files and characters outside the BMP', () => {
    // A YAML error whose position splits a surrogate pair, a Cedar error on one, a first-line span in CRLF.
    const files = {
      'c.agents.yaml': 'version: 1\r\nnamespace: C\r\nroles: !\u{1F600} x\r\n',
      'p.cedar': 'permit (principal, action, resource);\r\n\u{1F600}',
      'n.agents.yaml': '- not\r\n- a mapping\r\n',
    };
    const dir = tempWorkspace(files);
    const text = (rel: string) => files[rel as keyof typeof files];
    const checked: string[] = [];
    const json = JSON.parse(run(['check', '--format', 'json'], dir).stdout) as JsonReport;
    for (const d of json.diagnostics) checked.push(`json ${d.file} ${rangeProblem(text(d.file), d.range) ?? 'ok'}`);
    const sarif = JSON.parse(run(['check', '--format', 'sarif'], dir).stdout) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number; endLine: number; endColumn: number } } }[] }[] }[];
    };
    for (const res of sarif.runs[0]!.results) {
      const { artifactLocation, region: g } = res.locations[0]!.physicalLocation;
      const range = { start: { line: g.startLine - 1, character: g.startColumn - 1 }, end: { line: g.endLine - 1, character: g.endColumn - 1 } };
      checked.push(`sarif ${artifactLocation.uri} ${rangeProblem(text(artifactLocation.uri), range) ?? 'ok'}`);
    }
    for (const line of run(['check', '--format', 'github'], dir).stdout.split('\n').filter((l) => l.startsWith('::'))) {
      const p = Object.fromEntries([...line.matchAll(/(file|line|endLine|col|endColumn)=([^,:]+)/g)].map((m) => [m[1]!, m[2]!]));
      const range = { start: { line: Number(p.line) - 1, character: Number(p.col) - 1 }, end: { line: Number(p.endLine) - 1, character: Number(p.endColumn) - 1 } };
      checked.push(`github ${p.file} ${rangeProblem(text(p.file!), range) ?? 'ok'}`);
    }
    assert.ok(checked.length >= 9, checked.join('\n'));
    assert.deepEqual(checked.filter((c) => !c.endsWith(' ok')), []);
  });

  it('exits 0 on a clean workspace and prints a pretty summary', () => {
    const dir = tempWorkspace({ 'c.agents.yaml': CLEAN_MANIFEST, 'p.cedar': CLEAN_POLICY });
    const r = run(['check'], dir);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /no problems/);
  });

  it('honours --fail-level', () => {
    // A policy file no manifest covers yields one info diagnostic and nothing else.
    const dir = tempWorkspace({ 'loose.cedar': '@id("a")\npermit (principal == X::Agent::"a", action == X::Action::"t", resource) when { context.input.n == 1 };\n' });
    assert.equal(run(['check'], dir).code, 0);
    assert.equal(run(['check', '--fail-level', 'info'], dir).code, 1);
    assert.equal(run(['check', '--fail-level', 'warning'], dir).code, 0);
  });

  it('exits 2 on usage errors and unreadable input', () => {
    assert.equal(run(['check', 'no/such/folder']).code, 2);
    assert.equal(run(['check', '--format', 'xml', 'examples']).code, 2);
    assert.equal(run(['check', '--bogus']).code, 2);
    assert.equal(run(['frobnicate']).code, 2);
    assert.equal(run(['check', 'README.md']).code, 2);
    const r = run(['check', 'no/such/folder']);
    assert.match(r.stderr, /no such file or folder/);
  });

  it('prints the pretty format with file headers, positions, codes and a summary', () => {
    const r = run(['check', 'examples']);
    assert.match(r.stdout, /^examples\/policies\/refunds\.cedar$/m);
    assert.match(r.stdout, /30:8\s+error\s+attribute `input\.amout`.*cedar-validation/);
    assert.match(r.stdout, /help: did you mean `amount`\?/);
    assert.match(r.stdout, /✖ \d+ problems? \(\d+ errors?/);
  });
});

describe('CLI: agent-policy schema', () => {
  it('prints the generated Cedar schema of a manifest', () => {
    const r = run(['schema', 'examples/acme.agents.yaml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /namespace Acme \{/);
    assert.match(r.stdout, /action "kb\.search" in \[Action::"call_tool"\]/);
  });

  it('fails clearly when the manifest cannot produce a schema, or there is none', () => {
    const dir = tempWorkspace({ 'bad.agents.yaml': 'version: 1\nagents: [\n' });
    const r = run(['schema'], dir);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /fix its errors first/);
    const empty = tempWorkspace({ 'x.cedar': '' });
    assert.equal(run(['schema'], empty).code, 2);
  });
});

describe('CLI: output formats (golden files)', () => {
  const ws = path.join(FIXTURES, 'golden', 'ws');
  const golden = (name: string) => fs.readFileSync(path.join(FIXTURES, 'golden', name), 'utf8');
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

  for (const [format, file] of [
    ['json', 'check.json'],
    ['sarif', 'check.sarif'],
    ['github', 'check.github.txt'],
    ['pretty', 'check.pretty.txt'],
  ] as const) {
    it(`--format ${format} prints exactly ${file}`, () => {
      const r = run(['check', '--format', format], ws);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, golden(file));
    });
  }

  it('SARIF lists every rule with its help URI and gives UTF-16, 1-based regions', () => {
    const sarif = JSON.parse(golden('check.sarif')) as {
      version: string;
      runs: { tool: { driver: { version: string; rules: { id: string; helpUri: string }[] } }; columnKind: string; results: { ruleId: string; ruleIndex: number; level: string; locations: { physicalLocation: { region: { startLine: number; startColumn: number } } }[] }[] }[];
    };
    assert.equal(sarif.version, '2.1.0');
    const run0 = sarif.runs[0]!;
    assert.equal(run0.tool.driver.version, version);
    assert.equal(run0.columnKind, 'utf16CodeUnits');
    for (const r of run0.tool.driver.rules) assert.match(r.helpUri, new RegExp(`/docs/rules/${r.id}\\.md$`));
    for (const res of run0.results) assert.equal(run0.tool.driver.rules[res.ruleIndex]!.id, res.ruleId);
    assert.deepEqual(new Set(run0.results.map((r) => r.level)), new Set(['warning', 'note', 'error']));
  });
});

describe('CLI: plain Cedar projects (policies.cedar + policies.cedarschema, no manifest)', () => {
  const schema = fs.readFileSync(path.join(REPO, 'examples', 'plain-cedar', 'policies.cedarschema'), 'utf8');
  const policies = fs.readFileSync(path.join(REPO, 'examples', 'plain-cedar', 'policies.cedar'), 'utf8');

  it('validates against the schema beside the policies: the `resource.ownr` typo fails with exit 1 and Cedar\'s message', () => {
    const dir = tempWorkspace({ 'policies.cedar': policies, 'policies.cedarschema': schema });
    const r = run(['check', '--format', 'json'], dir);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(
      report.diagnostics.map((d) => `${d.file} ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.code} ${d.message.split('\n')[0]}`),
      ['policies.cedar 26:8 cedar-validation attribute `ownr` on entity type `PhotoApp::Photo` not found'],
    );
    // Fixed, it is clean: exit 0, and no agent advice on plain Cedar.
    fs.writeFileSync(path.join(dir, 'policies.cedar'), policies.replace('resource.ownr', 'resource.owner'));
    const ok = run(['check', '--format', 'json', '--fail-level', 'info'], dir);
    assert.equal(ok.code, 0, ok.stdout);
  });

  it('checks the schema file itself, in both forms, with exact ranges', () => {
    const dir = tempWorkspace({
      'text/policies.cedarschema': '// Schéma 🦤\nentity User { "é": Strng };\n',
      'json/cedarschema.json': '{ "": { "entityTypes": { "User": {} }, "actions": {} }, }\n',
    });
    const r = run(['check', '--format', 'json'], dir);
    assert.equal(r.code, 1);
    const lines = (JSON.parse(r.stdout) as JsonReport).diagnostics.map((d) => `${d.file} ${d.range.start.line + 1}:${d.range.start.character + 1}-${d.range.end.line + 1}:${d.range.end.character + 1} ${d.code}`).sort();
    assert.deepEqual(lines, ['json/cedarschema.json 1:57-1:58 cedar-schema', 'text/policies.cedarschema 2:20-2:25 cedar-schema']);
  });

  it('--schema chooses the schema when the folder has none, and a schema outside the workspace is not read', () => {
    const dir = tempWorkspace({ 'policies.cedar': policies, 'schemas/photo.cedarschema': schema });
    const plain = run(['check', 'policies.cedar', '--format', 'json', '--fail-level', 'info'], dir);
    assert.match(plain.stdout, /no Cedar schema/);
    const chosen = run(['check', 'policies.cedar', '--format', 'json', '--schema', 'schemas/photo.cedarschema'], dir);
    assert.equal(chosen.code, 1);
    assert.match(chosen.stdout, /attribute `ownr` on entity type `PhotoApp::Photo` not found/);
    const outside = tempWorkspace({ 'secret.cedarschema': schema });
    const refused = run(['check', 'policies.cedar', '--format', 'json', '--fail-level', 'info', '--schema', path.join(outside, 'secret.cedarschema')], dir);
    const report = JSON.parse(refused.stdout) as JsonReport;
    assert.equal(report.diagnostics.length, 1);
    assert.match(report.diagnostics[0]!.message, /was not read: its real path is outside the workspace folder/);
    assert.ok(!report.diagnostics[0]!.message.includes(outside), 'no machine path in the message');
  });
});
