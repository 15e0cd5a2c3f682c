// UI tests of the security lint's quick fixes, as a person would: open sandbox/drafts.cedar from the Explorer, put
// the cursor on a squiggle, press Ctrl+., pick the fix, and see the squiggle go and the fix appear in the text.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { readMistakesFile, textAt, type MistakeRow } from '../support/mistakes';
import {
  screenshotIfFailed,
  goTo, openFromExplorer, openQuickFixMenu, openWorkbench, quickFixMenuClosed, quickFixTitles, revertDirtyEditors, runCommand, screenshotAsIs, squigglesOnLine, uiEnv, until, type UiEnv,
} from './workbench';

const DRAFTS = 'sandbox/drafts.cedar';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe(`quick fixes in the editor (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let rows: MistakeRow[];
  let text: string;
  let lines: string[];
  const row = (code: string) => {
    const r = rows.find((x) => x.file === DRAFTS && x.code === code);
    check(r, `examples/README.md documents no ${code} in ${DRAFTS}`);
    check(r.range.start.line === r.range.end.line, `multi-line row not supported by this test: ${r.row}`);
    return r;
  };
  /** 1-based line where the policy containing `line` (0-based) begins: its first annotation, or its effect. */
  const policyStart = (line: number) => {
    let k = line;
    while (k > 0 && !/^(@|permit\b|forbid\b)/.test(lines[k])) k--;
    while (k > 0 && lines[k - 1].startsWith('@')) k--;
    return k + 1;
  };
  /** Waits until the line (1-based) shows a squiggle of `kind` under exactly `under`. */
  const squiggleUnder = (line: number, kind: string, under: string) => {
    let seen = '';
    return until(async () => {
      const l = await squigglesOnLine(page, line);
      seen = JSON.stringify(l?.squiggles.map((s) => `${s.kind}:"${s.text}"`) ?? 'line not rendered');
      return l?.squiggles.some((s) => s.kind === kind && s.text === under);
    }, () => `a ${kind} squiggle under "${under}" on line ${line}; it has ${seen}`, 30_000);
  };
  /** Puts the cursor on the documented squiggle of `code` and waits until it is drawn; its row, 1-based line and text. */
  const cursorOnSquiggle = async (code: string) => {
    const r = row(code);
    const line = r.range.start.line + 1;
    const under = textAt(text, r.range);
    await goTo(page, line, r.range.start.character + 1);
    await squiggleUnder(line, r.severity, under);
    return { r, line, under };
  };
  /** Reverts the file (File: Revert File) and waits for the squiggle to be back. */
  const revertAndSee = async (line: number, kind: string, under: string) => {
    await runCommand(page, 'File: Revert File');
    await squiggleUnder(line, kind, under);
  };

  before(async () => {
    const base = uiEnv();
    // A browser profile of its own: the workbench does not restore another suite's editors.
    env = { ...base, browserDir: path.join(base.browserDir, 'quickfix') };
    rows = readMistakesFile(path.join(env.workspace, 'README.md'));
    text = fs.readFileSync(path.join(env.workspace, DRAFTS), 'utf8');
    lines = text.split('\n');
    ({ ctx, page } = await openWorkbench(env));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) {
      await page.keyboard.press('Escape'); // a menu left open
    }
    await revertDirtyEditors(page); // even after a failure: the next suites must see the files as on disk
  });

  after(async () => {
    await ctx?.close();
  });

  it(`opens ${DRAFTS} from the Explorer and underlines its lint findings`, async () => {
    await openFromExplorer(page, DRAFTS);
    for (const code of ['role-only-grant', 'missing-policy-id']) {
      const r = row(code);
      await goTo(page, r.range.start.line + 1, r.range.start.character + 1);
      await squiggleUnder(r.range.start.line + 1, r.severity, textAt(text, r.range));
    }
  });

  it('Ctrl+. on the role-only-grant squiggle → "Suppress role-only-grant for this policy": the comment appears above the policy, the squiggle goes', async () => {
    const { r, line, under } = await cursorOnSquiggle('role-only-grant');
    const item = await openQuickFixMenu(page, 'Suppress role-only-grant for this policy');
    await screenshotAsIs(page, env, 'quick-fix-suppress');
    await item.click();
    await quickFixMenuClosed(page);
    // The comment is on its own line where the policy began; the policy (and its principal) moved one line down.
    const commentLine = policyStart(r.range.start.line);
    await until(async () => (await squigglesOnLine(page, commentLine))?.lineText.trim() === '// agent-policy-ignore role-only-grant',
      () => `line ${commentLine} to read "// agent-policy-ignore role-only-grant"`);
    let seen = '';
    await until(async () => {
      const l = await squigglesOnLine(page, line + 1);
      seen = JSON.stringify(l ?? 'not rendered');
      return l && l.lineText.includes(under) && l.squiggles.length === 0;
    }, () => `the squiggle under "${under}" (now line ${line + 1}) to go; the line: ${seen}`);
    // The suppression is used: no unused-suppression squiggle on the comment.
    const c = await squigglesOnLine(page, commentLine);
    check(c && c.squiggles.length === 0, `the suppression comment on line ${commentLine} is underlined: ${JSON.stringify(c?.squiggles)}`);
    await revertAndSee(line, r.severity, under);
  });

  it('Ctrl+. on a policy without @id → "Add @id(…)" (listed first): the policy gets an @id line, the squiggle goes', async () => {
    const { r, line, under } = await cursorOnSquiggle('missing-policy-id');
    const item = await openQuickFixMenu(page, 'Add @id(');
    const titles = await quickFixTitles(page);
    check(/^Add @id\("[^"]+"\)$/.test(titles[0] ?? ''), `the first quick fix is "${titles[0]}", expected "Add @id(…)" (the preferred one); the menu: ${titles.join(' | ')}`);
    check(titles.includes('Suppress missing-policy-id for this policy'), `the menu does not offer "Suppress missing-policy-id for this policy": ${titles.join(' | ')}`);
    await screenshotAsIs(page, env, 'quick-fix');
    const idLine = titles[0].replace(/^Add /, '');
    await item.click();
    await quickFixMenuClosed(page);
    let seen = '';
    await until(async () => {
      const idl = await squigglesOnLine(page, line);
      const eff = await squigglesOnLine(page, line + 1);
      seen = JSON.stringify({ idl, eff });
      return idl?.lineText.trim() === idLine && eff?.lineText.startsWith(under) && eff.squiggles.length === 0 && idl.squiggles.length === 0;
    }, () => `line ${line} to read ${idLine} and the policy's "${under}" on line ${line + 1} without a squiggle; seen ${seen}`);
    await revertAndSee(line, r.severity, under);
  });
});
