/**
 * `agent-policy tools pull|check|servers`: import the tools of a live MCP server into a tool list the manifest
 * imports, and compare imported lists with their live servers. The MCP exchange is node/mcp/client.ts (the
 * official SDK), the file format, the manifest edit and the drift analysis are the core's.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { compareServerTools, describeArgChange, hasDrift, newDiagnostics, type ServerDrift } from '../core/analysis/toolDrift';
import { runToEnd } from '../core/cedar/policyCheck';
import { readFrom, refusalMessage, type FileRead } from '../core/manifest/load';
import { isManifestFile } from '../core/manifest/model';
import { Project, type ProjectHost } from '../core/project';
import { LineIndex } from '../core/text';
import { splitCommandLine } from '../core/tools/commandLine';
import { setServerImport } from '../core/tools/manifestImport';
import { inputsUsed, MCP_JSON, parseMcpJson, resolveMcpJsonServer, type McpJsonServer } from '../core/tools/mcpJson';
import { collectTools, describeSource, formatToolListFile, readToolListMeta, type ServerInfo, type ToolSource } from '../core/tools/toolListFile';
import type { CoreDiagnostic, Severity, Span } from '../core/types';
import { Confinement, toCorePath, toNativePath, writeInside } from '../node/fsHost';
import { DEFAULT_TIMEOUT_MS, listToolsLive, type McpTarget } from '../node/mcp/client';
import { projectFor, resolveTargets } from '../node/workspace';

export interface ToolsIo {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  color: boolean;
}

/** Answers for `${input:id}` variables of .vscode/mcp.json, as a JSON object in this variable (set by the VS Code extension; never printed). */
export const INPUTS_ENV = 'AGENT_POLICY_MCP_INPUTS';

const USAGE = `Usage:
  agent-policy tools pull (--stdio "COMMAND [ARGS]" | --http URL | --mcp-json NAME) [--name SERVER]
                          [--out mcp/SERVER.tools.json] [--manifest FILE] [--env NAME]... [--timeout SECONDS]
                          [--format pretty|json]
  agent-policy tools check [PATH] [--manifest FILE] [--server NAME]... [--timeout SECONDS]
                          [--format pretty|json] [--fail-on drift|finding]
  agent-policy tools servers [--format pretty|json]        # the servers of .vscode/mcp.json

pull starts the server (or connects to it), lists its tools (every page) and writes them, with the server's name
and version and how it was reached, to --out; with --manifest it also adds or updates the server's
\`tools: { $import: … }\` there. check asks each server an imported list records (its "source") for its tools now
and reports what changed and which policies and scenarios it touches.
Exit codes: pull 0 written; check 0, or 1 with --fail-on drift (any difference) or --fail-on finding (a difference
that touches a policy or scenario, or new problems); 2 for a usage error, an unreadable input or a server that
cannot be reached.`;

class ToolsUsage extends Error {}

export async function toolsCommand(argv: string[], io: ToolsIo): Promise<number> {
  const [sub, ...rest] = argv;
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    switch (sub) {
      case 'pull':
        return await pull(rest, io, abort.signal);
      case 'check':
        return await check(rest, io, abort.signal);
      case 'servers':
        return servers(rest, io);
      case undefined:
      case '--help':
      case '-h':
        io.out(USAGE);
        return sub === undefined ? 2 : 0;
      default:
        throw new ToolsUsage(`unknown tools command \`${sub}\``);
    }
  } catch (err) {
    if (err instanceof ToolsUsage || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`agent-policy: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

function format(v: string | undefined): 'pretty' | 'json' {
  if (v === undefined || v === 'pretty' || v === 'json') return v ?? 'pretty';
  throw new ToolsUsage(`--format must be one of pretty, json (got \`${v}\`)`);
}

function timeoutMs(v: string | undefined): number {
  if (v === undefined) return DEFAULT_TIMEOUT_MS;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0 || n > 3600) throw new ToolsUsage(`--timeout takes seconds, more than 0 and at most 3600 (got \`${v}\`)`);
  return Math.round(n * 1000);
}

