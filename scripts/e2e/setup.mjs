#!/usr/bin/env node
// Installs (once) what the end-to-end tests need: Node 24 and code-server in the install cache, and Debian's
// Chromium and libkrb5-dev. `npm run test:e2e` and `npm start` call the same code; this is for doing it ahead.
//   node scripts/e2e/setup.mjs [--no-chromium]
import { ensureInstalled, log, paths } from './lib.mjs';

try {
  await ensureInstalled({ chromium: !process.argv.includes('--no-chromium') });
  log(`install cache: ${paths().root}`);
} catch (e) {
  console.error(`\nsetup failed: ${e.message}`);
  process.exit(1);
}
