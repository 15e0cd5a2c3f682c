/**
 * The MCP servers a workspace configures for VS Code in `.vscode/mcp.json` (JSON with comments):
 *   { "inputs": [...], "servers": { "<name>": { "type"?: "stdio", "command", "args"?, "env"?, "cwd"? }
 *                                   | { "type": "http", "url", "headers"? } } }
 * Values may hold `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and `${input:id}` (asked by VS Code).
 * Environment values and headers are secrets: they are handed to the server only, never shown.
 */
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { isPlainObject } from '../yamlDoc';
import { own } from '../own';

export const MCP_JSON = '.vscode/mcp.json';

export type McpJsonServer =
  | { name: string; kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { name: string; kind: 'http'; url: string; headers: Record<string, string> }
  | { name: string; kind: 'unsupported'; why: string };

export interface McpJsonInput {
  id: string;
  description?: string;
  password: boolean;
}

/** Parses `.vscode/mcp.json`. Never throws; `problems` name the position or the server, never a value. */
export function parseMcpJson(text: string): { servers: McpJsonServer[]; inputs: McpJsonInput[]; problems: string[] } {
  const errors: ParseError[] = [];
  const v = parse(text, errors, { allowTrailingComma: true, disallowComments: false }) as unknown;
  const problems = errors.slice(0, 3).map((e) => `${MCP_JSON}: ${printParseErrorCode(e.error)} at offset ${e.offset}`);
  const servers: McpJsonServer[] = [];
  const inputs: McpJsonInput[] = [];
  if (!isPlainObject(v)) return { servers, inputs, problems: problems.length ? problems : [`${MCP_JSON}: not a JSON object`] };
  const list = own(v, 'servers');
  if (isPlainObject(list)) {
    for (const name of Object.keys(list)) {
      const s = own(list, name);
      if (!isPlainObject(s)) {
        servers.push({ name, kind: 'unsupported', why: 'not an object' });
        continue;
      }
      const type = own(s, 'type');
      const command = own(s, 'command');
      const url = own(s, 'url');
      if ((type === undefined || type === 'stdio') && typeof command === 'string' && command) {
        const args = own(s, 'args');
        const cwd = own(s, 'cwd');
        servers.push({
          name,
          kind: 'stdio',
          command,
          args: Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [],
          env: stringMap(own(s, 'env')),
          ...(typeof cwd === 'string' && cwd ? { cwd } : {}),
        });
      } else if ((type === 'http' || (type === undefined && command === undefined)) && typeof url === 'string' && url) {
        servers.push({ name, kind: 'http', url, headers: stringMap(own(s, 'headers')) });
      } else if (type === 'sse') {
        servers.push({ name, kind: 'unsupported', why: 'an SSE server (the deprecated HTTP+SSE transport): import from its streamable HTTP endpoint instead' });
      } else {
        servers.push({ name, kind: 'unsupported', why: 'neither a `command` (stdio) nor a `url` (HTTP)' });
      }
    }
  } else if (list !== undefined) problems.push(`${MCP_JSON}: \`servers\` is not an object`);
  const ins = own(v, 'inputs');
  if (Array.isArray(ins)) {
    for (const i of ins) {
      const id = own(i, 'id');
      if (typeof id !== 'string') continue;
      const description = own(i, 'description');
      inputs.push({ id, ...(typeof description === 'string' ? { description } : {}), password: own(i, 'password') === true });
    }
  }
  return { servers, inputs, problems };
}

function stringMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isPlainObject(v)) return out;
  for (const k of Object.keys(v)) {
    const x = own(v, k);
    if (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
  }
  return out;
}

export interface VariableValues {
  workspaceFolder: string;
  userHome?: string;
  env(name: string): string | undefined;
  /** The answer to an `${input:id}` (VS Code asks for them); undefined when not given. */
  input(id: string): string | undefined;
}

/** The `${input:…}` ids a server's values use (so that an editor can ask for them first). */
export function inputsUsed(s: McpJsonServer): string[] {
  const ids = new Set<string>();
  for (const text of valuesOf(s)) for (const m of text.matchAll(/\$\{input:([^}]+)\}/g)) ids.add(m[1]!);
  return [...ids];
}

function valuesOf(s: McpJsonServer): string[] {
  if (s.kind === 'stdio') return [s.command, ...s.args, ...Object.values(s.env), ...(s.cwd ? [s.cwd] : [])];
  if (s.kind === 'http') return [s.url, ...Object.values(s.headers)];
  return [];
}

/**
 * The server with its variables replaced, and the values that must never be shown (environment, headers, inputs).
 * An unknown variable or an input without an answer is an error that names the variable, not a value.
 */
export function resolveMcpJsonServer(s: McpJsonServer, vars: VariableValues): { server: McpJsonServer; secrets: string[] } | { error: string } {
  const secrets: string[] = [];
  let error: string | undefined;
  const sub = (text: string, secret: boolean): string => {
    const out = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      let value: string | undefined;
      if (name === 'workspaceFolder') value = vars.workspaceFolder;
      else if (name === 'workspaceFolderBasename') value = vars.workspaceFolder.replace(/[\\/]+$/, '').split(/[\\/]/).pop();
      else if (name === 'userHome') value = vars.userHome;
      else if (name === '/' || name === 'pathSeparator') value = '/';
      else if (name.startsWith('env:')) {
        value = vars.env(name.slice(4)) ?? '';
        if (value) secrets.push(value);
      } else if (name.startsWith('input:')) {
        value = vars.input(name.slice(6));
        if (value === undefined) error ??= `server \`${s.name}\` needs the input \`${name.slice(6)}\`, which only VS Code can ask for (run "Agent Policy: Import Tools from MCP Server…" there, or use --stdio/--http)`;
        else if (value) secrets.push(value);
      }
      if (value === undefined) {
        error ??= `server \`${s.name}\` uses the variable \`${whole}\`, which is not supported here`;
        return '';
      }
      return value;
    });
    if (secret && out) secrets.push(out);
    return out;
  };
  let server: McpJsonServer;
  if (s.kind === 'stdio') {
    const env: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of Object.keys(s.env)) env[k] = sub(s.env[k]!, true);
    server = { ...s, command: sub(s.command, false), args: s.args.map((a) => sub(a, false)), env, ...(s.cwd ? { cwd: sub(s.cwd, false) } : {}) };
  } else if (s.kind === 'http') {
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const k of Object.keys(s.headers)) headers[k] = sub(s.headers[k]!, true);
    server = { ...s, url: sub(s.url, false), headers };
  } else server = s;
  if (error) return { error };
  return { server, secrets };
}
