// The UI suites' git workspace: the harness's copy of examples/ made a git repository whose commit holds older
// versions of two policies (in git's object store only: the files on disk stay the examples'). Shared by the
// "Compare Policies with…" and the Agent Access comparison suites; each removes `.git` at its end.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

const IDENTITY = ['-c', 'user.name=Agent Policy Tests', '-c', 'user.email=tests@agent-policy.invalid', '-c', 'commit.gpgsign=false', '-c', 'init.defaultBranch=main'];
const git = (cwd: string, args: string[], input?: string) => execFileSync('git', [...IDENTITY, ...args], { cwd, encoding: 'utf8', ...(input !== undefined ? { input } : {}), stdio: [input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'] }).trim();

/**
 * Commits the workspace with older versions of two policies, in the index and the commit only: since then the
 * support bot may refund up to 50 instead of 20 (widening), and the ops agent no longer reads logs for support tasks
 * (narrowing).
 */
export function commitOlderPolicies(ws: string) {
  git(ws, ['init', '--quiet']);
  git(ws, ['add', '--all']);
  const older = (file: string, from: string, to: string) => {
    const text = fs.readFileSync(path.join(ws, file), 'utf8');
    check(text.includes(from), `${file} no longer contains ${from}: the examples changed`);
    const blob = git(ws, ['hash-object', '-w', '--stdin'], text.replace(from, to));
    git(ws, ['update-index', '--cacheinfo', `100644,${blob},${file}`]);
  };
  older('policies/support.cedar', 'context.input.amount <= 50 }', 'context.input.amount <= 20 }');
  older('policies/ops.cedar', '["ops", "incident"]', '["ops", "incident", "support"]');
  git(ws, ['commit', '--quiet', '--no-verify', '-m', 'older policies']);
}


/** What `agent-policy diff --base HEAD --format json` says of the workspace: what the views must show. */
export function cliDiffAtHead(ws: string, manifest: string): unknown {
  return JSON.parse(execFileSync(process.execPath, [path.resolve('dist/cli.js'), 'diff', '--base', 'HEAD', '--manifest', manifest, '--format', 'json'], { cwd: ws, encoding: 'utf8' })) as unknown;
}

/** Removes the repository, so that the suites after this one see the workspace as the harness made it. */
export function removeRepository(ws: string | undefined): void {
  if (ws) fs.rmSync(path.join(ws, '.git'), { recursive: true, force: true });
}
