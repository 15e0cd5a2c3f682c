// Completion and hover in a real VS Code: the table of test/fixtures/assist/cases.yaml through
// vscode.executeCompletionItemProvider and vscode.executeHoverProvider, in a policy file of the examples whose text
// is replaced by each case (unsaved; reverted afterwards).
import * as vscode from 'vscode';
import { assistCases, cursor } from '../../helpers/assistCases';
import { activateExtension, check, openExample, replace, resetEditors, waitFor } from './helpers';

const POLICY = 'policies/refunds.cedar';

describe('completion and hover in policy files (extension host)', function () {
  this.timeout(120_000);
  const cases = assistCases();
  let doc: vscode.TextDocument;

  before(async () => {
    await activateExtension();
    doc = (await openExample(POLICY)).document;
  });
  after(async () => {
    await resetEditors();
  });

  async function show(text: string) {
    await replace(doc, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
    await waitFor(() => doc.getText() === text, { message: () => 'the editor to hold the case' });
  }

  it('offers what the table says, replacing what it says', async () => {
    for (const c of cases.completion) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, doc.positionAt(offset));
      // Ours: not the snippets the extension also contributes, nor the words of the document VS Code offers when
      // no provider has anything (kind Text; the server never uses it).
      const items = list.items.filter((i) => i.kind !== vscode.CompletionItemKind.Snippet && i.kind !== vscode.CompletionItemKind.Text);
      const labels = items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)).sort();
      check(JSON.stringify(labels) === JSON.stringify([...c.labels].sort()), `${c.name}: offered ${JSON.stringify(labels)}, expected ${JSON.stringify([...c.labels].sort())}`);
      if (c.replaced === undefined) continue;
      for (const i of items) {
        const range = i.range instanceof vscode.Range ? i.range : i.range?.replacing;
        check(range && doc.getText(range) === c.replaced, `${c.name}: ${String(i.label)} replaces "${range ? doc.getText(range) : '?'}", not "${c.replaced}"`);
      }
    }
  });

  it('completes a scenario\'s agent in the manifest with the agents it declares', async () => {
    const manifest = (await openExample('acme.agents.yaml')).document;
    const end = manifest.positionAt(manifest.getText().length);
    const added = `${manifest.getText().endsWith('\n') ? '' : '\n'}  - name: e2e\n    agent: `;
    await replace(manifest, new vscode.Range(end, end), added);
    const cursor = manifest.positionAt(manifest.getText().length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', manifest.uri, cursor);
    const labels = list.items.filter((i) => i.kind === vscode.CompletionItemKind.Class).map((i) => String(i.label)).sort();
    check(JSON.stringify(labels) === JSON.stringify(['ops-agent', 'refund-agent', 'support-bot']), `offered the agents ${JSON.stringify(labels)}`);
    await resetEditors();
    doc = (await openExample(POLICY)).document;
  });

  it('hovers as the table says', async () => {
    for (const c of cases.hover) {
      const { text, offset } = cursor(c.text);
      await show(text);
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
      if (c.range === null) {
        check(hovers.length === 0, `${c.name}: expected no hover, got ${hovers.length}`);
        continue;
      }
      check(hovers.length === 1 && hovers[0]!.range, `${c.name}: expected one hover with a range, got ${hovers.length}`);
      const h = hovers[0]!;
      check(doc.getText(h.range) === c.range, `${c.name}: the hover covers "${doc.getText(h.range)}", not "${c.range}"`);
      const md = h.contents.map((m) => (typeof m === 'string' ? m : m.value)).join('\n');
      for (const s of c.contains ?? []) check(md.includes(s), `${c.name}: the hover lacks ${JSON.stringify(s)}:\n${md}`);
    }
  });
});