/** The workspace of the command: the one `resolveTargets` gives the manifest (or the current folder). */
function workspaceOf(manifest: string | undefined, cwd: string): { root: string; manifestFile?: string } | { error: string } {
  const { targets, errors } = resolveTargets(manifest ? [manifest] : [], cwd);
  if (errors.length) return { error: errors.join('; ') };
  const t = targets[0];
  if (!t) return { error: 'no workspace' };
  if (manifest) {
    const f = toCorePath(path.resolve(cwd, manifest));
    if (!isManifestFile(f)) return { error: `${manifest}: not an agent manifest (*.agents.yaml, agents.yaml, *.agents.json)` };
    return { root: t.root, manifestFile: f };
  }
  return { root: t.root };
}

function relTo(io: ToolsIo, core: string): string {
  return path.relative(io.cwd, toNativePath(core)).split(path.sep).join('/') || '.';
}

function inputsFromEnv(): (id: string) => string | undefined {
  let answers: Record<string, unknown> = {};
  try {
    const v = JSON.parse(process.env[INPUTS_ENV] ?? '{}') as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) answers = v as Record<string, unknown>;
  } catch {
    // no answers
  }
  return (id) => (Object.hasOwn(answers, id) && typeof answers[id] === 'string' ? (answers[id] as string) : undefined);
}

/** Reads the workspace's .vscode/mcp.json through the confinement. */
function readMcpJson(root: string): ReturnType<typeof parseMcpJson> | { error: string } {
  const file = `${root}/${MCP_JSON}`;
  const r = new Confinement(root).read(file, 1024 * 1024);
  if ('missing' in r) return { error: `no ${MCP_JSON} in the workspace` };
  if ('refused' in r) return { error: `${MCP_JSON}: ${refusalMessage(r)}` };
  return parseMcpJson(r.text);
}

/** The MCP target of an mcp.json server, with its variables resolved, and the values never to show. */
function mcpJsonTarget(root: string, name: string): { target: McpTarget; secrets: string[]; server: McpJsonServer } | { error: string } {
  const parsed = readMcpJson(root);
  if ('error' in parsed) return parsed;
  const s = parsed.servers.find((x) => x.name === name);
  if (!s) {
    const names = parsed.servers.map((x) => `\`${x.name}\``).join(', ');
    return { error: `${MCP_JSON} has no server \`${name}\`${names ? ` (it has ${names})` : ''}${parsed.problems.length ? `; ${parsed.problems.join('; ')}` : ''}` };
  }
  if (s.kind === 'unsupported') return { error: `server \`${name}\` of ${MCP_JSON}: ${s.why}` };
  const resolved = resolveMcpJsonServer(s, { workspaceFolder: toNativePath(root), userHome: os.homedir(), env: (n) => process.env[n], input: inputsFromEnv() });
  if ('error' in resolved) return resolved;
  const r = resolved.server;
  if (r.kind === 'stdio') {
    const cwd = r.cwd ? path.resolve(toNativePath(root), r.cwd) : toNativePath(root);
    return { target: { kind: 'stdio', command: r.command, args: r.args, env: r.env, cwd }, secrets: resolved.secrets, server: s };
  }
  if (r.kind === 'http') return { target: { kind: 'http', url: r.url, headers: r.headers }, secrets: resolved.secrets, server: s };
  return { error: `server \`${name}\` of ${MCP_JSON} is not supported` };
}

/** A server name that is also a good file name: `mcp-servers/everything` → `everything`. */
function serverNameFrom(info: ServerInfo | undefined, fallback: string): string {
  const raw = (info?.name ?? fallback).split('/').filter(Boolean).pop() ?? fallback;
  const name = raw
    .replace(/^(mcp-server-|server-)/i, '')
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  return name || 'server';
}

function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[-.]+/, '') || 'server';
}

