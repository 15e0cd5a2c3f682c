// Diagnostics follow edits as you type: fixing a documented mistake removes its diagnostic (and only it),
// adding a mistake shows a new one, and undoing the edit brings the documented state back.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { derivePlainFix, textAt } from '../support/mistakes';
import {
  startEachTestFromDocumentedState, check, codeOf, describeDiagnostic, exampleUri, fixFromMistakeText, formatRange, matchesRow,
  openExample, readMistakesTable, relPath, replace, revert, waitForDiagnostics, workspaceRoot,
} from './helpers';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('diagnostics follow edits', () => {
  const rows = readMistakesTable();

  startEachTestFromDocumentedState(rows);

  // The rows whose "mistake" text says how to fix them ("did you mean `x`", "a typo for `x`", "`a` instead of `b`").
  const fixable = rows.filter((r) => {
    const text = fs.readFileSync(path.join(workspaceRoot().fsPath, ...r.file.split('/')), 'utf8');
    return derivePlainFix(textAt(text, { start: r.range.start, end: r.range.end }), r.mistake) !== undefined;
  });

  it('at least one documented mistake says how to fix it', () => {
    check(fixable.length > 0, 'no row of the table says how to fix its mistake ("did you mean `x`", "a typo for `x`", "`a` instead of `b`")');
  });

  for (const row of fixable) {
    it(`fixing ${row.file} ${formatRange(row.range)} (${row.code}) by typing removes its diagnostic`, async () => {
      const editor = await openExample(row.file);
      const doc = editor.document;
      const fix = fixFromMistakeText(doc, row);
      check(fix, `no fix derived for ${row.row}`);
      await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => matchesRow(d, row)), 20_000, `the documented diagnostic ${row.row}`);
      await replace(doc, fix.range, fix.newText);
      const others = rows.filter((r) => r.file === row.file && r !== row && !r.range.intersection(fix.range));
      await waitForDiagnostics(
        doc.uri,
        (ds) => !ds.some((d) => codeOf(d) === row.code && d.range.intersection(fix.range)) && others.every((o) => ds.some((d) => matchesRow(d, o))),
        20_000,
        `after typing ${fix.title}: no ${row.code} diagnostic there any more, and the file's other documented diagnostics still there`,
      );
      await revert(doc);
      await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => matchesRow(d, row)), 20_000, `the diagnostic ${row.row} back after reverting`);
    });
  }

  /** A policy file without documented mistakes (so a new diagnostic there is unambiguous). */
  async function cleanPolicyFile(): Promise<string> {
    const files = (await vscode.workspace.findFiles('**/*.cedar')).map(relPath).sort();
    const clean = files.find((f) => !rows.some((r) => r.file === f)) ?? files[0];
    check(clean, 'the workspace has no .cedar file');
    return clean;
  }

  it('adding a permit for an unknown tool shows a cedar-validation error at the action', async () => {
    const file = await cleanPolicyFile();
    const editor = await openExample(file);
    const doc = editor.document;
    const namespace = /(\w+)::Action::"/.exec(doc.getText())?.[1] ?? 'Acme';
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    const actionLine = `  action == ${namespace}::Action::"no_such_tool_e2e",`;
    await replace(doc, new vscode.Range(end, end), `\n\n@id("e2e-unknown-tool")\npermit (\n  principal,\n${actionLine}\n  resource\n)\nwhen { context has session };\n`);
    const line = doc.positionAt(doc.getText().lastIndexOf(actionLine)).line;
    const ds = await waitForDiagnostics(doc.uri,
      (ds) => ds.some((d) => codeOf(d) === 'cedar-validation' && d.range.start.line === line && d.severity === vscode.DiagnosticSeverity.Error),
      20_000, `a cedar-validation error on line ${line + 1}`);
    const d = ds.find((x) => codeOf(x) === 'cedar-validation' && x.range.start.line === line)!;
    check(doc.getText(d.range).includes('no_such_tool_e2e'), `the diagnostic ${describeDiagnostic(d)} covers "${doc.getText(d.range)}", not the action`);
  });

  it('typing a syntax error shows a cedar-syntax error on the offending token, and deleting it removes it', async () => {
    const file = await cleanPolicyFile();
    const editor = await openExample(file);
    const doc = editor.document;
    const end = doc.lineAt(doc.lineCount - 1).range.end;
    const bad = `when { context has purpose or true };`;
    await replace(doc, new vscode.Range(end, end), `\n\n@id("e2e-syntax")\npermit (principal, action, resource)\n${bad}\n`);
    const line = doc.positionAt(doc.getText().lastIndexOf(bad)).line;
    const col = doc.lineAt(line).text.indexOf(' or ') + 1;
    const token = new vscode.Range(line, col, line, col + 2);
    await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => codeOf(d) === 'cedar-syntax' && d.range.isEqual(token)), 20_000,
      `a cedar-syntax error at ${formatRange(token)} (the \`or\`)`);
    // Deleting the bad policy again (as a person would, not by reverting) removes the diagnostic.
    const start = doc.positionAt(doc.getText().indexOf('\n\n@id("e2e-syntax")'));
    await replace(doc, new vscode.Range(start, doc.lineAt(doc.lineCount - 1).range.end), '\n');
    await waitForDiagnostics(doc.uri, (ds) => !ds.some((d) => codeOf(d) === 'cedar-syntax'), 20_000, 'the cedar-syntax error to go away');
  });

  it('renaming a tool in the manifest re-checks the policies that use it', async () => {
    // A policy without documented mistakes that uses a tool (Acme::Action::"x") declared inline by the manifest that
    // covers it (the closest one above it: helpdesk/ has a manifest of its own, whose tools are all imported).
    const files = (await vscode.workspace.findFiles('**/*.cedar')).map(relPath).sort().filter((f) => !rows.some((r) => r.file === f));
    const manifests = (await vscode.workspace.findFiles('**/*.agents.yaml')).map(relPath).sort((a, b) => b.split('/').length - a.split('/').length);
    let policy = '';
    let manifest = '';
    let doc: vscode.TextDocument | undefined;
    let decl: { tool: string; offset: number } | undefined;
    for (const f of files) {
      const covering = manifests.find((m) => f.startsWith(m.includes('/') ? m.slice(0, m.lastIndexOf('/') + 1) : ''));
      if (!covering) continue;
      const policyText = (await openExample(f)).document.getText();
      const mdoc = (await openExample(covering)).document;
      for (const [, tool] of policyText.matchAll(/Action::"([^"]+)"/g)) {
        const m = new RegExp(`^\\s*-\\s*name:\\s*${escapeRegExp(tool)}\\s*$`, 'm').exec(mdoc.getText());
        if (m) {
          decl = { tool, offset: m.index + m[0].indexOf(tool, m[0].indexOf('name:')) };
          break;
        }
      }
      if (decl) {
        [policy, manifest, doc] = [f, covering, mdoc];
        break;
      }
    }
    check(decl && doc, 'no clean policy file uses a tool that its manifest declares as "- name: <tool>"');
    await replace(doc, new vscode.Range(doc.positionAt(decl.offset), doc.positionAt(decl.offset + decl.tool.length)), `${decl.tool}_renamed`);
    await waitForDiagnostics(exampleUri(policy), (ds) => ds.some((d) => codeOf(d) === 'cedar-validation' && d.message.includes(decl!.tool)), 20_000,
      `a cedar-validation error about ${decl.tool} in ${policy} once the tool is renamed in ${manifest}`);
  });
});
