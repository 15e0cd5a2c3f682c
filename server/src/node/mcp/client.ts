/**
 * Asks a live MCP server for its tools with the official MCP TypeScript SDK: starts it (stdio) or connects to
 * it (streamable HTTP), initialises, follows `tools/list` pagination, and always closes — the server process
 * is killed at the end, whatever happened. Never throws: every failure is a message for the user, with the
 * given secrets (environment values, headers) scrubbed from it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { scrub } from '../../core/redact';
import { safeUrl, type ServerInfo } from '../../core/tools/toolListFile';

export type McpTarget =
  | { kind: 'stdio'; command: string; args: string[]; env?: Record<string, string>; cwd: string }
  | { kind: 'http'; url: string; headers?: Record<string, string> };

export type ListOutcome =
  | { ok: true; serverInfo?: ServerInfo; tools: unknown[]; pages: number }
  | { ok: false; reason: 'not-found' | 'exited' | 'timeout' | 'refused' | 'protocol'; message: string };

export interface ListOptions {
  timeoutMs: number;
  /** Values that must never appear in a message (environment values, headers, inputs). */
  secrets?: readonly string[];
  /** Called with the server's process id once it runs (tests check that it is gone afterwards). */
  onSpawn?: (pid: number) => void;
  /** Stops waiting (the server is closed and killed as at any end). */
  signal?: AbortSignal;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
/** Bounds on what one server may send: pages of tools/list and tools in all. */
export const MAX_PAGES = 1000;
export const MAX_TOOLS = 20_000;
const STDERR_TAIL = 4096;

