// An MCP server over stdio made with the official SDK's low-level Server: it lists TOOLS tools (default 7),
// PAGE_SIZE (default 3) per page, with opaque `nextCursor`s. The npm reference servers list all their tools at
// once; this one is how the tests see that `tools pull` follows pagination.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const total = Number(process.env.TOOLS ?? 7);
const pageSize = Number(process.env.PAGE_SIZE ?? 3);
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
