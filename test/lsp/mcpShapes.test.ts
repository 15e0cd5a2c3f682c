import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CodeActionRequest, CompletionRequest, HoverRequest, type CodeAction, type CompletionItem, type Hover, type MarkupContent, type TextEdit } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';
import { FIXTURES } from '../helpers/memoryHost';
import type { SimulateResponse, SimulationTargetsResult } from '../../server/src/protocol';

/** The shapes real MCP servers give their tools (issue 10), over stdio: quick fixes, completion, hover, simulation. */
describe('language server: real MCP servers in one manifest', function () {
  this.timeout(120000);
  const made: string[] = [];
  let client: TestClient | undefined;

  async function startIn(fixture: string): Promise<string> {
    const ws = copyToTemp(path.join(FIXTURES, 'check', fixture), 'apol-shapes-');
    made.push(ws);
    client = new TestClient(ws);
    await client.start();
    return ws;
  }
  afterEach(async () => {
    await client?.stop();
    client = undefined;
    for (const ws of made.splice(0)) fs.rmSync(ws, { recursive: true, force: true });
  });

  const doc = (text: string) => TextDocument.create('file:///x', 'x', 0, text);
  const apply = (text: string, edits: TextEdit[]) => TextDocument.applyEdits(doc(text), edits);

  async function codeActions(c: TestClient, file: string, diagnostics: import('vscode-languageserver-protocol').Diagnostic[]): Promise<CodeAction[]> {
    return ((await c.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri: uriOf(file) }, range: diagnostics[0]!.range, context: { diagnostics } })) ?? []) as CodeAction[];
  }

  it('the collision of two servers\' tool names: its quick fix edits the manifest, and the errors go', async () => {
    const ws = await startIn('action-collision');
    const c = client!;
    const list = path.join(ws, 'mcp', 'supabase.tools.json');
    const manifest = path.join(ws, 'dev.agents.yaml');
    const first = await c.waitForPublish(list, (p) => p.diagnostics.length === 2);
    const collision = first.diagnostics.find((d) => String(d.message).includes('`create_branch`'))!;
    assert.equal(collision.relatedInformation?.[0]?.location.uri, uriOf(path.join(ws, 'mcp', 'github.tools.json')));
    const [fix] = (await codeActions(c, list, [collision])).filter((a) => a.title.startsWith('Add action_prefix'));
    assert.equal(fix?.title, 'Add action_prefix "supabase/" to server supabase');
    const edits = fix!.edit!.changes![uriOf(manifest)]!;
    const text = fs.readFileSync(manifest, 'utf8');
    const fixed = apply(text, edits);
    await c.open(manifest, fixed);
    await c.waitForPublish(list, (p) => p.diagnostics.length === 0);
    // The scenario that named the ambiguous id now simulates GitHub's tool (and fails: it expects deny with GitHub's arguments missing).
    await c.waitForPublish(manifest, (p) => p.version === 1 && !p.diagnostics.some((d) => String(d.message).includes('claimed by tools of several servers')));
  });

  it('completion, hover, the pickers, simulation and the decision log name a prefixed tool by its action id', async () => {
    const ws = await startIn('action-prefix');
    const c = client!;
    const policy = path.join(ws, 'assist.cedar');
    const position = (text: string) => doc(text.replace('|', '')).positionAt(text.indexOf('|'));
    const complete = async (text: string) => {
      await c.open(policy, text.replace('|', ''), 'cedar', 1);
      await c.waitForPublish(policy, (p) => p.version === 1);
      const items = ((await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(policy) }, position: position(text) })) ?? []) as CompletionItem[];
      await c.close(policy);
      return items;
    };
    const actions = await complete('permit (principal, action == Dev::Action::"|", resource);');
    assert.deepEqual(actions.map((i) => i.label).sort(), ['call_tool', 'create_branch', 'list_branches', 'supabase/create_branch', 'supabase/list_branches', 'supabase/list_projects']);
    const args = await complete('permit (principal, action == Dev::Action::"supabase/create_branch", resource) when { context.input.| };');
    assert.deepEqual(args.map((i) => i.label).sort(), ['confirm_cost_id', 'name', 'project_id']);
    const hoverText = 'permit (principal, action == Dev::Action::"supabase/create_branch", resource);';
    await c.open(policy, hoverText, 'cedar', 1);
    await c.waitForPublish(policy, (p) => p.version === 1);
    const h = (await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(policy) }, position: doc(hoverText).positionAt(hoverText.indexOf('supabase/')) })) as Hover;
    assert.match((h.contents as MarkupContent).value, /^\*\*Tool `supabase\/create_branch`\*\* on server `supabase` \(its MCP name is `create_branch`\)/);
    await c.close(policy); // an open permit would take part in the simulation

    const targets = (await c.conn.sendRequest('agentPolicy/simulationTargets', {})) as SimulationTargetsResult;
    assert.deepEqual(targets.manifests[0]!.tools.map((t) => `${t.name}@${t.server}`).sort(), ['create_branch@github', 'list_branches@github', 'supabase/create_branch@supabase', 'supabase/list_branches@supabase', 'supabase/list_projects@supabase']);
    const mark = c.notifications.length;
    const r = (await c.conn.sendRequest('agentPolicy/simulate', { agent: 'dev-bot', tool: 'supabase/create_branch', args: { project_id: 'p', name: 'develop', confirm_cost_id: 'c' }, context: {} })) as SimulateResponse;
    assert.deepEqual([r.decision, r.determining.map((d) => d.id), r.request?.action], ['allow', ['supabase-dev-branch'], 'Dev::Action::"supabase/create_branch"']);
    const log = await c.waitFor('a decision-log record', () => c.notifications.slice(mark).find((x) => x.method === 'agentPolicy/decisionLog'));
    assert.equal((log.params as { tool: string }).tool, 'supabase/create_branch');
  });

  it('rewrites a comparison of a `number` argument with an integer into its decimal form, and the error goes', async () => {
    const ws = await startIn('number-decimal');
    const c = client!;
    const file = path.join(ws, 'p.cedar');
    const text = fs.readFileSync(file, 'utf8');
    await c.open(file, text);
    const first = await c.waitForPublish(file, (p) => p.version === 1);
    const decimal = first.diagnostics.filter((d) => /expected Long but saw decimal|Long and decimal/.test(String(d.message)));
    assert.equal(decimal.length, 4);
    let version = 1;
    for (const d of decimal) {
      assert.match(String(d.message), /\nhelp: `context\.input\.\w+` is a `decimal` \(the tool's JSON Schema says `number`\)/);
      const [fix] = (await codeActions(c, file, [d])).filter((a) => a.title.startsWith('Compare as decimals'));
      assert.ok(fix?.isPreferred, `no preferred fix for ${d.message}`);
      const fixed = apply(text, fix.edit!.changes![uriOf(file)]!);
      await c.change(file, ++version, fixed);
      const v = version;
      const after = await c.waitForPublish(file, (p) => p.version === v);
      assert.equal(after.diagnostics.filter((x) => x.range.start.line === d.range.start.line && x.code === 'cedar-validation').length, decimal.filter((x) => x.range.start.line === d.range.start.line).length - 1, fix.title);
    }
  });

  it('does not offer an argument Cedar leaves out (Notion\'s `sort`, a union), and hover on it says why', async () => {
    const ws = await startIn('unknown-formats');
    const c = client!;
    const policy = path.join(ws, 'p.cedar');
    const text = 'permit (principal, action == Docs::Action::"API-post-search", resource) when { context.input.sort == "x" };';
    await c.open(policy, text, 'cedar', 1);
    await c.waitForPublish(policy, (p) => p.version === 1);
    const offset = text.indexOf('sort');
    const items = ((await c.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(policy) }, position: doc(text).positionAt(offset) })) ?? []) as CompletionItem[];
    assert.deepEqual(items.map((i) => i.label).sort(), ['filter', 'page_size', 'query', 'start_cursor']);
    const h = (await c.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(policy) }, position: doc(text).positionAt(offset + 1) })) as Hover;
    assert.match((h.contents as MarkupContent).value, /^`context\.input\.sort`: not in the Cedar schema — tool `API-post-search`: a union/);
    // ... and the policy that reads it says so, beside Cedar's own "not found".
    const p = await c.waitForPublish(policy, (x) => x.version === 1);
    assert.deepEqual(p.diagnostics.map((d) => d.code).sort(), ['argument-not-in-cedar', 'cedar-validation', 'missing-policy-id', 'wildcard-principal']);
  });
});
