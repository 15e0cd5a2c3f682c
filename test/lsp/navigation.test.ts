import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CancellationTokenSource,
  CompletionItemKind,
  CompletionRequest,
  DefinitionRequest,
  DocumentFormattingRequest,
  DocumentRangeFormattingRequest,
  DocumentSymbolRequest,
  FoldingRangeRequest,
  HoverRequest,
  InlayHintRequest,
  LSPErrorCodes,
  PrepareRenameRequest,
  ReferencesRequest,
  RenameRequest,
  SelectionRangeRequest,
  SignatureHelpRequest,
  WorkspaceSymbolRequest,
  type CompletionItem,
  type DocumentSymbol,
  type Hover,
  type InitializeResult,
  type LocationLink,
  type MarkupContent,
  type Range,
  type SignatureHelp,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { fileURLToPath } from 'node:url';
import { cursor } from '../helpers/assistCases';
import { copyToTemp } from '../helpers/examples';
import { TestClient, uriOf } from '../helpers/lspClient';
import { FIXTURES } from '../helpers/memoryHost';
import { caseOffset, navigationCases } from '../helpers/navigation';
import { builtinCases } from '../helpers/builtinCases';

const docOf = (file: string) => TextDocument.create(uriOf(file), 'x', 0, fs.readFileSync(file, 'utf8'));
const positionIn = (file: string, offset: number) => docOf(file).positionAt(offset);

