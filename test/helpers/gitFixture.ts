/**
 * A temporary git repository for diff/replay tests, built from test/fixtures/diff/ (see its README): three commits,
 * tagged `base`, `widen` (a policy change that allows more) and `narrow` (one that allows less), on branch `main`.
 * Local only (no network, no global git config needed: the identity is given with `-c`).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURES } from './memoryHost';

export type DiffTag = 'base' | 'widen' | 'narrow';
export const DIFF_TAGS: readonly DiffTag[] = ['base', 'widen', 'narrow'];
/** The manifest of the fixture, relative to the repository. */
export const DIFF_MANIFEST = 'shop.agents.yaml';

const IDENTITY = ['-c', 'user.name=Agent Policy Tests', '-c', 'user.email=tests@agent-policy.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', '-c', 'init.defaultBranch=main', '-c', 'core.autocrlf=false'];

function git(dir: string, args: string[]): string {
  return execFileSync('git', [...IDENTITY, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' } });
}

/**
 * Builds the repository in a fresh temporary folder and checks out `checkout` (default `narrow`, the tip of `main`;
 * another tag leaves HEAD detached at it). `cleanup()` removes the folder.
 */
export function makeDiffRepo(checkout: DiffTag = 'narrow'): { dir: string; cleanup(): void } {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'apol-diff-'));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    git(dir, ['init', '--quiet']);
    for (const tag of DIFF_TAGS) {
      fs.cpSync(path.join(FIXTURES, 'diff', tag), dir, { recursive: true });
      git(dir, ['add', '--all']);
      git(dir, ['commit', '--quiet', '--no-verify', '-m', tag]);
      git(dir, ['tag', tag]);
    }
    if (checkout !== 'narrow') git(dir, ['checkout', '--quiet', checkout]);
  } catch (err) {
    cleanup();
    throw err;
  }
  return { dir, cleanup };
}
