// UI test of a plain Cedar project (examples/plain-cedar: policies.cedar + policies.cedarschema, no manifest): the
// squiggle under the documented typo, its hover with Cedar's message, and the README's `plain-cedar` screenshot.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { readMistakesFile, textAt } from '../support/mistakes';
import { goTo, openFromExplorer, openWorkbenchWithServer, revertDirtyEditors, screenshotIfFailed, screenshotWithHover, squigglesOnLine, until, type UiEnv } from './workbench';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe(`a plain Cedar project in the editor (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;

  before(async () => {
    ({ env, ctx, page } = await openWorkbenchWithServer('plain-cedar'));
  });
  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });
  after(async () => {
    await ctx?.close();
  });

  it('squiggles the documented typo of plain-cedar/policies.cedar, and its hover gives Cedar\'s message', async () => {
    const row = readMistakesFile(path.join(env.workspace, 'README.md')).find((r) => r.file.startsWith('plain-cedar/'));
    check(row, 'the README table documents a mistake in plain-cedar/');
    const text = fs.readFileSync(path.join(env.workspace, row.file), 'utf8');
    const expected = textAt(text, row.range);
    await openFromExplorer(page, row.file);
    await page.locator('#status\\.editor\\.mode').filter({ hasText: 'Cedar' }).waitFor({ timeout: 10_000 });
    await goTo(page, row.range.start.line + 1, row.range.start.character + 1);
    let seen = '';
    const l = await until(async () => {
      const x = await squigglesOnLine(page, row.range.start.line + 1);
      seen = JSON.stringify(x?.squiggles.map((s) => `${s.kind}:"${s.text}"`) ?? 'line not rendered');
      return x?.squiggles.some((s) => s.kind === row.severity && s.text === expected) ? x : undefined;
    }, () => `a ${row.severity} squiggle under "${expected}" (${row.row}); the line has ${seen}`, 30_000);
    const sq = l.squiggles.find((s) => s.text === expected)!;
    await page.mouse.move(sq.x - 20, sq.y - 40);
    await page.mouse.move(sq.x, sq.y, { steps: 5 });
    const hover = page.locator('.monaco-hover:visible').filter({ hasText: 'ownr' });
    await hover.first().waitFor({ timeout: 15_000 });
    const message = (await hover.first().textContent()) ?? '';
    check(message.includes('did you mean') && message.includes(row.code), `the hover reads: ${message}`);
    await screenshotWithHover(page, env, 'plain-cedar');
    await page.mouse.move(5, 450);
    await page.keyboard.press('Escape');
  });
});
