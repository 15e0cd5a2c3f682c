#!/usr/bin/env node
// `npm test` runs this first (the `pretest` script): it makes sure of what the tests need, the way `npm start` does
// for the demo, so that the README's `npm test` passes on a fresh clone.
//   - the npm dependencies: `npm ci` when node_modules/ is missing, `npm install` when a dependency is missing;
//   - Debian's neovim, the second, independent LSP client of the protocol tests (test/lsp/neovim.test.ts):
//     installed with apt-get when running as root, else this stops before any test runs and prints the command.
// No test is ever skipped because something is missing.
import fs from 'node:fs';
import path from 'node:path';
import { REPO, ensureDebianPackages, have, log, npmCmd, run } from './e2e/lib.mjs';

function missingDependencies() {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const names = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies });
  return names.filter((n) => !fs.existsSync(path.join(REPO, 'node_modules', n, 'package.json')));
}

async function main() {
  const missing = missingDependencies();
  if (missing.length) {
    const fresh = !fs.existsSync(path.join(REPO, 'node_modules'));
    const args = fresh && fs.existsSync(path.join(REPO, 'package-lock.json')) ? ['ci'] : ['install'];
    log(`test setup: ${fresh ? 'no node_modules/' : `missing npm packages (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''})`}: running npm ${args[0]}`);
    await run(npmCmd, [...args, '--no-audit', '--no-fund']);
  }
  if (!have('nvim')) {
    log('test setup: neovim (the second LSP client of the protocol tests) is missing');
    await ensureDebianPackages({ neovim: () => have('nvim') });
    if (!have('nvim')) throw new Error('neovim was installed but `nvim` is not on the PATH');
  }
}

main().catch((err) => {
  console.error(`\nnpm test cannot run yet: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
