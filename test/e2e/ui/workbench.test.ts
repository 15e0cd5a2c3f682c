// UI tests, as a person would: open the examples in VS Code (code-server in Chromium), open a policy from the
// Explorer, see the squiggles on the documented characters, the hover and the Problems panel, run the commands
// from F1, fix a mistake by typing. Screenshots go to test/e2e/screenshots/ (git-ignored).
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { derivePlainFix, formatPlainRange, readMistakesFile, textAt, type MistakeRow } from '../support/mistakes';
import {
  screenshotIfFailed,
  activeTab, editorText, goTo, openFromExplorer, openWorkbench, problemsPanelEntries, runCommand, screenshot,
  screenshotWithHover, showProblems, squigglesOnLine, statusItem, uiEnv, until, type ProblemEntry, type UiEnv,
} from './workbench';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe(`VS Code UI (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let rows: MistakeRow[];
  /** The policy file the tests open: the first .cedar file of the table (refunds.cedar while it has a row). */
  let policy: string;
  let policyRows: MistakeRow[];
  let policyText: string;

  before(async () => {
    env = uiEnv();
    rows = readMistakesFile(path.join(env.workspace, 'README.md'));
    const cedarFiles = [...new Set(rows.filter((r) => r.file.endsWith('.cedar')).map((r) => r.file))];
    check(cedarFiles.length, 'the "Deliberate mistakes" table has no row in a .cedar file');
    policy = cedarFiles.find((f) => f.endsWith('/refunds.cedar')) ?? cedarFiles[0];
    policyRows = rows.filter((r) => r.file === policy);
    policyText = fs.readFileSync(path.join(env.workspace, policy), 'utf8');
    ({ ctx, page } = await openWorkbench(env));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) {
    }
  });

  after(async () => {
    await ctx?.close();
  });

  it('opens the examples folder, and the extension reports its problem count in the status bar', async () => {
    await page.locator('.explorer-folders-view').waitFor({ timeout: 30_000 });
    await page.locator('.explorer-folders-view .monaco-list-row').filter({ hasText: policy.split('/')[0] }).first().waitFor({ timeout: 30_000 });
    const expected = rows.filter((r) => r.severity === 'error' || r.severity === 'warning').length;
    const text = await until(async () => {
      const t = (await statusItem(page).textContent().catch(() => null))?.trim();
      const n = /^(\d+) problems?$/.exec(t ?? '');
      return n && Number(n[1]) >= expected ? t : undefined;
    }, () => `the Agent Policy status-bar item to show "N problems" with N >= ${expected} (the table's rows)`, 60_000);
    check(text, 'no status');
  });

  it('opens a policy file from the Explorer', async () => {
    await openFromExplorer(page, policy);
    await page.locator('#status\\.editor\\.mode').filter({ hasText: 'Cedar' }).waitFor({ timeout: 10_000 });
  });

  it('draws each documented squiggle under exactly the documented characters', async () => {
    for (const row of policyRows) {
      check(row.range.start.line === row.range.end.line, `multi-line row not supported by this test: ${row.row}`);
      const expected = textAt(policyText, row.range);
      await goTo(page, row.range.start.line + 1, row.range.start.character + 1);
      let seen = '';
      await until(async () => {
        const l = await squigglesOnLine(page, row.range.start.line + 1);
        seen = JSON.stringify(l?.squiggles.map((s) => `${s.kind}:"${s.text}"`) ?? 'line not rendered');
        return l?.squiggles.some((s) => s.kind === row.severity && s.text === expected);
      }, () => `a ${row.severity} squiggle under "${expected}" (${row.row}); line ${row.range.start.line + 1} has ${seen}`, 30_000);
    }
  });

  it('hovering the squiggle shows the message and the rule, linked to its page', async () => {
    const row = policyRows[0];
    await goTo(page, row.range.start.line + 1, 1);
    const l = await until(() => squigglesOnLine(page, row.range.start.line + 1).then((x) => (x && x.squiggles.length > 0 ? x : undefined)), () => 'the squiggle');
    const sq = l.squiggles.find((s) => s.text === textAt(policyText, row.range)) ?? l.squiggles[0];
    await page.mouse.move(sq.x - 20, sq.y - 40);
    await page.mouse.move(sq.x, sq.y, { steps: 5 });
    const hover = page.locator('.monaco-hover:visible').filter({ hasText: row.code });
    await hover.first().waitFor({ timeout: 15_000 });
    const link = hover.first().locator('a', { hasText: row.code });
    check(await link.count(), `the hover shows ${row.code} but not as a link`);
    await screenshotWithHover(page, env, 'editor-hover');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
  });

  it('the Problems panel lists every documented mistake at its line and column', async () => {
    await showProblems(page);
    const wanted = rows.filter((r) => r.severity === 'error' || r.severity === 'warning');
    let entries: ProblemEntry[] = [];
    const shows = (e: ProblemEntry, r: MistakeRow) =>
      e.file === r.file && e.line === r.range.start.line + 1 && e.column === r.range.start.character + 1 && e.severity === r.severity && e.text.includes(r.code);
    const missing = () => wanted.filter((r) => !entries.some((e) => shows(e, r)));
    await until(async () => {
      entries = await problemsPanelEntries(page);
      return missing().length === 0;
    }, () => `Problems-panel entries for ${missing().map((r) => `${r.file} ${formatPlainRange(r.range)} ${r.code}`).join(', ')}; shown:\n${entries.map((e) => `  ${e.file} ${e.line}:${e.column} ${e.severity} ${e.text}`).join('\n')}`);
    // The editor shows the first documented mistake of the policy above the panel.
    await goTo(page, policyRows[0].range.start.line + 1, policyRows[0].range.start.character + 1);
    await showProblems(page);
    await screenshot(page, env, 'problems');
  });

  it('F1 "Agent Policy: Show Generated Cedar Schema" opens the schema generated from the manifest', async () => {
    await runCommand(page, 'Agent Policy: Show Generated Cedar Schema');
    const manifest = fs.readdirSync(env.workspace).find((f) => f.endsWith('.agents.yaml'));
    check(manifest, 'no manifest in the workspace');
    await activeTab(page, manifest.replace(/\.ya?ml$/, '') + '.cedarschema');
    const text = await until(async () => {
      const t = await editorText(page);
      return t.includes('namespace Acme {') && t;
    }, () => 'the schema editor to show "namespace Acme {"');
    check(text.startsWith(`// Cedar schema generated by Agent Policy Studio from ${manifest}`), `the schema begins with: ${text.split('\n')[0]}`);
    await page.keyboard.press('Control+J'); // hide the panel: the schema fills the editor
    await page.locator('.markers-panel').waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
    await screenshot(page, env, 'schema');
  });

  it('F1 "Agent Policy: Restart Server" restarts the server, which reports the same problems again', async () => {
    const before = (await statusItem(page).textContent())?.trim();
    await runCommand(page, 'Agent Policy: Restart Server');
    await page.locator('.statusbar-item').filter({ hasText: 'Agent Policy: server restarted' }).first().waitFor({ timeout: 30_000 });
    await until(async () => (await statusItem(page).textContent())?.trim() === before, () => `the status bar to show "${before}" again`, 30_000);
  });

  it('fixing a mistake by typing removes its squiggle and its Problems entry; reverting brings them back', async function () {
    const row = policyRows.find((r) => derivePlainFix(textAt(policyText, r.range), r.mistake));
    if (!row) this.skip();
    const fix = derivePlainFix(textAt(policyText, row.range), row.mistake)!;
    const line = row.range.start.line + 1;
    const col = row.range.start.character + 1 + fix.offsetInRange;
    await page.locator('.editor-group-container.active .tab').filter({ hasText: path.posix.basename(policy) }).first().click();
    await activeTab(page, path.posix.basename(policy));
    await goTo(page, line, col);
    for (let i = 0; i < fix.length; i++) await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.type(fix.newText);
    const expected = textAt(policyText, row.range);
    await until(async () => {
      const l = await squigglesOnLine(page, line);
      return l && l.lineText.includes(fix.newText) && !l.squiggles.some((s) => s.kind === row.severity) && l;
    }, () => `the squiggle on line ${line} to go after typing "${fix.newText}" over "${fix.wrong}"`);
    await showProblems(page);
    await until(async () => !(await problemsPanelEntries(page)).some((e) => e.file === row.file && e.line === line && e.text.includes(row.code)),
      () => `the Problems entry ${row.row} to go`);
    await screenshot(page, env, 'fixed');
    await runCommand(page, 'File: Revert File');
    await until(async () => (await squigglesOnLine(page, line))?.squiggles.some((s) => s.text === expected),
      () => `the squiggle under "${expected}" to come back after File: Revert File`);
  });

  it('the extension shows in the Extensions view (installed from the .vsix)', async function () {
    if (env.mode !== 'vsix') this.skip();
    await runCommand(page, 'Extensions: Show Installed Extensions');
    await page.locator('.extensions-viewlet .monaco-list-row').filter({ hasText: 'Agent Policy Studio' }).first().waitFor({ timeout: 30_000 });
  });
});
