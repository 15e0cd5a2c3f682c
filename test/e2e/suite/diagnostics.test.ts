// Opening the examples yields exactly the diagnostics documented by examples/README.md ("Deliberate mistakes"),
// codes and exact ranges, for files open or not.
import * as vscode from 'vscode';
import {
  activateExtension, agentDiagnostics, check, codeOf, describeDiagnostic, exampleUri, matchesRow, openExample,
  readMistakesTable, relPath, resetEditors, waitForDiagnostics, waitForTableState,
} from './helpers';

describe('diagnostics of the examples', () => {
  const rows = readMistakesTable();

  before(async () => {
    await activateExtension();
  });
  afterEach(resetEditors);

  it('the README table is readable and names files of the workspace', async () => {
    for (const r of rows) {
      const stat = await vscode.workspace.fs.stat(exampleUri(r.file)).then(() => true, () => false);
      check(stat, `the table names ${r.file}, which is not in the workspace: ${r.row}`);
    }
  });

  it('the whole workspace has exactly the documented diagnostics, with no file open', async () => {
    await waitForTableState(rows, 30_000);
  });

  it('every documented diagnostic keeps its range when its file is opened', async () => {
    for (const file of [...new Set(rows.map((r) => r.file))]) {
      const editor = await openExample(file);
      const mine = rows.filter((r) => r.file === file);
      await waitForDiagnostics(editor.document.uri, (ds) => mine.every((r) => ds.some((d) => matchesRow(d, r))), 20_000,
        `the documented diagnostics (${mine.map((r) => r.row).join('; ')}) after opening the file`);
    }
    await waitForTableState(rows);
  });

  it('each diagnostic has the extension as source, a rule id as code and a link to the rule page', async () => {
    await waitForTableState(rows);
    const all = agentDiagnostics();
    check(all.length > 0, 'no diagnostics at all');
    for (const [uri, ds] of all) {
      for (const d of ds) {
        const where = `${relPath(uri)} ${describeDiagnostic(d)}`;
        check(typeof d.code === 'object' && d.code !== null, `${where}: code is ${JSON.stringify(d.code)}, expected { value, target }`);
        const code = codeOf(d)!;
        check(/^[a-z][a-z0-9-]*$/.test(code), `${where}: code "${code}" is not a rule id`);
        const target = (d.code as { target: vscode.Uri }).target;
        check(target.toString().includes(code), `${where}: the link ${target.toString()} does not lead to the page of ${code}`);
        check(d.message.trim().length > 0, `${where}: empty message`);
      }
    }
  });

  it('the status bar count is the number of diagnostics the server published', async () => {
    const api = await activateExtension();
    await waitForTableState(rows);
    let total = 0;
    await waitForDiagnostics(exampleUri(rows[0].file), () => {
      total = agentDiagnostics().reduce((n, [, ds]) => n + ds.length, 0);
      const s = api.status();
      return s?.state === 'idle' && s.problems === total;
    }, 20_000, `the status to be idle with as many problems as diagnostics (status ${JSON.stringify(api.status())}, diagnostics ${total})`);
  });
});