async function pull(args: string[], io: ToolsIo, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      stdio: { type: 'string' },
      http: { type: 'string' },
      'mcp-json': { type: 'string' },
      name: { type: 'string' },
      out: { type: 'string' },
      manifest: { type: 'string' },
      env: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      format: { type: 'string', short: 'f' },
    },
  });
  void positionals;
  const fmt = format(values.format);
  const ms = timeoutMs(values.timeout);
  const given = [values.stdio, values.http, values['mcp-json']].filter((v) => v !== undefined).length;
  if (given !== 1) throw new ToolsUsage('tools pull needs exactly one of --stdio "COMMAND [ARGS]", --http URL or --mcp-json NAME');
  if (values.name !== undefined && !values.name.trim()) throw new ToolsUsage('--name must not be empty');
  if (values.out !== undefined && !values.out.endsWith('.tools.json')) throw new ToolsUsage('--out must end in .tools.json (the name by which the workspace finds tool lists)');
  const ws = workspaceOf(values.manifest, io.cwd);
  if ('error' in ws) {
    io.err(`agent-policy: ${ws.error}`);
    return 2;
  }
  const confinement = new Confinement(ws.root);
  let manifestText: string | undefined;
  if (ws.manifestFile) {
    const r = confinement.read(ws.manifestFile);
    if (!('text' in r)) {
      io.err(`agent-policy: ${values.manifest}: ${'missing' in r ? 'no such file' : refusalMessage(r)}`);
      return 2;
    }
    manifestText = r.text;
  }

  let target: McpTarget;
  let source: ToolSource;
  let secrets: string[] = [];
  let fallbackName: string;
  if (values.stdio !== undefined) {
    const split = splitCommandLine(values.stdio);
    if ('error' in split) throw new ToolsUsage(`--stdio: ${split.error}`);
    const [command, ...cmdArgs] = split.argv as [string, ...string[]];
    const env: Record<string, string> = {};
    for (const n of values.env ?? []) {
      const v = process.env[n];
      if (v === undefined) throw new ToolsUsage(`--env ${n}: no such variable in the environment`);
      env[n] = v;
      if (v) secrets.push(v);
    }
    // The command runs where the user typed it (its relative paths mean what they meant), and the list records that
    // folder relative to the workspace, with the absolute paths inside the workspace made relative to it: the list
    // is a file people commit, and `tools check` must start the same server in every clone.
    const rootNative = toNativePath(ws.root);
    const relCwd = path.relative(rootNative, io.cwd);
    const inside = !relCwd.startsWith('..') && !path.isAbsolute(relCwd);
    const portable = (w: string) => {
      if (!inside || !path.isAbsolute(w)) return w;
      const inRoot = path.relative(rootNative, w);
      if (!inRoot || inRoot.startsWith('..') || path.isAbsolute(inRoot)) return w;
      const rel = path.relative(io.cwd, w).split(path.sep).join('/') || '.';
      return rel.startsWith('.') ? rel : `./${rel}`;
    };
    target = { kind: 'stdio', command, args: cmdArgs, env, cwd: io.cwd };
    source = { command: portable(command), args: cmdArgs.map(portable), ...(inside && relCwd ? { cwd: relCwd.split(path.sep).join('/') } : {}) };
    fallbackName = path.basename(command).replace(/\.(c|m)?js$/, '');
  } else if (values.http !== undefined) {
    target = { kind: 'http', url: values.http };
    source = { url: values.http };
    fallbackName = 'server';
  } else {
    const name = values['mcp-json']!;
    const t = mcpJsonTarget(ws.root, name);
    if ('error' in t) {
      io.err(`agent-policy: ${t.error}`);
      return 2;
    }
    target = t.target;
    secrets = t.secrets;
    source = { mcpJson: name };
    fallbackName = name;
  }

  const live = await listToolsLive(target, { timeoutMs: ms, secrets, signal });
  if (!live.ok) {
    io.err(`agent-policy: cannot list the tools: ${live.message}`);
    return 2;
  }
  const { tools, problems } = collectTools(live.tools);
  const server = values.name?.trim() ?? (values['mcp-json'] ?? serverNameFrom(live.serverInfo, fallbackName));
  const base = ws.manifestFile ? path.dirname(toNativePath(ws.manifestFile)) : io.cwd;
  const outNative = path.resolve(base, values.out ?? path.join('mcp', `${fileSafe(server)}.tools.json`));
  const outCore = toCorePath(outNative);
  const text = formatToolListFile(live.serverInfo, source, tools);

  // The manifest edit is worked out before anything is written: a manifest that cannot take it changes nothing.
  let manifestEdit: { text: string; changed: boolean; previous?: string } | undefined;
  let importPath: string | undefined;
  if (ws.manifestFile && manifestText !== undefined) {
    importPath = path.relative(path.dirname(toNativePath(ws.manifestFile)), outNative).split(path.sep).join('/');
    const e = setServerImport(ws.manifestFile, manifestText, server, importPath);
    if ('error' in e) {
      io.err(`agent-policy: ${values.manifest}: ${e.error}`);
      return 2;
    }
    manifestEdit = e;
  }
  const w = writeInside(confinement, outCore, text);
  if ('refused' in w) {
    io.err(`agent-policy: ${values.out ?? relTo(io, outCore)}: ${refusalMessage(w)}`);
    return 2;
  }
  if (manifestEdit?.changed && ws.manifestFile) {
    const m = writeInside(confinement, ws.manifestFile, manifestEdit.text);
    if ('refused' in m) {
      io.err(`agent-policy: ${values.manifest}: ${refusalMessage(m)}`);
      return 2;
    }
  }
  const manifestChange = manifestEdit ? (!manifestEdit.changed ? 'unchanged' : manifestEdit.previous ? 'updated' : 'added') : undefined;
  if (fmt === 'json') {
    io.out(
      JSON.stringify(
        {
          version: 1,
          server,
          serverInfo: live.serverInfo ?? null,
          tools: tools.length,
          pages: live.pages,
          out: relTo(io, outCore),
          ...(ws.manifestFile ? { manifest: { file: relTo(io, ws.manifestFile), import: importPath, change: manifestChange } } : {}),
          problems,
        },
        null,
        2,
      ),
    );
  } else {
    const c = (code: number, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s);
    const info = live.serverInfo ? `${live.serverInfo.name} ${live.serverInfo.version}` : 'the server (it gave no name)';
    const lines = [`${c(32, '✓')} ${tools.length} tool${tools.length === 1 ? '' : 's'} of ${info}${live.pages > 1 ? ` (${live.pages} pages)` : ''} → ${relTo(io, outCore)}`];
    if (ws.manifestFile) lines.push(`  ${relTo(io, ws.manifestFile)}: server \`${server}\` ${manifestChange === 'unchanged' ? 'already imports' : manifestChange === 'updated' ? 'now imports' : 'added, importing'} ${importPath}`);
    else lines.push(c(2, `  import it in a manifest: servers: { ${server}: { tools: { $import: ${relTo(io, outCore)} } } } (or use --manifest FILE)`));
    for (const p of problems) lines.push(c(33, `  ⚠ ${p}`));
    io.out(lines.join('\n'));
  }
  return 0;
}

