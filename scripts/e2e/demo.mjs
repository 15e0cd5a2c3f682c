#!/usr/bin/env node
// `npm start`: the demo. Opens the examples in a real VS Code (code-server, in your browser) with the packaged
// extension installed. On a fresh clone it first installs what is missing — npm dependencies, then Node 24 and
// code-server into the install cache (~800 MB, a few minutes, once) — and says what it is doing meanwhile.
//
//   npm start                       a scratch copy of examples/ (your edits never touch the repository)
//   npm start -- --in-place         the repository's own examples/ folder instead
//   npm start -- --port 8080        a fixed port (default: 8080 when free, else any free port)
//
// VS Code listens on 127.0.0.1 only, without a password. Ctrl+C stops it (the whole process group).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import net from 'node:net';
import {
  REPO, VERSIONS, cacheRoot, copyExamples, ensureInstalled, freePort, installVsix, log, npmCmd,
  packageExtension, runWithProgress, serverDirs, startCodeServer, step, tail,
} from './lib.mjs';

const args = process.argv.slice(2);
const inPlace = args.includes('--in-place');
const portArg = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : Number(process.env.PORT || 0);

function portFree(port) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function main() {
  console.log(`Agent Policy Studio — demo
Opens examples/ in VS Code ${VERSIONS.vscode} (code-server ${VERSIONS.codeServer}) in your browser, with the extension
installed from its packaged .vsix. The first run downloads Node ${VERSIONS.node24} and code-server from the npm registry
into ${cacheRoot()} (~800 MB, a few minutes); later runs start in seconds.
`);
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the demo's local VS Code needs Linux x64 (this is ${process.platform}-${process.arch}).
Elsewhere, build the extension and install it into your own VS Code:
    npm install && npm run package && code --install-extension agent-policy-studio.vsix
then open the examples/ folder.`);
  }

  if (!fs.existsSync(path.join(REPO, 'node_modules', '.bin', 'vsce'))) {
    await step('installing the npm dependencies (npm install)', () =>
      runWithProgress(npmCmd, ['install', '--no-audit', '--no-fund'], {
        cwd: REPO, env: process.env, logFile: path.join(cacheRoot(), 'logs', 'demo-npm-install.log'), label: 'npm install',
      }));
  }

  const p = await ensureInstalled({ chromium: false });
  const vsix = await packageExtension();

  const demoDir = path.join(cacheRoot(), `demo-${crypto.createHash('sha1').update(REPO).digest('hex').slice(0, 8)}`);
  fs.rmSync(path.join(demoDir, 'code-server', 'extensions'), { recursive: true, force: true });
  const d = serverDirs(path.join(demoDir, 'code-server'));
  const line = await step('installing the .vsix into the demo VS Code', () => installVsix(p, d, vsix));
  log(`  ${line}`);

  const workspace = inPlace ? path.join(REPO, 'examples') : copyExamples(path.join(demoDir, 'examples'));
  const port = portArg || ((await portFree(8080)) ? 8080 : await freePort());
  const server = await step(`starting VS Code (code-server) on 127.0.0.1:${port}`, () =>
    startCodeServer(p, d, {
      port,
      // The examples' README (what the deliberate mistakes are) opens first.
      settings: { 'workbench.startupEditor': 'readme', 'workbench.tips.enabled': false },
    }));

  const url = server.folderUrl(workspace);
  console.log(`
  ┌──────────────────────────────────────────────────────────────────────────────
  │ Agent Policy Studio is running in VS Code. Open this address in your browser:
  │
  │     ${url}
  │
  │ Workspace: ${workspace}
  │ ${inPlace ? 'This is the repository\'s own examples/ folder: edits change the repository.' : 'A scratch copy of examples/, made fresh at each `npm start` (the repository is never edited).'}
  │ Try: open policies/refunds.cedar (squiggle on \`amout\`), the Problems panel (Ctrl+Shift+M),
  │      F1 → "Agent Policy: Show Generated Cedar Schema", F1 → "Agent Policy: Show Agent Access".
  │
  │ Listening on 127.0.0.1 only, no password. Press Ctrl+C to stop.
  │ (code-server's log: ${server.log})
  └──────────────────────────────────────────────────────────────────────────────
`);
  // Stay up until Ctrl+C / SIGTERM (lib.mjs stops the process group then) or until code-server exits by itself.
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      if (!server.alive()) {
        clearInterval(timer);
        resolve();
      }
    }, 1000);
  });
  throw new Error(`code-server stopped unexpectedly; the end of its log:\n${tail(server.log)}`);
}

main().catch((e) => {
  console.error(`\nnpm start: ${e.message}`);
  process.exit(1);
});