const CLIENT_INFO = { name: 'agent-policy', version: typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev' };
declare const __VERSION__: string | undefined;

class Timeout extends Error {}
class Cancelled extends Error {}

function errorCode(err: unknown): string {
  return err instanceof Error && 'code' in err ? String((err as { code: unknown }).code) : '';
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim().slice(0, 300) ?? '';
}

/** Lists the tools of a live server. */
export async function listToolsLive(target: McpTarget, options: ListOptions): Promise<ListOutcome> {
  const secrets = options.secrets ?? [];
  const clean = (s: string) => scrub(s, secrets);
  const what = target.kind === 'stdio' ? `\`${target.command}\`` : safeUrl(target.url);
  let stderr = '';
  let closed = false;
  let pid: number | null = null;
  let transport: StdioClientTransport | StreamableHTTPClientTransport;
  if (target.kind === 'stdio') {
    const t = new StdioClientTransport({
      command: target.command,
      args: target.args,
      env: { ...getDefaultEnvironment(), ...(target.env ?? {}) },
      cwd: target.cwd,
      stderr: 'pipe',
    });
    t.stderr?.on('data', (chunk: Buffer | string) => {
      stderr = (stderr + chunk.toString()).slice(-STDERR_TAIL);
    });
    transport = t;
  } else {
    let url: URL;
    try {
      url = new URL(target.url);
    } catch {
      return { ok: false, reason: 'refused', message: 'not a valid URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: 'refused', message: `${safeUrl(target.url)}: only http:// and https:// URLs are supported` };
    transport = new StreamableHTTPClientTransport(url, { requestInit: { headers: target.headers ?? {} } });
  }
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  client.onclose = () => {
    closed = true;
  };
  // The SDK reports transport errors here as well as by rejecting the pending request; the rejection is what counts.
  client.onerror = () => undefined;
  const notePid = () => {
    if (pid === null && transport instanceof StdioClientTransport && transport.pid !== null) {
      pid = transport.pid;
      options.onSpawn?.(pid);
    }
  };
  const deadline = Date.now() + options.timeoutMs;
  const left = () => Math.max(1, deadline - Date.now());
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Timeout()), options.timeoutMs);
  });
  const onAbort = () => undefined;
  const cancelled = new Promise<never>((_, reject) => {
    if (options.signal?.aborted) reject(new Cancelled());
    options.signal?.addEventListener('abort', () => reject(new Cancelled()), { once: true });
  });
  cancelled.catch(onAbort);
  const stderrHint = () => {
    const line = firstLine(clean(stderr.split('\n').filter((l) => /error|usage|not found|cannot|failed/i.test(l)).join('\n') || stderr));
    return line ? ` (its last words: ${line})` : '';
  };
  try {
    const work = (async () => {
      await client.connect(transport, { timeout: left() });
      notePid();
      const info = client.getServerVersion();
      const tools: unknown[] = [];
      const cursors = new Set<string>();
      let cursor: string | undefined;
      let pages = 0;
      do {
        // `request` with the SDK's loose result schema, not `listTools`: one odd tool (an inputSchema without
        // `type: object`, an outputSchema ajv cannot compile) must not lose the whole list; each tool is checked later.
        const page = await client.request({ method: 'tools/list', params: cursor === undefined ? {} : { cursor } }, ResultSchema, { timeout: left() });
        pages++;
        const list = (page as { tools?: unknown }).tools;
        if (!Array.isArray(list)) throw new ProtocolProblem('its tools/list answer has no `tools` array');
        tools.push(...list);
        if (tools.length > MAX_TOOLS) throw new ProtocolProblem(`it listed more than ${MAX_TOOLS} tools`);
        const next = (page as { nextCursor?: unknown }).nextCursor;
        cursor = typeof next === 'string' && next !== '' ? next : undefined;
        if (cursor !== undefined) {
          if (cursors.has(cursor)) throw new ProtocolProblem('it returned the same pagination cursor twice');
          cursors.add(cursor);
        }
        if (pages >= MAX_PAGES && cursor !== undefined) throw new ProtocolProblem(`it has more than ${MAX_PAGES} pages of tools`);
      } while (cursor !== undefined);
      const serverInfo = info && typeof info.name === 'string' && typeof info.version === 'string' ? { name: info.name, version: info.version, ...(typeof info.title === 'string' ? { title: info.title } : {}) } : undefined;
      return { ok: true as const, ...(serverInfo ? { serverInfo } : {}), tools, pages };
    })();
    work.catch(() => undefined);
    return await Promise.race([work, timeout, cancelled]);
  } catch (err) {
    if (err instanceof Cancelled) return { ok: false, reason: 'timeout', message: `${what}: cancelled` };
    if (err instanceof Timeout) return { ok: false, reason: 'timeout', message: `${what} did not answer within ${Math.round(options.timeoutMs / 100) / 10} s (--timeout SECONDS)${stderrHint()}` };
    const code = errorCode(err);
    if (target.kind === 'stdio' && (code === 'ENOENT' || code === 'EACCES')) {
      return { ok: false, reason: 'not-found', message: code === 'ENOENT' ? `command not found: ${what}` : `${what} cannot be run (permission denied)` };
    }
    if (err instanceof ProtocolProblem) return { ok: false, reason: 'protocol', message: `${what}: ${err.message}` };
    if (target.kind === 'stdio' && closed) return { ok: false, reason: 'exited', message: `${what} exited before answering${stderrHint()}` };
    if (target.kind === 'http' && (code === 'ECONNREFUSED' || /fetch failed|ECONNREFUSED/.test(String(err instanceof Error ? (err.cause ?? err.message) : err)))) {
      return { ok: false, reason: 'refused', message: `${what}: nothing answers there (connection refused)` };
    }
    const msg = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: 'protocol', message: `${what}: ${clean(firstLine(msg)) || 'the MCP exchange failed'}` };
  } finally {
    clearTimeout(timer);
    notePid();
    if (transport instanceof StreamableHTTPClientTransport) await transport.terminateSession().catch(() => undefined);
    await client.close().catch(() => undefined);
    if (pid !== null) killIfAlive(pid);
  }
}

class ProtocolProblem extends Error {}

/** The SDK ends stdin, then sends SIGTERM and SIGKILL: this is the last word, for a process that outlived that. */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 0);
  } catch {
    return;
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}