function servers(args: string[], io: ToolsIo): number {
  const { values } = parseArgs({ args, allowPositionals: false, options: { format: { type: 'string', short: 'f' } } });
  const fmt = format(values.format);
  const ws = workspaceOf(undefined, io.cwd);
  if ('error' in ws) {
    io.err(`agent-policy: ${ws.error}`);
    return 2;
  }
  const parsed = readMcpJson(ws.root);
  const list = 'error' in parsed ? [] : parsed.servers;
  const declared = 'error' in parsed ? [] : parsed.inputs;
  // Only what identifies a server and the inputs it asks for: never its environment, headers or arguments (they may hold secrets).
  const shown = list.map((s) => {
    const inputs = inputsUsed(s).map((id) => declared.find((i) => i.id === id) ?? { id, password: true });
    return { name: s.name, kind: s.kind, ...(s.kind === 'stdio' ? { command: path.basename(s.command) } : s.kind === 'http' ? { url: describeSource({ url: s.url }).replace(/ \(HTTP\)$/, '') } : { why: s.why }), ...(inputs.length ? { inputs } : {}) };
  });
  if (fmt === 'json') {
    io.out(JSON.stringify({ version: 1, file: MCP_JSON, servers: shown, ...('error' in parsed ? { error: parsed.error } : parsed.problems.length ? { problems: parsed.problems } : {}) }, null, 2));
  } else if ('error' in parsed) {
    io.err(`agent-policy: ${parsed.error}`);
  } else {
    io.out(shown.map((s) => `${s.name}  ${s.kind}${'command' in s ? `  ${s.command}` : 'url' in s ? `  ${s.url}` : `  (${s.why})`}`).join('\n') || `no servers in ${MCP_JSON}`);
  }
  return 'error' in parsed && fmt !== 'json' ? 2 : 0;
}

