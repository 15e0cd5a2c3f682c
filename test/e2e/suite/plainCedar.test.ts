// A plain Cedar project in the real VS Code: examples/plain-cedar/ (policies.cedar + policies.cedarschema, no
// manifest). The typo the README's table documents is squiggled where Cedar's validation says; the schema file is a
// `cedarschema` document the server checks as it is typed; completion reads the schema.
import * as vscode from 'vscode';
import {
  activateExtension, agentDiagnostics, check, codeOf, describeDiagnostic, matchesRow, openExample, readMistakesTable, replace, resetEditors,
  waitFor, waitForDiagnostics, waitForTableState,
} from './helpers';

describe('a plain Cedar project (no manifest)', () => {
  const rows = readMistakesTable().filter((r) => r.file.startsWith('plain-cedar/'));
  const all = readMistakesTable();

  before(async () => {
    await activateExtension();
    check(rows.length > 0, 'the README table documents a mistake in plain-cedar/');
  });
  afterEach(async () => {
    await resetEditors();
    await waitForTableState(all);
  });

  it('the documented validation error of the plain project, at its exact range, and nothing about agents or tools', async () => {
    const editor = await openExample('plain-cedar/policies.cedar');
    const ds = await waitForDiagnostics(editor.document.uri, (d) => rows.every((r) => d.some((x) => matchesRow(x, r))), 30_000, 'the documented diagnostics of plain-cedar/policies.cedar');
    check(ds.length === rows.length, `only the documented diagnostics; it has:\n${ds.map(describeDiagnostic).join('\n')}`);
    check(ds.every((d) => !/agent|tool/i.test(d.message)), `no agent wording: ${ds.map((d) => d.message).join(' | ')}`);
  });

  it('the schema file is a Cedar schema document, checked as it is typed; the policies fall back to syntax while it is broken', async () => {
    const editor = await openExample('plain-cedar/policies.cedarschema');
    check(editor.document.languageId === 'cedarschema', `language is ${editor.document.languageId}`);
    const doc = editor.document;
    const at = doc.getText().indexOf('department: String');
    check(at >= 0, 'the schema declares department: String');
    const start = doc.positionAt(at + 'department: '.length);
    await replace(doc, new vscode.Range(start, start.translate(0, 'String'.length)), 'Strng');
    await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'cedar-schema' && d.range.isEqual(new vscode.Range(start, start.translate(0, 5)))), 20_000, 'cedar-schema under `Strng`');
    const policies = vscode.Uri.joinPath(doc.uri, '..', 'policies.cedar');
    await waitFor(() => agentDiagnostics(policies).some((d) => codeOf(d) === 'policy-not-covered'), { events: [vscode.languages.onDidChangeDiagnostics], message: () => 'the policies to say their schema has errors' });
  });

  it('completion after `resource.` offers the attributes the schema declares for the action', async () => {
    const editor = await openExample('plain-cedar/policies.cedar');
    const doc = editor.document;
    // Once the file is checked, the server knows its schema (and so does the router that answers while the worker is busy).
    await waitForDiagnostics(doc.uri, (d) => rows.every((r) => d.some((x) => matchesRow(x, r))), 30_000, 'the documented diagnostics of plain-cedar/policies.cedar');
    const line = doc.getText().split('\n').findIndex((l) => l.includes('resource.ownr'));
    const col = doc.lineAt(line).text.indexOf('resource.') + 'resource.'.length;
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, new vscode.Position(line, col), '.');
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    check(['owner', 'isPrivate'].every((l) => labels.includes(l)), `completion offers ${labels.join(', ')}`);
  });
});
