// An MCP server over stdio made with the official SDK's low-level Server: it lists `--tools N` tools (default 7),
// `--page-size N` (default 3) per page, with opaque `nextCursor`s (arguments, not environment variables: the SDK
// hands a stdio server only a few variables of the client's environment). The npm reference servers list all their tools at
// once; this one is how the tests see that `tools pull` follows pagination.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : Number(process.env[name.slice(2).toUpperCase().replace('-', '_')] ?? def);
};
const total = arg('--tools', 7);
const pageSize = arg('--page-size', 3);
const tools = Array.from({ length: total }, (_, i) => ({
  name: `tool_${String(i).padStart(2, '0')}`,
  description: `Tool number ${i}`,
  annotations: i % 2 ? { readOnlyHint: true } : { destructiveHint: true },
  inputSchema: { type: 'object' as const, properties: { id: { type: 'string' }, count: { type: 'integer' } }, required: ['id'] },
}));

const server = new Server({ name: 'paged-test-server', version: '1.2.3' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, (req) => {
  const start = req.params?.cursor ? Number(Buffer.from(req.params.cursor, 'base64url').toString()) : 0;
  const end = Math.min(start + pageSize, total);
  return { tools: tools.slice(start, end), ...(end < total ? { nextCursor: Buffer.from(String(end)).toString('base64url') } : {}) };
});
void server.connect(new StdioServerTransport());
