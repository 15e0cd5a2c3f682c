// The pure parts of importing tools from live MCP servers: the command line, the pulled file's format, the
// manifest edit, .vscode/mcp.json and the drift analysis (on a project in memory).
import * as assert from 'node:assert/strict';
import { splitCommandLine } from '../../server/src/core/tools/commandLine';
import { collectTools, formatToolListFile, readToolListMeta, safeUrl, type JsonTool } from '../../server/src/core/tools/toolListFile';
import { setServerImport } from '../../server/src/core/tools/manifestImport';
import { inputsUsed, parseMcpJson, resolveMcpJsonServer } from '../../server/src/core/tools/mcpJson';
import { compareInputSchemas, compareServerTools } from '../../server/src/core/analysis/toolDrift';
import { parseToolList } from '../../server/src/core/manifest/toolList';
import { Project } from '../../server/src/core/project';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { MemoryHost } from '../helpers/memoryHost';

describe('tools: command line', () => {
  it('splits words with quotes and escapes, without a shell', () => {
    assert.deepEqual(splitCommandLine(`node "my server.js" --root '/a b/$HOME' x\\ y "say \\"hi\\""`), { argv: ['node', 'my server.js', '--root', '/a b/$HOME', 'x y', 'say "hi"'] });
    assert.deepEqual(splitCommandLine(`a '' b`), { argv: ['a', '', 'b'] });
    assert.deepEqual(splitCommandLine('  npx  -y   pkg  '), { argv: ['npx', '-y', 'pkg'] });
    assert.ok('error' in splitCommandLine('node "unclosed'));
    assert.ok('error' in splitCommandLine("node 'unclosed"));
    assert.ok('error' in splitCommandLine('   '));
    assert.ok('error' in splitCommandLine('node \\'));
    // Shell syntax is data: no pipe, no redirection, no substitution.
    assert.deepEqual(splitCommandLine('echo a|b >c $(d)'), { argv: ['echo', 'a|b', '>c', '$(d)'] });
  });
});

describe('tools: the pulled file', () => {
  const tools = [
    { name: 'b', inputSchema: { type: 'object', properties: { z: { type: 'string' }, a: { type: 'integer' } } }, description: 'B' },
    { description: 'A', name: 'a', annotations: { readOnlyHint: true }, custom: 1 },
  ] as unknown as JsonTool[];

  it('has a stable order whatever the server sends, a trailing newline, and loads as a tool list', () => {
    const text = formatToolListFile({ name: 's', version: '1' }, { command: 'node', args: ['x.js'] }, tools);
    const shuffled = formatToolListFile({ version: '1', name: 's' } as never, { args: ['x.js'], command: 'node' } as never, [...tools].reverse().map((t) => Object.fromEntries(Object.entries(t).reverse()) as JsonTool));
    assert.equal(shuffled, text);
    assert.ok(text.endsWith('}\n') && !text.endsWith('\n\n'));
    const v = JSON.parse(text) as { serverInfo: unknown; source: unknown; tools: Record<string, unknown>[] };
    assert.deepEqual(Object.keys(v), ['serverInfo', 'source', 'tools']);
    assert.deepEqual(v.tools.map((t) => t.name), ['a', 'b']);
    assert.deepEqual(Object.keys(v.tools[0]!), ['name', 'description', 'annotations', 'custom']);
    assert.deepEqual(Object.keys((v.tools[1]!.inputSchema as { properties: object }).properties), ['a', 'z']);
    const parsed = parseToolList(text);
    assert.deepEqual(parsed.findings, []);
    assert.equal(parsed.tools.length, 2);
    assert.deepEqual(readToolListMeta(text), { serverInfo: { name: 's', version: '1' }, source: { command: 'node', args: ['x.js'] } });
  });

  it('leaves out tools without a name and duplicates, and says which by position', () => {
    const r = collectTools([{ name: 'a' }, { title: 'x' }, 'junk', { name: 'a' }, { name: '__proto__' }]);
    assert.deepEqual(r.tools.map((t) => t.name), ['a', '__proto__']);
    assert.equal(r.problems.length, 3);
  });

  it('reads the source of a list, and refuses a malformed one without throwing', () => {
    assert.deepEqual(readToolListMeta('{"source":{"url":"http://127.0.0.1:9/mcp"},"tools":[]}').source, { url: 'http://127.0.0.1:9/mcp' });
    assert.deepEqual(readToolListMeta('{"source":{"mcpJson":"files"},"tools":[]}').source, { mcpJson: 'files' });
    assert.ok(readToolListMeta('{"source":{"command":3},"tools":[]}').problem);
    assert.deepEqual(readToolListMeta('{"source":{"command":"node","args":["s.js"],"cwd":"tools/mcp"}}').source, { command: 'node', args: ['s.js'], cwd: 'tools/mcp' });
    for (const cwd of ['../up', '/abs', 'a/../../b', 'C:/x']) assert.ok(readToolListMeta(JSON.stringify({ source: { command: 'node', cwd } })).problem, cwd);
    assert.deepEqual(readToolListMeta('[]'), {});
    assert.ok(readToolListMeta('{').problem);
  });

  it('never shows credentials of a URL', () => {
    assert.equal(safeUrl('https://user:pw@host.example:8443/mcp?token=abc#x'), 'https://host.example:8443/mcp');
  });
});

