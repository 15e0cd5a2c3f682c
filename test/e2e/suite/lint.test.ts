// The security lint in a real VS Code: sandbox/drafts.cedar shows the lint findings that examples/README.md documents,
// every finding offers quick fixes (code actions), and applying "Suppress <rule> for this policy" or "Add @id(…)" —
// as the light bulb would — removes the finding without leaving an `unused-suppression` behind.
import * as vscode from 'vscode';
import {
  activateExtension,
  startEachTestFromDocumentedState, agentDiagnostics, check, codeOf, describeDiagnostic, fixFromMistakeText, formatRange, matchesRow,
  openExample, readMistakesTable, severityName, waitFor, waitForDiagnostics, type Mistake,
} from './helpers';

/** The lint file of the examples, and the rules this suite exercises there (each must have a row in the table). */
const DRAFTS = 'sandbox/drafts.cedar';
const LINT_RULES = ['wildcard-grant', 'role-only-grant', 'missing-policy-id', 'duplicate-policy-id'];

/** The quick fixes VS Code offers at `range` (what Ctrl+. lists), as code actions. */
async function codeActionsAt(uri: vscode.Uri, range: vscode.Range): Promise<vscode.CodeAction[]> {
  const all = (await vscode.commands.executeCommand<(vscode.CodeAction | vscode.Command)[]>('vscode.executeCodeActionProvider', uri, range)) ?? [];
  return all.filter((a): a is vscode.CodeAction => a instanceof vscode.CodeAction);
}

/** Waits until the code actions at `range` include one titled `title` (the server may still be checking the file). */
async function waitForAction(uri: vscode.Uri, range: vscode.Range, title: string | RegExp): Promise<vscode.CodeAction> {
  let seen: string[] = [];
  return waitFor(async () => {
    const actions = await codeActionsAt(uri, range);
    seen = actions.map((a) => a.title);
    return actions.find((a) => (typeof title === 'string' ? a.title === title : title.test(a.title)));
  }, { message: () => `a code action "${title}" at ${formatRange(range)}; offered: ${seen.map((t) => `"${t}"`).join(', ') || 'none'}` });
}

/** The range a row documents, moved down by `lines` when the row lies at or below `fromLine` (0-based). */
function shifted(row: Mistake, fromLine: number, lines: number): vscode.Range {
  if (row.range.start.line < fromLine) return row.range;
  return new vscode.Range(row.range.start.translate(lines), row.range.end.translate(lines));
}

/** True when `ds` has every row of `rows` (except `except`), each moved down by `lines` below `fromLine`. */
function hasRowsShifted(ds: vscode.Diagnostic[], rows: Mistake[], except: Mistake, fromLine: number, lines: number): boolean {
  return rows.filter((r) => r !== except).every((r) => ds.some((d) => codeOf(d) === r.code && severityName(d.severity) === r.severity && d.range.isEqual(shifted(r, fromLine, lines))));
}

