// UI tests of navigation and refactoring, as a person would: F12 on a role jumps to the manifest, the Outline lists
// the policies by @id and the breadcrumbs follow the cursor (the README's screenshot), F2 renames an agent in the
// policy and the manifest, Format Document (F1) formats a policy file.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import type { BrowserContext, Page } from 'playwright-core';
import {
  activeTab, goTo, openFromExplorer, openWorkbenchWithServer, revertDirtyEditors, runCommand, screenshot, screenshotIfFailed, squigglesOnLine, until, type UiEnv,
} from './workbench';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe(`navigation and refactoring in the editor (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  /** The text of a line of the active editor by its number (it must be on screen). */
  const lineText = async (line: number) => (await squigglesOnLine(page, line))?.lineText ?? '';
  /** Expands or collapses a section of the Explorer side bar (the folder, Outline, Timeline) by its title. */
  const setSection = async (title: RegExp, expanded: boolean) => {
    const header = page.locator('.part.sidebar .pane-header').filter({ hasText: title }).first();
    await header.waitFor({ timeout: 10_000 });
    if (((await header.getAttribute('aria-expanded')) === 'true') !== expanded) await header.click();
    await until(async () => ((await header.getAttribute('aria-expanded')) === 'true') === expanded, () => `the ${title} section to be ${expanded ? 'expanded' : 'collapsed'}`);
  };
  const cursorAt = (line: number, column: number) => page.locator('#status\\.editor\\.selection').filter({ hasText: `Ln ${line}, Col ${column}` }).waitFor({ timeout: 15_000 });

  before(async () => {
    ({ env, ctx, page } = await openWorkbenchWithServer('navigation'));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });

  after(async () => {
    await ctx?.close();
  });

  it('F12 on a role in a policy opens the manifest at the role', async () => {
    await openFromExplorer(page, 'policies/refunds.cedar');
    check((await lineText(5)).includes('principal in Acme::Role::"billing"'), `line 5 reads "${await lineText(5)}"`);
    await goTo(page, 5, '  principal in Acme::Role::"bil'.length);
    await page.keyboard.press('F12');
    await activeTab(page, 'acme.agents.yaml');
    // `roles: [support, billing, ops]`: the cursor on `billing`.
    await cursorAt(27, 18);
  });

  it('the Outline lists the policies by @id, and the breadcrumbs show the policy and the condition under the cursor', async () => {
    await openFromExplorer(page, 'policies/refunds.cedar');
    // The Outline gets the side bar, wider: the folder's tree is collapsed while it is shown (and expanded again after).
    await setSection(/^\s*Outline/i, true);
    await setSection(/^\s*examples/i, false);
    try {
      const bar = await page.locator('.part.sidebar').boundingBox();
      if (bar && bar.width < 500) {
        await page.mouse.move(bar.x + bar.width + 1, bar.y + bar.height / 2);
        await page.mouse.down();
        await page.mouse.move(bar.x + 560, bar.y + bar.height / 2, { steps: 5 });
        await page.mouse.up();
      }
      // Go to Line gives the editor the focus back (the side bar had it).
      await goTo(page, 31, 12);
      check((await lineText(31)).startsWith('unless {'), `line 31 reads "${await lineText(31)}"`);
      const labels = page.locator('.part.sidebar .outline-pane .monaco-list-row .label-name');
      const want = ['billing-refund', 'billing-read-orders', 'refund-large-needs-approval', 'when', 'unless'];
      let seen: string[] = [];
      await until(async () => {
        seen = (await labels.allTextContents()).map((t) => t.trim());
        return want.every((w) => seen.includes(w));
      }, () => `the Outline to list ${JSON.stringify(want)}; it lists ${JSON.stringify(seen)}`);
      const crumbs = page.locator('.editor-group-container.active .monaco-breadcrumbs .monaco-breadcrumb-item .label-name');
      let trail: string[] = [];
      await until(async () => {
        trail = (await crumbs.allTextContents()).map((t) => t.trim());
        return trail.join(' › ').endsWith('refunds.cedar › refund-large-needs-approval › unless');
      }, () => `the breadcrumbs to end with "refunds.cedar › refund-large-needs-approval › unless"; they show ${JSON.stringify(trail)}`);
      // The whole file on screen (Go to Line centred line 31): scroll up line by line (Ctrl+Up), the cursor stays.
      for (let i = 0; i < 40 && (await squigglesOnLine(page, 1)) === undefined; i++) await page.keyboard.press('Control+ArrowUp');
      check((await squigglesOnLine(page, 1)) !== undefined, 'line 1 is on screen');
      await cursorAt(31, 12);
      await screenshot(page, env, 'outline');
    } finally {
      await setSection(/^\s*examples/i, true);
      await setSection(/^\s*Outline/i, false);
    }
  });

  it('F2 on an agent renames it in the policy and in the manifest (its key and its scenarios)', async () => {
    await openFromExplorer(page, 'policies/support.cedar');
    check((await lineText(27)).includes('Acme::Agent::"support-bot"'), `line 27 reads "${await lineText(27)}"`);
    await goTo(page, 27, '  principal == Acme::Agent::"supp'.length);
    await page.keyboard.press('F2');
    const input = page.locator('.rename-box input').first();
    await input.waitFor({ state: 'visible', timeout: 15_000 });
    check((await input.inputValue()) === 'support-bot', `the rename box holds "${await input.inputValue()}"`);
    await input.fill('helpdesk-bot');
    await page.keyboard.press('Enter');
    let seen = '';
    await until(async () => (seen = await lineText(27)).includes('Acme::Agent::"helpdesk-bot"'), () => `line 27 to name helpdesk-bot; it reads "${seen}"`);
    await openFromExplorer(page, 'acme.agents.yaml');
    await until(async () => (seen = await lineText(30)) === '  helpdesk-bot:', () => `line 30 of the manifest to read "  helpdesk-bot:"; it reads "${seen}"`);
  });

  it('Format Document formats a policy file with Cedar\'s formatter, comments kept', async () => {
    await openFromExplorer(page, 'policies/refunds.cedar');
    await goTo(page, 9, 1);
    check((await lineText(9)) === 'when {', `line 9 reads "${await lineText(9)}"`);
    await runCommand(page, 'Format Document');
    let seen = '';
    await until(async () => (seen = `${await lineText(9)}|${await lineText(10)}`) === 'when|{', () => `lines 9 and 10 to read "when" and "{"; they read "${seen}"`);
    check((await lineText(1)).startsWith('// Billing: the refund agent'), 'the comment at the top stays');
  });
});