describe('tools: the manifest edit keeps everything else', () => {
  const manifest = [
    '# Acme agents',
    'version: 1',
    'roles: [ops]   # one role',
    '',
    'servers:',
    '  # the CRM',
    '  crm:',
    '    description: "CRM"  # quoted on purpose',
    '    tools: { $import: mcp/crm.tools.json }',
    '  infra:',
    '    description: infra',
    '',
    '# scenarios follow',
    'scenarios: []',
    '',
  ].join('\n');

  const linesAdded = (before: string, after: string) => {
    const a = before.split('\n');
    const b = after.split('\n');
    const out: string[] = [];
    let i = 0;
    for (const line of b) {
      if (a[i] === line) i++;
      else out.push(line);
    }
    assert.equal(i, a.length, `lines of the original were changed or lost:\n${after}`);
    return out;
  };

  it('adds a new server at the end of `servers:`, at its indentation', () => {
    const r = setServerImport('/ws/a.agents.yaml', manifest, 'everything', 'mcp/everything.tools.json');
    assert.ok('text' in r && r.changed);
    assert.deepEqual(linesAdded(manifest, r.text), ['  everything:', '    tools: { $import: mcp/everything.tools.json }']);
    assert.ok(r.text.indexOf('everything:') < r.text.indexOf('# scenarios follow'));
  });

  it('adds `tools` to a server that has none, and replaces only the path of an existing import', () => {
    const r = setServerImport('/ws/a.agents.yaml', manifest, 'infra', 'mcp/infra.tools.json');
    assert.ok('text' in r);
    assert.deepEqual(linesAdded(manifest, r.text), ['    tools: { $import: mcp/infra.tools.json }']);
    const u = setServerImport('/ws/a.agents.yaml', manifest, 'crm', 'tools/crm v2.tools.json');
    assert.ok('text' in u && u.changed && u.previous === 'mcp/crm.tools.json');
    assert.equal(u.text, manifest.replace('$import: mcp/crm.tools.json', '$import: "tools/crm v2.tools.json"'));
    const same = setServerImport('/ws/a.agents.yaml', manifest, 'crm', 'mcp/crm.tools.json');
    assert.ok('text' in same && !same.changed && same.text === manifest);
  });

  it('creates `servers:` when there is none, keeps CRLF, and refuses to replace inline tools', () => {
    const r = setServerImport('/ws/a.agents.yaml', 'version: 1\r\n# end\r\n', 'fs', 'mcp/fs.tools.json');
    assert.ok('text' in r);
    assert.equal(r.text, 'version: 1\r\n# end\r\n\r\nservers:\r\n  fs:\r\n    tools: { $import: mcp/fs.tools.json }\r\n');
    const inline = setServerImport('/ws/a.agents.yaml', 'version: 1\nservers:\n  s:\n    tools:\n      - name: t\n', 's', 'mcp/s.tools.json');
    assert.ok('error' in inline && inline.error.includes('inline'));
    assert.ok('error' in setServerImport('/ws/a.agents.yaml', 'version: 1\nservers: [\n', 's', 'x.tools.json'));
  });

  it('edits flow-style servers and JSON manifests without losing comments or formatting', () => {
    const flow = 'version: 1 # v\nservers: { crm: { tools: { $import: a.tools.json } } } # flow\n';
    const r = setServerImport('/ws/a.agents.yaml', flow, 'fs', 'mcp/fs.tools.json');
    assert.ok('text' in r && r.text.includes('# v') && r.text.includes('# flow') && r.text.includes('fs'));
    const json = '{\n    "version": 1,\n    "servers": {\n        "crm": { "tools": { "$import": "a.tools.json" } }\n    }\n}\n';
    const j = setServerImport('/ws/a.agents.json', json, 'fs', 'mcp/fs.tools.json');
    assert.ok('text' in j);
    const v = JSON.parse(j.text) as { servers: Record<string, { tools: { $import: string } }> };
    assert.equal(v.servers.fs!.tools.$import, 'mcp/fs.tools.json');
    assert.ok(j.text.includes('        "crm": { "tools": { "$import": "a.tools.json" } }'), j.text);
  });
});

