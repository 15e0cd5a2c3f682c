#!/usr/bin/env node
// `npm run test:e2e`: end-to-end tests of the extension in a real VS Code (code-server 4.139 = VS Code 1.139).
//
//   1. installs what is missing (Node 24 + code-server in the install cache; Chromium, libkrb5-dev from Debian)
//   2. builds, packages agent-policy-studio.vsix, compiles the tests
//   3. code-server #1, extension loaded from this folder:  extension-host tests (test/e2e/suite), UI tests (test/e2e/ui)
//   4. code-server #2, extension installed from the .vsix:  extension-host tests, UI tests
//   5. prints a summary and exits non-zero on any failure; code-server is always stopped.
//
// Every part opens its own fresh copy of examples/ (the committed folder is never edited).
// Options: --only=ext|ui  --mode=dev|vsix  --grep=TEXT  --keep (keep the run folder)  --no-build
// Screenshots: test/e2e/screenshots/ (git-ignored). Logs of a failed run: the run folder printed at the end.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  REPO, copyExamples, ensureInstalled, installVsix, log, npmCmd, packageExtension, run, serverDirs, startCodeServer, step, tail,
} from './lib.mjs';
import { runExtensionTests } from './browser.mjs';

const args = process.argv.slice(2);
const opt = (name) => args.find((a) => a.startsWith(`--${name}=`))?.split('=').slice(1).join('=');
const only = opt('only'); // ext | ui
const modes = opt('mode') ? [opt('mode')] : ['dev', 'vsix'];
const grep = opt('grep');
const keep = args.includes('--keep');
const build = !args.includes('--no-build');

const SHOTS = path.join(REPO, 'test', 'e2e', 'screenshots');
const SUITE = path.join(REPO, 'out', 'test', 'e2e', 'suite', 'index.js');
const UI = path.join(REPO, 'out', 'test', 'e2e', 'ui', 'index.js');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const EXT_ID = `${pkg.publisher}.${pkg.name}`;
const MODE_TITLE = { dev: 'extension from the source folder', vsix: 'extension installed from the .vsix' };

/** How many suite files `test/e2e/<folder>/` has in source: the compiled ones the index finds must be as many. */
function suiteSources(folder) {
  return fs.readdirSync(path.join(REPO, 'test', 'e2e', folder)).filter((f) => f.endsWith('.test.ts')).length;
}

/** Settings for the test servers: quiet (see lib.mjs) and without highlights that clutter screenshots. */
// files.autoSave: VS Code in a browser saves after 1 s by default; tests make unsaved edits and revert them.
// files.refactoring.autoSave: a rename (F2) would otherwise save the files it changed that were not open.
const TEST_SETTINGS = { 'files.autoSave': 'off', 'files.refactoring.autoSave': false, 'editor.occurrencesHighlight': 'off', 'editor.selectionHighlight': false, 'workbench.reduceMotion': 'on', 'editor.stickyScroll.enabled': false };

/**
 * VS Code runs extension tests only in an extension-development window; to test the installed .vsix (and not this
 * folder), the development extension is an empty one that contributes nothing.
 */
function emptyDevExtension(dir) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name: 'agent-policy-e2e-runner', publisher: 'agent-policy-studio-tests', version: '0.0.0', engines: { vscode: '*' },
    description: 'Empty extension: lets VS Code run the extension tests against the installed .vsix',
  }, null, 2));
  return dir;
}

const results = [];
function record(name, summary, seconds, note) {
  results.push({ name, seconds, note, ...summary });
}
function readSummary(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Runs a child process with its output indented under ours. */
function runIndented(cmd, cmdArgs, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const pipe = (stream) => {
      let buf = '';
      stream.on('data', (d) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const l of lines) console.log(`  │ ${l}`);
      });
      stream.on('end', () => buf && console.log(`  │ ${buf}`));
    };
    pipe(child.stdout);
    pipe(child.stderr);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve(sig ? `killed (${sig})` : code);
    });
  });
}