describe('language server: navigation, symbols, formatting and built-ins over stdio', function () {
  this.timeout(120_000);
  let ws: string;
  let client: TestClient;
  let init: InitializeResult;
  const rel = (f: string) => path.join(ws, ...f.split('/'));
  /** `file:line:col text`, as in test/fixtures/navigation/cases.yaml. */
  const place = (uri: string, range: Range) => {
    const file = fileURLToPath(uri);
    const doc = docOf(file);
    return `${path.relative(ws, file).split(path.sep).join('/')}:${range.start.line + 1}:${range.start.character + 1} ${doc.getText(range)}`;
  };
  const apply = (file: string, edits: TextEdit[]) => TextDocument.applyEdits(docOf(file), edits);

  before(async () => {
    ws = copyToTemp();
    client = new TestClient(ws);
    init = await client.start({ definition: { linkSupport: true }, documentSymbol: { hierarchicalDocumentSymbolSupport: true } });
    const file = rel('policies/refunds.cedar');
    await client.open(file, fs.readFileSync(file, 'utf8'));
    await client.waitForPublish(file, () => true);
  });
  after(async () => {
    await client?.stop();
    fs.rmSync(ws, { recursive: true, force: true });
  });

  it('announces every capability (formatting statically: this client cannot register it for cedar files only)', () => {
    const c = init.capabilities;
    assert.ok(c.definitionProvider && c.referencesProvider && c.workspaceSymbolProvider && c.foldingRangeProvider && c.selectionRangeProvider && c.inlayHintProvider);
    assert.deepEqual(c.renameProvider, { prepareProvider: true });
    assert.ok(c.documentSymbolProvider && c.documentFormattingProvider && c.documentRangeFormattingProvider);
    assert.deepEqual(c.signatureHelpProvider?.triggerCharacters, ['(', ',']);
  });

  it('go to definition and find references: every case of test/fixtures/navigation/cases.yaml', async () => {
    for (const c of navigationCases()) {
      const file = rel(c.at.file);
      const position = positionIn(file, caseOffset(fs.readFileSync(file, 'utf8'), c.at.text));
      const textDocument = { uri: uriOf(file) };
      const links = ((await client.conn.sendRequest(DefinitionRequest.type, { textDocument, position })) ?? []) as LocationLink[];
      assert.deepEqual(links.map((l) => place(l.targetUri, l.targetSelectionRange)), c.definition, `${c.name}: definition`);
      const refs = (await client.conn.sendRequest(ReferencesRequest.type, { textDocument, position, context: { includeDeclaration: true } })) ?? [];
      assert.deepEqual(refs.map((l) => place(l.uri, l.range)), c.references, `${c.name}: references`);
      const noDecl = (await client.conn.sendRequest(ReferencesRequest.type, { textDocument, position, context: { includeDeclaration: false } })) ?? [];
      assert.equal(noDecl.length, c.references.length - c.definition.length, `${c.name}: references without the declarations`);
    }
  });

  it('rename: an agent across the manifest, the scenarios and the policies; an imported tool is refused with the reason', async () => {
    const policy = rel('policies/support.cedar');
    const at = positionIn(policy, caseOffset(fs.readFileSync(policy, 'utf8'), 'Agent::"support-b|ot"'));
    const textDocument = { uri: uriOf(policy) };
    const prepared = (await client.conn.sendRequest(PrepareRenameRequest.type, { textDocument, position: at })) as { range: Range; placeholder: string };
    assert.equal(prepared.placeholder, 'support-bot');
    const edit = (await client.conn.sendRequest(RenameRequest.type, { textDocument, position: at, newName: 'helpdesk-bot' })) as WorkspaceEdit;
    const changes = edit.changes!;
    assert.deepEqual(Object.keys(changes).map((u) => path.basename(fileURLToPath(u))).sort(), ['acme.agents.yaml', 'support.cedar']);
    const manifest = apply(rel('acme.agents.yaml'), changes[uriOf(rel('acme.agents.yaml'))]!);
    assert.equal((manifest.match(/helpdesk-bot/g) ?? []).length, 5);
    assert.ok(!/\bsupport-bot\b/.test(manifest));
    assert.match(apply(policy, changes[uriOf(policy)]!), /Acme::Agent::"helpdesk-bot"/);

    const tool = positionIn(policy, caseOffset(fs.readFileSync(policy, 'utf8'), 'Action::"lookup_cust|omer"'));
    await assert.rejects(client.conn.sendRequest(PrepareRenameRequest.type, { textDocument, position: tool }), (e: { code: number; message: string }) => {
      assert.equal(e.code, LSPErrorCodes.RequestFailed);
      assert.match(e.message, /`lookup_customer` is a tool of the MCP server `crm`, imported from mcp\/crm\.tools\.json: its name belongs to the server/);
      return true;
    });

    const before = client.notifications.length;
    await assert.rejects(client.conn.sendRequest(RenameRequest.type, { textDocument, position: at, newName: 'ops-agent' }), /an agent `ops-agent` already exists/);
    const shown = await client.waitFor('the rename error as a message', () => client.notifications.slice(before).find((n) => n.method === 'window/showMessage'));
    assert.match((shown.params as { message: string }).message, /already exists/);
  });

  it('document symbols: the policies of a file by @id with their conditions; a manifest\'s sections', async () => {
    const symbols = (await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: uriOf(rel('policies/refunds.cedar')) } })) as DocumentSymbol[];
    assert.deepEqual(symbols.map((s) => [s.name, s.detail?.split(' (')[0], s.children?.map((c) => c.name)]), [
      ['billing-refund', 'permit', ['when']],
      ['billing-read-orders', 'permit', ['when']],
      ['refund-large-needs-approval', 'forbid', ['when', 'unless']],
    ]);
    const manifest = rel('acme.agents.yaml');
    await client.open(manifest, fs.readFileSync(manifest, 'utf8'));
    const m = (await client.conn.sendRequest(DocumentSymbolRequest.type, { textDocument: { uri: uriOf(manifest) } })) as DocumentSymbol[];
    assert.deepEqual(m.find((s) => s.name === 'agents')?.children?.map((c) => c.name), ['support-bot', 'refund-agent', 'ops-agent']);
    await client.close(manifest);
  });

  it('workspace symbols: a fuzzy query over policies, agents, tools and scenarios of every manifest', async () => {
    const found = (await client.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'support-refund-sm' })) ?? [];
    assert.deepEqual(found.map((s) => [s.name, s.containerName]), [['support-refund-small', 'support.cedar']]);
    const all = (await client.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'notebook' })) ?? [];
    assert.ok(all.some((s) => s.name === 'notebook-agent'), 'the sandbox manifest too');
  });

  it('formatting: Format Document gives the fixture\'s result; a file that does not parse is refused with a message', async () => {
    const file = rel('policies/messy.cedar');
    const input = fs.readFileSync(path.join(FIXTURES, 'format', 'messy.cedar'), 'utf8');
    await client.open(file, input);
    const edits = (await client.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: uriOf(file) }, options: { tabSize: 2, insertSpaces: true } })) ?? [];
    const formatted = TextDocument.applyEdits(TextDocument.create('x', 'cedar', 0, input), edits);
    assert.equal(formatted, fs.readFileSync(path.join(FIXTURES, 'format', 'messy.formatted.cedar'), 'utf8'));
    const second = input.indexOf('@id("templated")');
    const range = { start: positionInText(input, second), end: positionInText(input, second) };
    const one = (await client.conn.sendRequest(DocumentRangeFormattingRequest.type, { textDocument: { uri: uriOf(file) }, range, options: { tabSize: 2, insertSpaces: true } })) ?? [];
    assert.equal(one.length, 1);
    assert.equal(one[0]!.range.start.line, range.start.line);
    await client.close(file);

    const ops = rel('policies/ops.cedar');
    await client.open(ops, fs.readFileSync(ops, 'utf8'));
    const before = client.notifications.length;
    const refused = await client.conn.sendRequest(DocumentFormattingRequest.type, { textDocument: { uri: uriOf(ops) }, options: { tabSize: 2, insertSpaces: true } });
    assert.equal(refused, null);
    const shown = await client.waitFor('the refusal as a message', () => client.notifications.slice(before).find((n) => n.method === 'window/showMessage'));
    assert.match((shown.params as { message: string }).message, /cannot format ops\.cedar: the policy at line 32 \(ops-scale-staging\) does not parse \(unexpected token `and`\)/);
    await client.close(ops);
  });

  it('folding ranges and selection ranges', async () => {
    const uri = uriOf(rel('policies/refunds.cedar'));
    const folds = (await client.conn.sendRequest(FoldingRangeRequest.type, { textDocument: { uri } })) ?? [];
    assert.ok(folds.some((f) => f.startLine === 2 && f.endLine === 12), JSON.stringify(folds));
    const text = fs.readFileSync(rel('policies/refunds.cedar'), 'utf8');
    const [sel] = (await client.conn.sendRequest(SelectionRangeRequest.type, { textDocument: { uri }, positions: [positionInText(text, text.indexOf('max_refund &&') + 3)] })) ?? [];
    const chain: string[] = [];
    for (let s: typeof sel | undefined = sel; s; s = s.parent) chain.push(TextDocument.create('x', 'cedar', 0, text).getText(s.range));
    assert.deepEqual(chain.slice(0, 3), ['max_refund', 'principal has max_refund', 'context.session.purpose == "billing" &&\n  principal has max_refund &&\n  context.input.amount <= principal.max_refund']);
    assert.equal(chain[chain.length - 1], text);
  });

  it('built-ins: hover, methods after `.` and signature help (answered by the router), as the table of test/fixtures/builtins says', async () => {
    const file = rel('policies/builtins.cedar');
    let version = 1;
    await client.open(file, '', 'cedar', version);
    const show = async (text: string) => {
      await client.change(file, ++version, text);
      const v = version;
      await client.waitForPublish(file, (p) => p.version === v);
    };
    const cases = builtinCases();
    for (const c of cases.hover) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const h = (await client.conn.sendRequest(HoverRequest.type, { textDocument: { uri: uriOf(file) }, position: positionInText(text, offset) })) as Hover | null;
      if (c.range === null) {
        assert.equal(h, null, c.name);
        continue;
      }
      assert.equal(TextDocument.create('x', 'cedar', 0, text).getText(h!.range!), c.range, c.name);
      for (const s of c.contains ?? []) assert.ok((h!.contents as MarkupContent).value.includes(s), `${c.name}: ${s}`);
    }
    for (const c of cases.methods.filter((m) => m.methods !== 'all')) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const items = ((await client.conn.sendRequest(CompletionRequest.type, { textDocument: { uri: uriOf(file) }, position: positionInText(text, offset) })) ?? []) as CompletionItem[];
      assert.deepEqual(items.filter((i) => i.kind === CompletionItemKind.Method).map((i) => i.label).sort(), [...(c.methods as string[])].sort(), c.name);
    }
    for (const c of cases.signature) {
      const { text, offset } = cursor(c.text);
      await client.change(file, ++version, text);
      const s = (await client.conn.sendRequest(SignatureHelpRequest.type, { textDocument: { uri: uriOf(file) }, position: positionInText(text, offset) })) as SignatureHelp | null;
      if (c.label === null) {
        assert.equal(s, null, c.name);
        continue;
      }
      assert.equal(s?.signatures[0]?.label, c.label, c.name);
      assert.equal(s?.activeParameter, c.active ?? 0, c.name);
    }
    await client.close(file);
  });

  it('inlay hints: none until agentPolicy.inlayHints.enabled is on', async () => {
    const uri = uriOf(rel('policies/refunds.cedar'));
    const range = { start: { line: 0, character: 0 }, end: { line: 40, character: 0 } };
    assert.equal(await client.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range }), null);
    await client.configure({ validate: { onType: true }, inlayHints: { enabled: true } });
    const hints = (await client.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range })) ?? [];
    assert.ok(hints.some((h) => h.label === ': Long'), JSON.stringify(hints));
    assert.ok(hints.some((h) => h.label === '⇒ refund-agent'), JSON.stringify(hints));
    await client.configure({ validate: { onType: true } });
  });

  it('a request cancelled while it reads a large workspace ends with RequestCancelled, and the server answers the next one', async () => {
    const big = rel('policies/big.cedar');
    const body = Array.from({ length: 4000 }, (_, i) => `@id("p${i}")\npermit (principal in Acme::Role::"ops", action == Acme::Action::"read_logs", resource) when { context.input.service == "s${i}" };\n`).join('');
    fs.writeFileSync(big, body);
    await client.open(big, body);
    const source = new CancellationTokenSource();
    const pending = client.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'p3999' }, source.token);
    source.cancel();
    await assert.rejects(pending, (e: { code: number }) => e.code === LSPErrorCodes.RequestCancelled);
    const found = (await client.conn.sendRequest(WorkspaceSymbolRequest.type, { query: 'p3999' })) ?? [];
    assert.deepEqual(found.map((s) => s.name), ['p3999']);
    await client.close(big);
    fs.rmSync(big);
  });
});

function positionInText(text: string, offset: number) {
  return TextDocument.create('x', 'x', 0, text).positionAt(offset);
}

describe('language server: formatting is registered for Cedar files only when the client can register it', function () {
  this.timeout(60_000);
  it('registers document and range formatting with the cedar language as the selector', async () => {
    const ws = copyToTemp();
    const client = new TestClient(ws);
    try {
      const init = await client.start({ formatting: { dynamicRegistration: true }, rangeFormatting: { dynamicRegistration: true } });
      assert.equal(init.capabilities.documentFormattingProvider, undefined);
      const regs = await client.waitFor('two registrations', () => {
        const r = client.registrations.flatMap((p) => p.registrations).filter((x) => x.method.includes('ormatting'));
        return r.length === 2 ? r : undefined;
      });
      assert.deepEqual(regs.map((r) => [r.method, r.registerOptions]).sort(), [
        ['textDocument/formatting', { documentSelector: [{ language: 'cedar' }] }],
        ['textDocument/rangeFormatting', { documentSelector: [{ language: 'cedar' }] }],
      ]);
    } finally {
      await client.stop();
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