describe('tools: .vscode/mcp.json', () => {
  const text = `{
    // servers VS Code starts
    "inputs": [{ "type": "promptString", "id": "token", "password": true }],
    "servers": {
      "files": { "command": "node", "args": ["\${workspaceFolder}/fs.js", "."], "env": { "API_KEY": "\${input:token}", "HOME_COPY": "\${env:HOME}" } },
      "remote": { "type": "http", "url": "http://127.0.0.1:3001/mcp", "headers": { "Authorization": "Bearer abc" } },
      "old": { "type": "sse", "url": "http://x/sse" },
    }
  }`;

  it('reads JSON with comments and trailing commas, and resolves variables, collecting every secret', () => {
    const parsed = parseMcpJson(text);
    assert.deepEqual(parsed.problems, []);
    assert.deepEqual(parsed.servers.map((s) => `${s.name}:${s.kind}`), ['files:stdio', 'remote:http', 'old:unsupported']);
    const files = parsed.servers[0]!;
    assert.deepEqual(inputsUsed(files), ['token']);
    const missing = resolveMcpJsonServer(files, { workspaceFolder: '/w', env: () => undefined, input: () => undefined });
    assert.ok('error' in missing && missing.error.includes('token') && !missing.error.includes('/w'));
    const ok = resolveMcpJsonServer(files, { workspaceFolder: '/w', env: (n) => (n === 'HOME' ? '/home/u' : undefined), input: () => 's3cret-value' });
    assert.ok('server' in ok && ok.server.kind === 'stdio');
    assert.deepEqual(ok.server.args, ['/w/fs.js', '.']);
    assert.ok(ok.secrets.includes('s3cret-value') && ok.secrets.includes('/home/u'));
    const remote = resolveMcpJsonServer(parsed.servers[1]!, { workspaceFolder: '/w', env: () => undefined, input: () => undefined });
    assert.ok('secrets' in remote && remote.secrets.includes('Bearer abc'));
    assert.ok('error' in resolveMcpJsonServer({ name: 'x', kind: 'stdio', command: '${command:pick}', args: [], env: {} }, { workspaceFolder: '/w', env: () => undefined, input: () => undefined }));
  });

  it('never throws on what is not an mcp.json', () => {
    for (const t of ['', '[]', '{"servers": 3}', '{"servers": {"a": 1, "__proto__": {"command": "x"}}}', '{{{']) assert.doesNotThrow(() => parseMcpJson(t));
  });
});

