// The real MCP servers the tests start (installed from npm, pinned in devDependencies) and how to start them
// from node_modules — never through `npx`, which would download.
import * as path from 'node:path';
import { REPO } from './memoryHost';

export const EVERYTHING = path.join(REPO, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
export const FILESYSTEM = path.join(REPO, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
/** A server made with the SDK's own server classes, for what the npm servers do not do (pagination). */
export const PAGED = path.join(REPO, 'out', 'test', 'helpers', 'pagedServer.js');

/** A `--stdio` command line: each word in double quotes (paths may hold spaces). */
export function commandLine(...words: string[]): string {
  return words.map((w) => `"${w.replace(/(["\\])/g, '\\$1')}"`).join(' ');
}

export const NODE = process.execPath;
