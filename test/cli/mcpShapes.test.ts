import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES, REPO } from '../helpers/memoryHost';

const CLI = path.join(REPO, 'dist', 'cli.js');

function run(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of a fixture folder in a fresh git workspace (a `.git` folder marks its root). */
function gitWorkspace(folders: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-shapes-'));
  fs.mkdirSync(path.join(dir, '.git'));
  for (const [to, from] of Object.entries(folders)) fs.cpSync(from, path.join(dir, to), { recursive: true });
  return dir;
}

describe('CLI: real MCP schema shapes', () => {
  const made: string[] = [];
  after(() => {
    for (const d of made) fs.rmSync(d, { recursive: true, force: true });
  });

  it('never prints ajv warnings: an unknown `format` is an info note in the report, stderr stays empty', () => {
    const ws = gitWorkspace({ notion: path.join(FIXTURES, 'check', 'unknown-formats') });
    made.push(ws);
    const check = run(['check', '--format', 'json', '--fail-level', 'info'], ws);
    assert.equal(check.stderr, '');
    assert.equal(check.code, 1);
    const notes = (JSON.parse(check.stdout) as { diagnostics: { code: string; severity: string; message: string }[] }).diagnostics.filter((d) => d.message.includes('format `json`'));
    assert.deepEqual(notes.map((d) => [d.code, d.severity]), [['manifest-invalid', 'info']]);
    for (const args of [['schema', 'notion/notion.agents.yaml'], ['simulate', '--manifest', 'notion/notion.agents.yaml', '--agent', 'researcher', '--tool', 'API-post-search', '--args', '{"filter":"{}"}'], ['test', 'notion']]) {
      const r = run(args, ws);
      assert.equal(r.stderr.replace(/^agent-policy: no scenarios.*\n?/m, ''), '', `${args[0]} printed on stderr`);
    }
  });

  it('simulate --tool takes the action id of a prefixed tool, and says which id an MCP name means', () => {
    const ws = gitWorkspace({ dev: path.join(FIXTURES, 'check', 'action-prefix') });
    made.push(ws);
    const sim = (tool: string, args: unknown) => run(['simulate', '--manifest', 'dev/dev.agents.yaml', '--agent', 'dev-bot', '--tool', tool, '--args', JSON.stringify(args), '--format', 'json'], ws);
    const ok = sim('supabase/create_branch', { project_id: 'p', name: 'develop', confirm_cost_id: 'c' });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const json = JSON.parse(ok.stdout) as { decision: string; determining: { id: string }[]; request: { action: string; resource: string } };
    assert.deepEqual([json.decision, json.determining.map((d) => d.id), json.request.action, json.request.resource], ['allow', ['supabase-dev-branch'], 'Dev::Action::"supabase/create_branch"', 'Dev::McpServer::"supabase"']);
    const bare = sim('list_projects', {});
    assert.equal(bare.code, 1);
    assert.deepEqual((JSON.parse(bare.stdout) as { requestErrors: string[] }).requestErrors, ['unknown tool `list_projects`; did you mean `supabase/list_projects`?']);
  });

  it('check DIR in a git repository reports what covers DIR, as if the other manifest folders were not there', () => {
    const both = gitWorkspace({ dev: path.join(FIXTURES, 'check', 'action-prefix'), docs: path.join(FIXTURES, 'check', 'unknown-formats') });
    const alone = gitWorkspace({ dev: path.join(FIXTURES, 'check', 'action-prefix') });
    made.push(both, alone);
    const r = run(['check', 'dev', '--format', 'json'], both);
    assert.equal(r.stderr, '');
    const report = JSON.parse(r.stdout) as { diagnostics: { file: string }[] };
    assert.ok(report.diagnostics.length > 0 && report.diagnostics.every((d) => d.file.startsWith('dev/')), r.stdout);
    assert.equal(r.stdout, run(['check', 'dev', '--format', 'json'], alone).stdout);
    // The whole repository still reports both folders.
    const all = JSON.parse(run(['check', '--format', 'json', '--fail-level', 'info'], both).stdout) as { diagnostics: { file: string }[] };
    assert.deepEqual([...new Set(all.diagnostics.map((d) => d.file.split('/')[0]))].sort(), ['dev', 'docs']);
  });
});