describe('tools: drift', () => {
  it('compares input schemas: removed, retyped, added, now required, narrowed enums, nested', () => {
    const before = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' }, o: { type: 'object', properties: { x: { type: 'string' } } }, e: { type: 'string', enum: ['x', 'y'] } }, required: ['a'] };
    const after = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' }, o: { type: 'object', properties: {} }, e: { type: 'string', enum: ['x'] }, n: { type: 'boolean' } }, required: ['a', 'n'] };
    assert.deepEqual(
      compareInputSchemas(before, after).map((c) => `${c.change} ${c.path.join('.')}`),
      ['retyped b', 'removed o.x', 'enum-narrowed e', 'now-required n'],
    );
  });

  it('names the policies and scenarios each change touches', () => {
    const list = (tools: object[]) => JSON.stringify({ tools });
    const str = { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] };
    const host = MemoryHost.of({
      'a.agents.yaml': 'version: 1\nnamespace: N\nroles: [r]\nagents:\n  bot: { roles: [r] }\nservers:\n  fs:\n    tools: { $import: fs.tools.json }\nscenarios:\n  - { name: gone, agent: bot, tool: old_tool, args: {}, context: {}, expect: deny }\n',
      'fs.tools.json': list([
        { name: 'read', annotations: { readOnlyHint: true }, inputSchema: str },
        { name: 'old_tool', annotations: { readOnlyHint: true }, inputSchema: { type: 'object' } },
      ]),
      'p.cedar': [
        '@id("read-docs")',
        'permit (principal == N::Agent::"bot", action == N::Action::"read", resource) when { context.input.path like "docs/*" };',
        '@id("old")',
        'permit (principal == N::Agent::"bot", action == N::Action::"old_tool", resource);',
        '@id("all-fs")',
        'permit (principal in N::Role::"r", action, resource == N::McpServer::"fs");',
        '',
      ].join('\n'),
    });
    const project = new Project(host);
    const entry = project.manifest('/ws/a.agents.yaml')!;
    const set = runToEnd(project.policySetSteps(entry));
    const live = collectTools([
      { name: 'read', annotations: { readOnlyHint: true }, inputSchema: { type: 'object', properties: { path: { type: 'array', items: { type: 'string' } } } } },
      { name: 'delete', inputSchema: { type: 'object' } },
      { name: 'list', annotations: { readOnlyHint: true }, inputSchema: { type: 'object' } },
    ]).tools;
    const d = compareServerTools({ manifest: entry.manifest!, server: 'fs', live, policies: set.files });
    assert.deepEqual(d.added.map((a) => `${a.name}:${a.destructive}:${a.coveredBy.map((h) => h.id).join(',')}`), ['delete:true:all-fs', 'list:false:all-fs']);
    assert.deepEqual(d.removed.map((r) => `${r.name}:${r.namedBy.map((h) => h.id).join(',')}:${r.scenarios.map((s) => s.name).join(',')}`), ['old_tool:old:gone']);
    assert.deepEqual(d.changed.map((c) => `${c.name}:${c.readers.flatMap((r) => r.policies.map((h) => h.id)).join(',')}`), ['read:read-docs']);
    const serious = d.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.tool}`);
    assert.deepEqual(serious.sort(), ['error old_tool', 'error old_tool', 'error read', 'warning delete'].sort());
    assert.ok(d.findings.find((f) => f.tool === 'delete' && f.severity === 'warning')!.message.includes('all-fs'));
    // The same lists: nothing to say.
    const same = compareServerTools({ manifest: entry.manifest!, server: 'fs', live: collectTools(JSON.parse(host.files.get('/ws/fs.tools.json')!).tools as unknown[]).tools, policies: set.files });
    assert.deepEqual([same.added, same.removed, same.changed, same.findings], [[], [], [], []]);
  });
});