interface ServerReport {
  manifest: string;
  server: string;
  file: string;
  status: 'same' | 'drift' | 'skipped' | 'error';
  source?: string;
  message?: string;
  pulled?: ServerInfo;
  live?: ServerInfo;
  drift?: ServerDrift;
}

/** A host that answers with the live list where an imported list is: the same project, as the live servers would make it. */
class OverlayHost implements ProjectHost {
  constructor(
    private readonly base: ProjectHost,
    private readonly overlay: Map<string, string>,
  ) {}
  get root(): string {
    return this.base.root;
  }
  listFiles(): readonly string[] {
    return this.base.listFiles();
  }
  read(p: string): FileRead {
    const t = this.overlay.get(p);
    return t !== undefined ? { text: t } : readFrom(this.base, p);
  }
  readFile(p: string): string | undefined {
    const r = this.read(p);
    return 'text' in r ? r.text : undefined;
  }
}

async function check(args: string[], io: ToolsIo, signal: AbortSignal): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      server: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      format: { type: 'string', short: 'f' },
      'fail-on': { type: 'string' },
    },
  });
  const fmt = format(values.format);
  const ms = timeoutMs(values.timeout);
  const failOn = values['fail-on'];
  if (failOn !== undefined && failOn !== 'drift' && failOn !== 'finding') throw new ToolsUsage(`--fail-on must be one of drift, finding (got \`${failOn}\`)`);
  if (values.manifest && positionals.length) throw new ToolsUsage('give either PATH or --manifest, not both');
  const { targets, errors, notes } = resolveTargets(values.manifest ? [values.manifest] : positionals, io.cwd);
  if (errors.length) {
    for (const e of errors) io.err(`agent-policy: ${e}`);
    return 2;
  }
  for (const n of notes) io.err(`agent-policy: note: ${n}`);
  const reports: ServerReport[] = [];
  const fresh: CoreDiagnostic[] = [];
  let unreadable = 0;
  for (const t of targets) {
    const project = projectFor(t);
    for (const mf of t.files.filter(isManifestFile)) {
      const entry = project.manifest(mf);
      const m = entry?.manifest;
      if (!entry || !m) {
        const r = readFrom(project.host, mf);
        reports.push({ manifest: mf, server: '', file: mf, status: 'error', message: 'refused' in r ? refusalMessage(r) : 'the manifest does not load: run `agent-policy check` for the details' });
        unreadable++;
        continue;
      }
      const overlay = new Map<string, string>();
      const wanted = values.server;
      const set = runToEnd(project.policySetSteps(entry));
      for (const s of m.servers) {
        if (!s.importFile || (wanted && !wanted.includes(s.name))) continue;
        const report: ServerReport = { manifest: mf, server: s.name, file: s.importFile, status: 'skipped' };
        reports.push(report);
        const meta = readToolListMeta(project.host.readFile(s.importFile) ?? '');
        if (meta.serverInfo) report.pulled = meta.serverInfo;
        if (!meta.source) {
          report.message = meta.problem ?? 'the list records no source: pull it with `agent-policy tools pull` to check it against its server';
          continue;
        }
        report.source = describeSource(meta.source);
        let target: McpTarget;
        let secrets: string[] = [];
        if ('command' in meta.source) target = { kind: 'stdio', command: meta.source.command, args: meta.source.args, cwd: path.resolve(toNativePath(t.root), meta.source.cwd ?? '.') };
        else if ('url' in meta.source) target = { kind: 'http', url: meta.source.url };
        else {
          const r = mcpJsonTarget(t.root, meta.source.mcpJson);
          if ('error' in r) {
            report.status = 'error';
            report.message = r.error;
            unreadable++;
            continue;
          }
          target = r.target;
          secrets = r.secrets;
        }
        if (fmt === 'pretty') io.err(`agent-policy: asking ${report.source} for the tools of \`${s.name}\`…`);
        const live = await listToolsLive(target, { timeoutMs: ms, secrets, signal });
        if (!live.ok) {
          report.status = 'error';
          report.message = live.message;
          unreadable++;
          continue;
        }
        if (live.serverInfo) report.live = live.serverInfo;
        const { tools } = collectTools(live.tools);
        const drift = compareServerTools({ manifest: m, server: s.name, live: tools, policies: set.files });
        report.drift = drift;
        report.status = hasDrift(drift) ? 'drift' : 'same';
        if (hasDrift(drift)) overlay.set(s.importFile, formatToolListFile(live.serverInfo, meta.source, tools));
      }
      if (overlay.size) {
        // The project as the live servers would make it: what it reports and the imported lists do not is new.
        const files = [mf, ...project.policyFilesOf(entry), ...overlay.keys()];
        const after = new Project(new OverlayHost(project.host, overlay));
        const before = files.flatMap((f) => project.check(f).diagnostics);
        const now = files.flatMap((f) => after.check(f).diagnostics);
        fresh.push(...newDiagnostics(before, now));
      }
    }
  }

  const indexes = new Map<string, LineIndex>();
  const where = (file: string, span: Span) => {
    let ix = indexes.get(file);
    if (!ix) {
      const root = targets.find((x) => file.startsWith(`${x.root}/`))?.root ?? targets[0]!.root;
      const r = new Confinement(root).read(file);
      indexes.set(file, (ix = new LineIndex('text' in r ? r.text : '')));
    }
    return { file: relTo(io, file), range: ix.range(span) };
  };
  const findings = reports.flatMap((r) => r.drift?.findings ?? []);
  const count = (sev: Severity) => findings.filter((f) => f.severity === sev).length + fresh.filter((d) => d.severity === sev).length;
  const summary = {
    drifted: reports.filter((r) => r.status === 'drift').length,
    unchanged: reports.filter((r) => r.status === 'same').length,
    skipped: reports.filter((r) => r.status === 'skipped').length,
    errors: unreadable,
    findings: { error: count('error'), warning: count('warning'), info: count('info') },
  };
  if (fmt === 'json') {
    io.out(
      JSON.stringify(
        {
          version: 1,
          servers: reports.map((r) => ({
            manifest: relTo(io, r.manifest),
            server: r.server,
            file: relTo(io, r.file),
            status: r.status,
            ...(r.source ? { source: r.source } : {}),
            ...(r.message ? { message: r.message } : {}),
            ...(r.pulled ? { pulled: r.pulled } : {}),
            ...(r.live ? { live: r.live } : {}),
            ...(r.drift
              ? {
                  added: r.drift.added.map((a) => ({ name: a.name, destructive: a.destructive, coveredBy: a.coveredBy.map((h) => h.id) })),
                  removed: r.drift.removed.map((x) => ({ name: x.name, policies: x.namedBy.map((h) => h.id), scenarios: x.scenarios.map((s) => s.name) })),
                  changed: r.drift.changed.map((x) => ({ name: x.name, args: x.args, becameDestructive: x.becameDestructive, policies: [...new Set(x.readers.flatMap((rd) => rd.policies.map((h) => h.id)))] })),
                  findings: r.drift.findings.map((f) => ({ severity: f.severity, tool: f.tool, message: f.message, ...(f.at ? where(f.at.file, f.at.span) : {}) })),
                }
              : {}),
          })),
          newDiagnostics: fresh.map((d) => ({ file: relTo(io, d.file), severity: d.severity, code: d.code, message: d.message, range: d.range, ...(d.policyId ? { policyId: d.policyId } : {}) })),
          summary,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(prettyCheck(reports, fresh, summary, io, where));
  }
  if (unreadable) return 2;
  if (failOn === 'drift' && summary.drifted) return 1;
  if (failOn === 'finding' && summary.findings.error + summary.findings.warning > 0) return 1;
  return 0;
}

function prettyCheck(
  reports: ServerReport[],
  fresh: CoreDiagnostic[],
  summary: { drifted: number; unchanged: number; skipped: number; errors: number; findings: Record<Severity, number> },
  io: ToolsIo,
  where: (file: string, span: Span) => { file: string; range: { start: { line: number; character: number } } },
): string {
  const c = (code: number, s: string) => (io.color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const sev: Record<Severity, string> = { error: c(31, 'error'), warning: c(33, 'warning'), info: c(36, 'info') };
  const at = (w: { file: string; range: { start: { line: number; character: number } } }) => `${w.file}:${w.range.start.line + 1}:${w.range.start.character + 1}`;
  const lines: string[] = [];
  let manifest = '';
  for (const r of reports) {
    if (r.manifest !== manifest) {
      manifest = r.manifest;
      lines.push(c(4, relTo(io, r.manifest)));
    }
    if (!r.server) {
      lines.push(`  ${c(31, '✗')} ${r.message}`);
      continue;
    }
    const head = `  server \`${r.server}\` (${relTo(io, r.file)})`;
    if (r.status === 'skipped') {
      lines.push(`${head}: ${c(2, `skipped: ${r.message}`)}`);
      continue;
    }
    if (r.status === 'error') {
      lines.push(`${head}: ${c(31, `✗ ${r.message}`)}`);
      continue;
    }
    const versions = r.pulled && r.live ? ` ${r.pulled.version === r.live.version ? `${r.live.name} ${r.live.version}` : `${r.live.name} ${r.pulled.version} → ${r.live.version}`} —` : '';
    if (r.status === 'same' || !r.drift) {
      lines.push(`${head}:${versions} ${c(32, '✓ no drift')}`);
      continue;
    }
    const d = r.drift;
    lines.push(`${head}:${versions} ${c(33, `${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`)}`);
    for (const a of d.added) lines.push(`    ${c(32, '+')} ${a.name}${a.destructive ? c(33, '  destructive') : ''}${a.coveredBy.length ? c(2, `  covered by ${a.coveredBy.map((h) => h.id).join(', ')}`) : c(2, '  no permit covers it')}`);
    for (const x of d.removed) lines.push(`    ${c(31, '−')} ${x.name}${x.namedBy.length + x.scenarios.length ? c(2, `  named by ${[...x.namedBy.map((h) => h.id), ...x.scenarios.map((s) => `scenario "${s.name}"`)].join(', ')}`) : ''}`);
    for (const x of d.changed) lines.push(`    ${c(33, '~')} ${x.name}  ${c(2, [...x.args.map(describeArgChange), ...(x.becameDestructive ? ['now destructive'] : [])].join('; '))}`);
    for (const f of d.findings.filter((f) => f.severity !== 'info')) lines.push(`    ${sev[f.severity]}${' '.repeat(8 - f.severity.length)} ${f.message}${f.at ? c(2, `  ${at(where(f.at.file, f.at.span))}`) : ''}`);
  }
  if (fresh.length) {
    lines.push('', c(4, 'new problems with the live tool lists'));
    for (const d of fresh) lines.push(`  ${relTo(io, d.file)}:${d.range.start.line + 1}:${d.range.start.character + 1}  ${sev[d.severity]}${' '.repeat(8 - d.severity.length)} ${d.message.split('\n')[0]}  ${c(2, d.code)}`);
  }
  if (!reports.length) lines.push('no imported tool lists (servers: { NAME: { tools: { $import: … } } }) to check');
  const f = summary.findings;
  lines.push(
    '',
    `${summary.drifted} drifted, ${summary.unchanged} unchanged, ${summary.skipped} skipped${summary.errors ? `, ${c(31, `${summary.errors} could not be checked`)}` : ''}; findings: ${f.error} error${f.error === 1 ? '' : 's'}, ${f.warning} warning${f.warning === 1 ? '' : 's'}, ${f.info} info`,
  );
  return lines.join('\n');
}

