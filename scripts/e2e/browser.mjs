// Debian's Chromium through playwright-core, and the extension-host test driver
// (VS Code's `extensionTestsPath` route inside code-server: the URL payload carries the test module; VS Code calls
// window.codeAutomationLog with the extension host's console output and window.codeAutomationExit with the result).
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { createRequire } from 'node:module';
import { CHROMIUM, CHROMIUM_ARGS, REPO, log } from './lib.mjs';

const require = createRequire(path.join(REPO, 'package.json'));

/** Launches Chromium with a fresh profile under `dir` (HOME too, so nothing lands in the real home folder). */
export async function launchBrowser(dir) {
  const { chromium } = require('playwright-core');
  fs.mkdirSync(path.join(dir, 'home'), { recursive: true });
  return chromium.launchPersistentContext(path.join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'home', '.config'), XDG_CACHE_HOME: path.join(dir, 'home', '.cache') },
  });
}

/** Lines of the workbench's console that are expected on a closed network and say nothing about the tests. */
const NOISE = /ENOTFOUND|open-vsx|ERR_NAME_NOT_RESOLVED|ERR_CONNECTION|socket|connection token|grace-time|Service Worker|builtin extensions cache|AgentHost|AccountPolicyGate|marketplace|Failed to fetch|net::/i;

/**
 * Opens `folder` in code-server with `payload` (extensionDevelopmentPath / extensionTestsPath), streams the
 * extension host's console, and resolves with VS Code's exit code ('timeout' after timeoutMs).
 */
export async function runExtensionTests({ server, folder, payload, browserDir, timeoutMs = 10 * 60_000, startTimeoutMs = 120_000, startedMarker = /extension-host tests:/, screenshot }) {
  // `screenshot`: saved when the tests fail or never finish.
  const ctx = await launchBrowser(browserDir);
  try {
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    let done;
    const exited = new Promise((r) => (done = r));
    let started = false;
    await page.exposeFunction('codeAutomationLog', (_level, args) => {
      const text = util.format(...(args || [])).replace(/%c/g, '');
      if (startedMarker.test(text)) started = true;
      if (process.env.VERBOSE || !NOISE.test(text)) for (const l of text.split('\n')) console.log(`  │ ${l}`);
    });
    await page.exposeFunction('codeAutomationExit', async (code) => {
      if (screenshot && code !== 0) await page.screenshot({ path: screenshot }).catch(() => {});
      done(code);
    });
    page.on('crash', () => done('browser page crashed'));
    await page.goto(server.folderUrl(folder, payload));
    let timer, startTimer;
    const code = await Promise.race([
      exited,
      new Promise((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
      // VS Code ignores a payload it does not like without a word: fail fast when the tests never start.
      new Promise((r) => (startTimer = setTimeout(() => started || r('not started'), startTimeoutMs))),
    ]);
    clearTimeout(timer);
    clearTimeout(startTimer);
    if (code === 'not started') {
      log(`the extension tests did not start within ${startTimeoutMs / 1000} s (no "${startedMarker.source}" in the extension host's output)`);
      if (screenshot) await page.screenshot({ path: screenshot }).catch(() => {});
    } else if (code === 'timeout') {
      log(`extension tests did not finish within ${timeoutMs / 1000} s`);
      if (screenshot) await page.screenshot({ path: screenshot }).catch(() => {});
    }
    return code;
  } finally {
    await ctx.close().catch(() => {});
  }
}