async function main() {
  const started = Date.now();
  const p = await ensureInstalled({ chromium: true });

  if (build) {
    await packageExtension();
    await step('building the extension (development) and compiling the tests', async () => {
      await run(npmCmd, ['run', '--silent', 'build'], { quiet: true });
      await run(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', REPO], { quiet: true });
    });
  }
  const vsix = path.join(REPO, 'agent-policy-studio.vsix');
  for (const f of [SUITE, UI, path.join(REPO, 'dist', 'client', 'extension.js'), ...(modes.includes('vsix') ? [vsix] : [])]) {
    if (!fs.existsSync(f)) throw new Error(`${path.relative(REPO, f)} is missing (run without --no-build)`);
  }

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-policy-e2e-'));
  log(`run folder: ${runDir}`);
  // One snapshot of examples/, taken next to the build, that every part copies (consistent if the folder changes meanwhile).
  const examples = copyExamples(path.join(runDir, 'examples-snapshot'));
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));

  for (const mode of modes) {
    const dir = path.join(runDir, mode);
    const d = serverDirs(path.join(dir, 'code-server'));
    let expectedPath = REPO;
    if (mode === 'vsix') {
      const line = await step(`installing the .vsix into a fresh extensions folder (code-server --install-extension)`, () => installVsix(p, d, vsix));
      log(`  ${line}`);
      expectedPath = path.join(d.ext, `${EXT_ID}-${pkg.version}`);
      if (!fs.existsSync(expectedPath)) throw new Error(`the .vsix did not install into ${expectedPath}: ${fs.readdirSync(d.ext).join(', ')}`);
    }
    const extResults = path.join(dir, 'ext-host-results.json');
    const server = await step(`starting code-server (${MODE_TITLE[mode]})`, () =>
      startCodeServer(p, d, {
        smokeTestDriver: true,
        settings: TEST_SETTINGS,
        env: {
          AGENT_POLICY_E2E_RESULTS: extResults,
          AGENT_POLICY_E2E_EXPECT_EXTENSION_PATH: expectedPath,
          // The suites' index refuses to run a different number of compiled suite files (one run once loaded 7 of 9).
          AGENT_POLICY_E2E_SUITE_FILES: String(suiteSources('suite')),
          ...(grep ? { AGENT_POLICY_E2E_GREP: grep } : {}),
        },
      }));
    log(`  ${server.url} (process group ${server.pid}, log ${server.log})`);
    const devPayload = mode === 'dev' ? [['extensionDevelopmentPath', `vscode-remote://remote${REPO}`]] : [];
    const testPayload = mode === 'dev' ? devPayload : [['extensionDevelopmentPath', `vscode-remote://remote${emptyDevExtension(path.join(dir, 'empty-dev-extension'))}`]];
    try {
      if (only !== 'ui') {
        const name = `extension-host tests (${MODE_TITLE[mode]})`;
        const t = Date.now();
        const code = await step(name, async () => {
          const ws = copyExamples(path.join(dir, 'ext-host', 'examples'), examples);
          return runExtensionTests({
            server, folder: ws, browserDir: path.join(dir, 'ext-host', 'browser'),
            payload: [...testPayload, ['extensionTestsPath', `vscode-remote://remote${SUITE}`]],
            screenshot: path.join(SHOTS, `${mode}-ext-host-FAILED.png`),
          });
        });
        const s = readSummary(extResults);
        if (!s) record(name, { passes: 0, failures: 1, pending: 0 }, (Date.now() - t) / 1000, `no test results (VS Code exit: ${code})`);
        else record(name, s, (Date.now() - t) / 1000, code === 0 ? undefined : `VS Code exit: ${code}`);
        if (s && s.failures === 0 && code !== 0) results.at(-1).failures++;
      }
      if (only !== 'ext') {
        const name = `UI tests (${MODE_TITLE[mode]})`;
        const t = Date.now();
        const ws = copyExamples(path.join(dir, 'ui', 'examples'), examples);
        const uiResults = path.join(dir, 'ui-results.json');
        const code = await step(name, () =>
          runIndented(process.execPath, [UI], {
            ...process.env,
            AGENT_POLICY_E2E_URL: server.folderUrl(ws, devPayload.length ? devPayload : undefined),
            AGENT_POLICY_E2E_WORKSPACE: ws,
            AGENT_POLICY_E2E_MODE: mode,
            AGENT_POLICY_E2E_TAG: mode,
            AGENT_POLICY_E2E_SHOTS: SHOTS,
            AGENT_POLICY_E2E_BROWSER_DIR: path.join(dir, 'ui', 'browser'),
            AGENT_POLICY_E2E_RESULTS: uiResults,
            AGENT_POLICY_E2E_SUITE_FILES: String(suiteSources('ui')),
            ...(grep ? { AGENT_POLICY_E2E_GREP: grep } : {}),
          }, 20 * 60_000));
        const s = readSummary(uiResults);
        if (!s) record(name, { passes: 0, failures: 1, pending: 0 }, (Date.now() - t) / 1000, `no test results (exit: ${code})`);
        else record(name, s, (Date.now() - t) / 1000, code === 0 ? undefined : `exit: ${code}`);
        if (s && s.failures === 0 && code !== 0) results.at(-1).failures++;
      }
      if (!server.alive()) throw new Error(`code-server died during the tests; its log:\n${tail(server.log)}`);
    } finally {
      await step('stopping code-server (whole process group)', () => server.stop());
    }
  }

  const failed = results.reduce((n, r) => n + r.failures, 0);
  console.log('\n== end-to-end summary');
  for (const r of results) {
    console.log(`  ${r.failures ? '✘' : '✔'} ${r.name.padEnd(62)} ${r.passes} passed, ${r.failures} failed, ${r.pending} skipped  (${r.seconds.toFixed(1)}s)${r.note ? `  — ${r.note}` : ''}`);
    for (const f of r.failed ?? []) console.log(`      ✘ ${f.title}\n        ${f.error.split('\n')[0]}`);
  }
  const shots = fs.readdirSync(SHOTS).filter((f) => f.endsWith('.png'));
  console.log(`  screenshots: ${path.relative(REPO, SHOTS)}/ (${shots.length}: ${shots.join(', ')})`);
  if (failed || keep) console.log(`  run folder (code-server logs, workspaces): ${runDir}`);
  else fs.rmSync(runDir, { recursive: true, force: true });
  console.log(`  total ${((Date.now() - started) / 1000).toFixed(1)}s`);
  const passes = results.reduce((n, r) => n + r.passes, 0);
  const pending = results.reduce((n, r) => n + r.pending, 0);
  console.log(`e2e: ${passes} passed, ${failed} failed, ${pending} skipped`);
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`\ne2e: ${e.message}`);
    console.log('e2e: 0 passed, 1 failed');
    process.exit(1);
  },
);
