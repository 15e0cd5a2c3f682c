/**
 * The file `agent-policy tools pull` writes: the `result` of an MCP `tools/list` call (every page joined), with
 * the server's name and version and how to reach it again, in an order that does not depend on the server's
 * serialisation, so that pulling twice gives the same bytes and a change shows as a small diff.
 *
 *   { "serverInfo": { "name", "title"?, "version" },
 *     "source": { "command", "args", "cwd"? } | { "url" } | { "mcpJson": "<server in .vscode/mcp.json>" },
 *     (`cwd`: the folder the command runs in, relative to the workspace folder; absent: the workspace folder)
 *     "tools": [ … sorted by name … ] }
 *
 * A manifest imports it like any tool list (`parseToolList` reads `tools` and ignores the rest).
 */
import { isPlainObject } from '../yamlDoc';
import { own } from '../own';

/** How to reach a server again (what `tools check` starts). Never holds environment values or headers. */
export type ToolSource = { command: string; args: string[]; cwd?: string } | { url: string } | { mcpJson: string };

export interface ServerInfo {
  name: string;
  version: string;
  title?: string;
}

export type JsonTool = Record<string, unknown> & { name: string };

/** Keys of a tool in the order the file writes them; any other key follows, sorted. */
const TOOL_KEYS = ['name', 'title', 'description', 'annotations', 'inputSchema', 'outputSchema', 'execution', 'icons', '_meta'];

/** Recursively sorted object keys (arrays keep their order): the same data always gives the same text. */
function canonical(v: unknown, depth = 0): unknown {
  if (depth > 200) return null;
  if (Array.isArray(v)) return v.map((x) => canonical(x, depth + 1));
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k of Object.keys(v).sort()) out[k] = canonical(v[k], depth + 1);
  return { ...out };
}

function canonicalTool(t: JsonTool): Record<string, unknown> {
  const keys = [...TOOL_KEYS.filter((k) => Object.hasOwn(t, k)), ...Object.keys(t).filter((k) => !TOOL_KEYS.includes(k)).sort()];
  return Object.fromEntries(keys.map((k) => [k, canonical(t[k])])) as Record<string, unknown>;
}

function canonicalSource(s: ToolSource): Record<string, unknown> {
  if ('command' in s) return { command: s.command, args: [...s.args], ...(s.cwd ? { cwd: s.cwd } : {}) };
  if ('url' in s) return { url: s.url };
  return { mcpJson: s.mcpJson };
}

/**
 * The tools a server listed, checked for the minimum a tool list needs (an object with a non-empty string
 * `name`, each name once): the others are left out, and `problems` says which (by position, never by content).
 */
export function collectTools(raw: readonly unknown[]): { tools: JsonTool[]; problems: string[] } {
  const tools: JsonTool[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  raw.forEach((t, i) => {
    const name = own(t, 'name');
    if (!isPlainObject(t) || typeof name !== 'string' || name === '') {
      problems.push(`tool #${i + 1} has no name and is left out`);
      return;
    }
    if (seen.has(name)) {
      problems.push(`tool \`${name}\` is listed twice; the first is kept`);
      return;
    }
    seen.add(name);
    tools.push(t as JsonTool);
  });
  return { tools, problems };
}

/** The text of a pulled tool list (two-space JSON, LF, a trailing newline). */
export function formatToolListFile(serverInfo: ServerInfo | undefined, source: ToolSource | undefined, tools: readonly JsonTool[]): string {
  const info = serverInfo ? { name: serverInfo.name, ...(serverInfo.title ? { title: serverInfo.title } : {}), version: serverInfo.version } : undefined;
  const sorted = [...tools].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const file = { ...(info ? { serverInfo: info } : {}), ...(source ? { source: canonicalSource(source) } : {}), tools: sorted.map(canonicalTool) };
  return JSON.stringify(file, null, 2) + '\n';
}

/** What a tool list file records about its server: how to reach it and what it said it was. Never throws. */
export function readToolListMeta(text: string): { source?: ToolSource; serverInfo?: ServerInfo; problem?: string } {
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
  } catch {
    return { problem: 'not valid JSON' };
  }
  if (!isPlainObject(v)) return {};
  const out: { source?: ToolSource; serverInfo?: ServerInfo; problem?: string } = {};
  const info = own(v, 'serverInfo');
  if (isPlainObject(info) && typeof info.name === 'string' && typeof info.version === 'string') {
    out.serverInfo = { name: info.name, version: info.version, ...(typeof info.title === 'string' ? { title: info.title } : {}) };
  }
  const s = own(v, 'source');
  if (s === undefined) return out;
  const command = own(s, 'command');
  const args = own(s, 'args');
  const url = own(s, 'url');
  const mcpJson = own(s, 'mcpJson');
  const cwd = own(s, 'cwd');
  if (typeof command === 'string' && command && (args === undefined || (Array.isArray(args) && args.every((a) => typeof a === 'string')))) {
    if (cwd !== undefined && (typeof cwd !== 'string' || cwd.startsWith('/') || /^[A-Za-z]:/.test(cwd) || cwd.split(/[\\/]/).includes('..'))) {
      out.problem = '`source.cwd` must be a folder inside the workspace, relative to it';
      return out;
    }
    out.source = { command, args: (args as string[] | undefined) ?? [], ...(typeof cwd === 'string' && cwd && cwd !== '.' ? { cwd } : {}) };
  } else if (typeof url === 'string' && url) out.source = { url };
  else if (typeof mcpJson === 'string' && mcpJson) out.source = { mcpJson };
  else out.problem = '`source` must be {"command", "args"}, {"url"} or {"mcpJson": "<server name>"}';
  return out;
}

/** A short, secret-free description of a source for messages: the program's name, the URL without credentials or query, or the mcp.json entry. */
export function describeSource(s: ToolSource): string {
  if ('command' in s) return `\`${s.command}\` (stdio)`;
  if ('url' in s) return `${safeUrl(s.url)} (HTTP)`;
  return `\`${s.mcpJson}\` of .vscode/mcp.json`;
}

/** A URL as it may be shown: no user name, password, query or fragment (they may hold tokens). */
export function safeUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(?:[^@/?#]*@)?([^/?#]*)([^?#]*)/i.exec(url);
  return m ? `${m[1]}${m[2]}${m[3]}` : 'the URL';
}
