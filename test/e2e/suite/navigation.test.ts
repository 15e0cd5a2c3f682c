// Navigation and refactoring in a real VS Code, through its own commands: go to definition and find references (the
// table of test/fixtures/navigation/cases.yaml), rename (F2's provider, and its refusal for an imported tool), the
// Outline's symbols, Format Document (and its refusal on a file that does not parse), folding, signature help.
import * as vscode from 'vscode';
import { formatPolicyText } from '../../../server/src/core/cedar/format';
import { caseOffset, navigationCases } from '../../helpers/navigation';
import { activateExtension, check, exampleUri, openExample, readMistakesTable, relPath, resetEditors, waitFor, waitForTableState } from './helpers';

/** `file:line:col text`, as in the fixture. */
async function place(uri: vscode.Uri, range: vscode.Range): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return `${relPath(uri)}:${range.start.line + 1}:${range.start.character + 1} ${doc.getText(range)}`;
}

async function positionOf(rel: string, snippet: string): Promise<{ doc: vscode.TextDocument; position: vscode.Position }> {
  const doc = await vscode.workspace.openTextDocument(exampleUri(rel));
  return { doc, position: doc.positionAt(caseOffset(doc.getText(), snippet)) };
}

describe('navigation and refactoring (extension host)', function () {
  this.timeout(120_000);
  const rows = readMistakesTable();

  before(async () => {
    await activateExtension();
    await waitForTableState(rows, 30_000);
  });
  afterEach(async () => {
    await resetEditors();
  });

  it('Go to Definition and Find All References give the places of test/fixtures/navigation/cases.yaml', async () => {
    for (const c of navigationCases()) {
      const { doc, position } = await positionOf(c.at.file, c.at.text);
      const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, position);
      const got = await Promise.all(defs.map((d) => ('targetUri' in d ? place(d.targetUri, d.targetSelectionRange ?? d.targetRange) : place(d.uri, d.range))));
      check(JSON.stringify(got) === JSON.stringify(c.definition), `${c.name}: definition ${JSON.stringify(got)}, expected ${JSON.stringify(c.definition)}`);
      const refs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, position);
      const gotRefs = (await Promise.all(refs.map((r) => place(r.uri, r.range)))).sort();
      check(JSON.stringify(gotRefs) === JSON.stringify([...c.references].sort()), `${c.name}: references ${JSON.stringify(gotRefs)}, expected ${JSON.stringify([...c.references].sort())}`);
    }
  });

  it('Rename Symbol renames an agent in the manifest, its scenarios and the policies; an imported tool cannot be renamed', async () => {
    const { doc, position } = await positionOf('policies/support.cedar', 'Agent::"support-b|ot"');
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('vscode.executeDocumentRenameProvider', doc.uri, position, 'helpdesk-bot');
    const files = edit.entries().map(([u, edits]) => `${relPath(u)} ${edits.length}`).sort();
    check(JSON.stringify(files) === JSON.stringify(['acme.agents.yaml 5', 'policies/support.cedar 1']), `the rename edits ${JSON.stringify(files)}`);
    check(await vscode.workspace.applyEdit(edit), 'the rename edit applies');
    const manifest = await vscode.workspace.openTextDocument(exampleUri('acme.agents.yaml'));
    check(!/\bsupport-bot\b/.test(manifest.getText()) && manifest.getText().includes('  helpdesk-bot:'), 'the manifest no longer names support-bot');
    // The renamed workspace has the same problems as before (the server follows the unsaved edits).
    await waitForTableState(rows, 30_000);

    const tool = await positionOf('policies/support.cedar', 'Action::"lookup_cust|omer"');
    const refused = await vscode.commands.executeCommand('vscode.prepareRename', tool.doc.uri, tool.position).then(
      () => 'no error',
      (e: Error) => e.message,
    );
    check(/imported from mcp\/crm\.tools\.json: its name belongs to the server/.test(refused), `prepareRename on an imported tool: ${refused}`);
  });

  it('the Outline lists the policies of a file by @id, with effect and scope, and their conditions', async () => {
    const doc = (await openExample('policies/refunds.cedar')).document;
    const symbols = await waitFor(
      async () => {
        const s = await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri);
        return s?.length ? s : undefined;
      },
      { message: () => 'document symbols for refunds.cedar' },
    );
    const shown = symbols.map((s) => `${s.name} | ${s.detail} | ${s.children.map((c) => c.name).join(',')}`);
    check(
      JSON.stringify(shown) ===
        JSON.stringify([
          'billing-refund | permit (principal in Role::"billing", action == Action::"issue_refund", resource) | when',
          'billing-read-orders | permit (principal in Role::"billing", action in [Action::"get_order", Action::"lookup_customer"], resource == McpServer::"crm") | when',
          'refund-large-needs-approval | forbid (principal, action == Action::"issue_refund", resource) | when,unless',
        ]),
      `the Outline of refunds.cedar: ${JSON.stringify(shown, null, 1)}`,
    );
  });

  it('Format Document formats each policy with Cedar\'s formatter and keeps the comments; a file that does not parse is left as it is', async () => {
    const editor = await openExample('policies/refunds.cedar');
    const before = editor.document.getText();
    const expected = formatPolicyText(before);
    check('edits' in expected && expected.edits.length > 0, 'refunds.cedar has something to format');
    await vscode.commands.executeCommand('editor.action.formatDocument');
    await waitFor(() => editor.document.getText() !== before, { message: () => 'Format Document to change refunds.cedar' });
    const after = editor.document.getText();
    const again = formatPolicyText(after);
    check('edits' in again && again.edits.length === 0, `formatting again changes nothing:\n${after}`);
    const comments = (t: string) => t.split('\n').filter((l) => l.trim().startsWith('//'));
    check(JSON.stringify(comments(after)) === JSON.stringify(comments(before)), 'the comments are kept');
    check(after.includes('@id("billing-refund")\npermit (') && after.includes('when\n{\n  context.session.purpose == "billing" &&'), `the formatted text:\n${after}`);

    const ops = await openExample('policies/ops.cedar');
    const opsText = ops.document.getText();
    const edits = await vscode.commands.executeCommand<vscode.TextEdit[]>('vscode.executeFormatDocumentProvider', ops.document.uri, { tabSize: 2, insertSpaces: true });
    check(!edits || edits.length === 0, `no edits for a file with a policy that does not parse (got ${edits?.length})`);
    check(ops.document.getText() === opsText, 'ops.cedar unchanged');
  });

  it('folding ranges cover each policy and its condition; signature help inside ip(…)', async () => {
    const doc = (await openExample('policies/refunds.cedar')).document;
    const folds = await vscode.commands.executeCommand<vscode.FoldingRange[]>('vscode.executeFoldingRangeProvider', doc.uri);
    check(folds.some((f) => f.start === 2 && f.end === 12) && folds.some((f) => f.start === 8 && f.end === 11), `folding ranges ${JSON.stringify(folds)}`);
    const edit = new vscode.WorkspaceEdit();
    const end = doc.positionAt(doc.getText().length);
    edit.insert(doc.uri, end, '\npermit (principal, action, resource) when { ip("10.0.0.1").isInRange(ip(');
    check(await vscode.workspace.applyEdit(edit), 'typed a call');
    const help = await vscode.commands.executeCommand<vscode.SignatureHelp>('vscode.executeSignatureHelpProvider', doc.uri, doc.positionAt(doc.getText().length), '(');
    check(help?.signatures[0]?.label === 'ip(text: String): ipaddr', `signature help: ${JSON.stringify(help?.signatures.map((s) => s.label))}`);
  });
});
