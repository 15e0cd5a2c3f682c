import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionRequest, HoverRequest, type CompletionItem, type Hover, type MarkupContent, type TextEdit } from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { copyToTemp } from '../helpers/examples';
import { assistCases, cursor } from '../helpers/assistCases';
import { TestClient, uriOf } from '../helpers/lspClient';

describe('language server: completion and hover in policy files', function () {
  this.timeout(120000);
  const cases = assistCases();
  let ws: string;
  let client: TestClient;
  let version = 0;
  const file = () => path.join(ws, 'policies', 'assist.cedar');

  before(async () => {
    ws = copyToTemp();
    client = new TestClient(ws);
    await client.start();
    await client.open(file(), '', 'cedar', ++version);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  /** Puts `text` in the open editor and waits until the server has it. */
  async function show(text: string) {
    await client.change(file(), ++version, text);
    const v = version;
    await client.waitForPublish(file(), (p) => p.version === v);
  }

  const at = (text: string, offset: number) => TextDocument.create('file:///x', 'cedar', 0, text).positionAt(offset);
  const complete = async (text: string, offset: number) =>
    ((await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(file()) }, position: at(text, offset) })) ?? []) as CompletionItem[];

  it('completes what the core completes for every case of the table, with edits on the cursor line', async () => {
    for (const c of cases.completion) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const items = await complete(text, offset);
      assert.deepEqual(items.map((i) => i.label).sort(), [...c.labels].sort(), c.name);
      for (const i of items) {
        const edit = i.textEdit as TextEdit;
        const doc = TextDocument.create('file:///x', 'cedar', 0, text);
        assert.equal(edit.range.start.line, at(text, offset).line, `${c.name}: ${i.label} edits the cursor's line`);
        if (c.replaced !== undefined) assert.equal(doc.getText(edit.range), c.replaced, `${c.name}: ${i.label}`);
      }
    }
  });

  it('hovers as the core does for every case of the table', async () => {
    for (const c of cases.hover) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const h = (await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(file()) }, position: at(text, offset) })) as Hover | null;
      if (c.range === null) {
        assert.equal(h, null, c.name);
        continue;
      }
      assert.ok(h?.range, `${c.name}: a hover with a range`);
      assert.equal(TextDocument.create('file:///x', 'cedar', 0, text).getText(h.range), c.range, c.name);
      const md = (h.contents as MarkupContent).value;
      for (const s of c.contains ?? []) assert.ok(md.includes(s), `${c.name}: ${JSON.stringify(s)} in\n${md}`);
    }
  });

  it('every enum value it offers, once accepted, makes a policy that validates', async () => {
    const { text, offset } = cursor('@id("p")\npermit (principal, action == Acme::Action::"scale-deployment", resource)\nwhen { context.input.environment == "|" && context.session.purpose == "ops" };\n');
    await show(text);
    const items = await complete(text, offset);
    assert.deepEqual(items.map((i) => i.label), ['staging', 'production']);
    for (const i of items) {
      const accepted = TextDocument.applyEdits(TextDocument.create('file:///x', 'cedar', 0, text), [i.textEdit as TextEdit]);
      await show(accepted);
      const published = client.latest(file())!;
      assert.deepEqual(published.diagnostics.filter((d) => d.severity === 1).map((d) => `${d.code}: ${d.message}`), [], `${i.label}:\n${accepted}`);
    }
  });

  it('follows the manifest as it changes: a new argument is offered at once', async () => {
    const manifest = path.join(ws, 'acme.agents.yaml');
    const original = fs.readFileSync(manifest, 'utf8');
    const edited = original.replace('        reason: { type: string }\n', '        reason: { type: string }\n        ticket_ref: { type: string }\n');
    assert.notEqual(edited, original);
    await client.open(manifest, original, 'yaml', 1);
    await client.change(manifest, 2, edited);
    await client.waitForPublish(manifest, (p) => p.version === 2);
    const { text, offset } = cursor('permit (principal, action == Acme::Action::"issue_refund", resource) when { context.input.| };');
    await show(text);
    const labels = (await complete(text, offset)).map((i) => i.label);
    assert.ok(labels.includes('ticket_ref'), `offered: ${labels.join(', ')}`);
    await client.close(manifest);
  });

  it('completes the ids that the fields of a manifest refer to, also while its text does not load', async () => {
    const manifest = path.join(ws, 'acme.agents.yaml');
    const original = fs.readFileSync(manifest, 'utf8');
    const at = (text: string) => TextDocument.create('file:///x', 'yaml', 0, text).positionAt(text.indexOf('|'));
    const labels = async (text: string, version: number) => {
      await client.change(manifest, version, text.replace('|', ''));
      const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(manifest) }, position: at(text) })) as CompletionItem[];
      return items.map((i) => i.label).sort();
    };
    await client.open(manifest, original, 'yaml', 1);
    await client.waitForPublish(manifest, (p) => p.version === 1);
    // An unclosed flow list: the YAML does not load; the ids of the manifest as last checked are offered.
    const broken = `${original}  - name: new\n    agent: support-bot\n    tool: issue_refund\n    via: [refund-agent, |\n`;
    assert.deepEqual(await labels(broken, 2), ['ops-agent', 'refund-agent', 'support-bot']);
    const valid = `${original}  - name: new\n    agent: |\n`;
    assert.deepEqual(await labels(valid, 3), ['ops-agent', 'refund-agent', 'support-bot']);
    const tools = `${original}  - name: new\n    tool: read_|\n`;
    assert.ok((await labels(tools, 4)).includes('read_logs'));
    await client.change(manifest, 5, original);
    await client.close(manifest);
  });

  it('offers nothing, and hovers nothing, in a policy file no manifest covers', async () => {
    const outside = path.join(ws, 'sandbox-outside.cedar');
    const { text, offset } = cursor('permit (principal, action, resource) when { context.session.| };');
    await client.open(outside, text, 'cedar', 1);
    await client.waitForPublish(outside, (p) => p.version === 1);
    const items = (await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(outside) }, position: at(text, offset) })) as CompletionItem[];
    // The examples manifest's globs (policies/*.cedar) do not cover a file at the root.
    assert.deepEqual(items, []);
    const hover = await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(outside) }, position: at(text, text.indexOf('session') + 2) });
    assert.equal(hover, null);
    await client.close(outside);
  });
});