describe('security lint and its quick fixes', () => {
  const rows = readMistakesTable();
  const drafts = rows.filter((r) => r.file === DRAFTS);
  const row = (code: string) => {
    const r = drafts.find((x) => x.code === code);
    check(r, `examples/README.md documents no ${code} in ${DRAFTS}: the lint suite needs one (rows of the file: ${drafts.map((x) => x.code).join(', ')})`);
    return r;
  };

  startEachTestFromDocumentedState(rows);

  it(`opening ${DRAFTS} shows the lint findings of the README table, at their ranges`, async () => {
    for (const code of LINT_RULES) row(code);
    const editor = await openExample(DRAFTS);
    const ds = await waitForDiagnostics(editor.document.uri, (ds) => drafts.every((r) => ds.some((d) => matchesRow(d, r))), 20_000,
      `the documented diagnostics of ${DRAFTS} (${drafts.map((r) => `${formatRange(r.range)} ${r.code}`).join(', ')})`);
    // Nothing else at warning or above (info may exist, such as rows documented as info).
    const extra = ds.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning && !drafts.some((r) => matchesRow(d, r)));
    check(extra.length === 0, `undocumented diagnostics in ${DRAFTS}:\n${extra.map((d) => '  ' + describeDiagnostic(d)).join('\n')}`);
  });

  it(`every diagnostic of ${DRAFTS} offers "Suppress <rule> for this policy" as a quick fix`, async () => {
    const editor = await openExample(DRAFTS);
    const uri = editor.document.uri;
    const ds = await waitForDiagnostics(uri, (ds) => drafts.every((r) => ds.some((d) => matchesRow(d, r))), 20_000, 'the documented diagnostics');
    for (const d of ds) {
      const code = codeOf(d)!;
      const action = await waitForAction(uri, d.range, `Suppress ${code} for this policy`);
      check(action.kind?.value === vscode.CodeActionKind.QuickFix.value, `"${action.title}" is a ${action.kind?.value}, not a quick fix`);
      check(action.edit && action.edit.size > 0, `"${action.title}" at ${describeDiagnostic(d)} carries no edit`);
    }
  });

  it('"Suppress role-only-grant for this policy" adds the comment above the policy; the warning goes, no unused-suppression comes', async () => {
    const target = row('role-only-grant');
    const editor = await openExample(DRAFTS);
    const doc = editor.document;
    await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => matchesRow(d, target)), 20_000, `the documented ${target.row}`);
    const action = await waitForAction(doc.uri, target.range, 'Suppress role-only-grant for this policy');
    check(action.edit, `"${action.title}" has no edit`);
    const linesBefore = doc.lineCount;
    check(await vscode.workspace.applyEdit(action.edit), `VS Code refused the edit of "${action.title}"`);
    check(doc.isDirty, `applying "${action.title}" did not change ${DRAFTS}`);
    check(doc.lineCount === linesBefore + 1, `"${action.title}" added ${doc.lineCount - linesBefore} lines, expected 1`);

    // The comment sits on its own line above the policy's annotations (the policy's first line moved down by one).
    const comment = /^[ \t]*\/\/ agent-policy-ignore role-only-grant[ \t]*$/m.exec(doc.getText());
    check(comment, `no "// agent-policy-ignore role-only-grant" line in ${DRAFTS} after the fix:\n${doc.getText()}`);
    const commentLine = doc.positionAt(comment.index).line;
    check(commentLine < target.range.start.line + 1, `the suppression comment is on line ${commentLine + 1}, not above the policy (its principal is now on line ${target.range.start.line + 2})`);
    check(/^\s*@id\(/.test(doc.lineAt(commentLine + 1).text), `the line after the suppression comment is "${doc.lineAt(commentLine + 1).text}", not the policy's @id`);

    // Re-checked: role-only-grant gone, no unused-suppression, and every other documented diagnostic still there, one line down.
    await waitForDiagnostics(doc.uri,
      (ds) => !ds.some((d) => codeOf(d) === 'role-only-grant') && !ds.some((d) => codeOf(d) === 'unused-suppression') && hasRowsShifted(ds, drafts, target, commentLine, 1),
      20_000, `after "${action.title}": no role-only-grant, no unused-suppression, and the other documented diagnostics one line further down`);
    const api = await activateExtension();
    await waitFor(() => api.status()?.state === 'idle', { message: () => `the server to be idle (${JSON.stringify(api.status())})` });
    const unused = agentDiagnostics(doc.uri).filter((d) => codeOf(d) === 'unused-suppression');
    check(unused.length === 0, `the suppression is reported as unused: ${unused.map(describeDiagnostic).join('; ')}`);
  });

  it('"Add @id(…)" names the policy that has none; the missing-policy-id finding goes', async () => {
    const target = row('missing-policy-id');
    const editor = await openExample(DRAFTS);
    const doc = editor.document;
    await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => matchesRow(d, target)), 20_000, `the documented ${target.row}`);
    const action = await waitForAction(doc.uri, target.range, /^Add @id\("[^"]+"\)$/);
    const id = /^Add @id\("([^"]+)"\)$/.exec(action.title)![1];
    check(action.isPreferred, `"${action.title}" is not the preferred fix (Shift+Alt+. would not apply it)`);
    check(action.edit, `"${action.title}" has no edit`);
    check(!doc.getText().includes(`@id("${id}")`), `${DRAFTS} already has @id("${id}")`);
    const effect = doc.getText(target.range);
    check(await vscode.workspace.applyEdit(action.edit), `VS Code refused the edit of "${action.title}"`);
    const line = target.range.start.line;
    check(doc.lineAt(line).text.trim() === `@id("${id}")`, `line ${line + 1} is "${doc.lineAt(line).text}" after "${action.title}", expected @id("${id}")`);
    check(doc.lineAt(line + 1).text.startsWith(effect), `line ${line + 2} is "${doc.lineAt(line + 1).text}", expected the policy's "${effect}"`);
    await waitForDiagnostics(doc.uri,
      (ds) => !ds.some((d) => codeOf(d) === 'missing-policy-id') && !ds.some((d) => codeOf(d) === 'duplicate-policy-id' && doc.getText(d.range).includes(id)) && hasRowsShifted(ds, drafts, target, line, 1),
      20_000, `after "${action.title}": no missing-policy-id, and the other documented diagnostics one line further down`);
  });

  it('a "did you mean" quick fix replaces the typo the README documents, and its diagnostic goes', async () => {
    // The first row whose "mistake" text names the fix and whose diagnostic offers it as a code action.
    const candidates = rows.filter((r) => /did you mean|a typo for/i.test(r.mistake));
    check(candidates.length, 'no row of the table says "did you mean `x`" or "a typo for `x`"');
    const tried: string[] = [];
    for (const r of candidates) {
      const editor = await openExample(r.file);
      const doc = editor.document;
      const fix = fixFromMistakeText(doc, r);
      if (!fix) continue;
      await waitForDiagnostics(doc.uri, (ds) => ds.some((d) => matchesRow(d, r)), 20_000, `the documented ${r.row}`);
      const actions = await codeActionsAt(doc.uri, r.range);
      tried.push(`${r.file} ${r.code}: ${actions.map((a) => `"${a.title}"`).join(', ')}`);
      // (vscode.executeCodeActionProvider does not return the diagnostics an action fixes: match by title.)
      const action = actions.find((a) => a.title === `Change to '${fix.newText}'`);
      if (!action?.edit) continue;
      check(await vscode.workspace.applyEdit(action.edit), `VS Code refused the edit of "${action.title}"`);
      const start = doc.offsetAt(fix.range.start);
      const fixed = new vscode.Range(fix.range.start, doc.positionAt(start + fix.newText.length));
      check(doc.getText(fixed) === fix.newText, `after "${action.title}" ${formatRange(fixed)} reads "${doc.getText(fixed)}", expected "${fix.newText}"`);
      await waitForDiagnostics(doc.uri, (ds) => !ds.some((d) => codeOf(d) === r.code && d.range.intersection(fixed)), 20_000,
        `after "${action.title}": no ${r.code} at ${formatRange(fixed)} any more`);
      return;
    }
    throw new Error(`no documented "did you mean" mistake offers its fix as a quick fix; offered:\n  ${tried.join('\n  ')}`);
  });
});
