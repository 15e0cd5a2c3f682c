// UI test of the Agent Access view beside the map at a git ref, as a person would: F1 "Show Agent Access", the view's
// "Compare with…" button, HEAD from the picker (the first item), Enter; every cell shows base → current, the cell
// that widens is highlighted; a click on it shows its condition now and at the base, and the two proposed calls;
// "Simulate a call that is denied" opens the result panel with a deny; "Clear" goes back. The screenshot is the
// README's `access-compare` image. The workspace is made a git repository whose commit holds older policies
// (gitWorkspace.ts; `.git` removed at the end); the expected cells come from `agent-policy diff --format json` (the
// same core as the server), not from the view.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import type { BrowserContext, Page } from 'playwright-core';
import { cliDiffAtHead, commitOlderPolicies, removeRepository } from './gitWorkspace';
import {
  openFromExplorer, openWorkbenchWithServer, panelAtLeast, revertDirtyEditors, runCommand, screenshot, screenshotIfFailed, setSideBar, uiEnv, until, waitForText, webviewContent, webviewViewContent, type UiEnv,
} from './workbench';

const MANIFEST = 'acme.agents.yaml';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

interface CliCellChange {
  agent: string;
  via?: string;
  tool: string;
  from: string;
  to: string;
  widening: boolean;
}

describe(`the Agent Access view compared with a git ref in the UI (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let changes: CliCellChange[];
  let ws = '';

  before(async () => {
    ws = uiEnv().workspace;
    commitOlderPolicies(ws);
    changes = (cliDiffAtHead(ws, MANIFEST) as { cells: CliCellChange[] }).cells;
    check(changes.some((c) => c.widening && !c.via), `agent-policy diff finds no widening cell: ${JSON.stringify(changes)}`);
    ({ env, ctx, page } = await openWorkbenchWithServer('access-compare'));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });

  after(async () => {
    await ctx?.close();
    removeRepository(ws);
  });

  it('"Compare with…" HEAD: base → current in every cell, the widening cell highlighted, its base condition and two calls to simulate', async () => {
    await openFromExplorer(page, MANIFEST);
    await setSideBar(page, false);
    await runCommand(page, 'Agent Policy: Show Agent Access');
    await panelAtLeast(page, Math.round(900 * 0.72));
    const view = webviewViewContent(page);
    await view.locator('#state[data-state="map"]').waitFor({ timeout: 30_000 });

    await view.locator('#compare-with').click();
    const first = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().locator('.label-name');
    await waitForText(first, /^\s*HEAD\s*$/, 'the picker\'s first item');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    const widening = changes.filter((c) => c.widening).length;
    await waitForText(view.locator('#base-summary'), new RegExp(`${changes.length} cells? differs?: ▲ ${widening} widening`), 'the comparison\'s summary line', 30_000);

    // Every cell that diff reports as changed is marked, with its base and current access.
    for (const c of changes) {
      const key = JSON.stringify([c.via ?? '', c.agent, c.tool]).replace(/["\\]/g, '\\$&');
      const b = view.locator(`button.cell[data-key="${key}"]`);
      const cls = (await b.getAttribute('class')) ?? '';
      check(cls.includes('differs') && cls.includes('widening') === c.widening, `${c.agent} × ${c.tool}: classes "${cls}", diff says widening ${c.widening}`);
      check((await b.getAttribute('data-base-access')) === c.from && (await b.getAttribute('data-access')) === c.to, `${c.agent} × ${c.tool}: drawn ${await b.getAttribute('data-base-access')} → ${await b.getAttribute('data-access')}, diff says ${c.from} → ${c.to}`);
    }

    // The widening cell: its condition now and at the base, and the server's two calls.
    const cell = changes.find((c) => c.widening && !c.via)!;
    await view.locator(`button.cell[data-key="${JSON.stringify(['', cell.agent, cell.tool]).replace(/["\\]/g, '\\$&')}"]`).click();
    await view.locator('#detail-base-condition').waitFor({ timeout: 10_000 });
    await waitForText(view.locator('#detail-base-change'), /^▲ widening/, 'the details\' change line');
    await view.locator('#simulate-allow').waitFor({ timeout: 20_000 });
    await view.locator('#simulate-deny').waitFor({ timeout: 5_000 });
    // The details from the condition down: now, at the base, and the two calls (the header and the warning above).
    type Box = { getBoundingClientRect(): { top: number } };
    await view.locator('#details').evaluate((e: Box & { scrollTop: number; querySelector(s: string): Box | null }) => {
      const h = e.querySelector('#detail-condition');
      if (h) e.scrollTop += h.getBoundingClientRect().top - e.getBoundingClientRect().top - 36;
    });
    await screenshot(page, env, 'access-compare');

    // "Simulate a call that is denied": the result panel says deny, for that agent and tool.
    await view.locator('#simulate-deny').click();
    let tabs: string[] = [];
    const title = new RegExp(`^✗ deny: ${cell.agent} → ${cell.tool}`);
    await until(async () => {
      tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      return tabs.some((t) => title.test(t));
    }, () => `a result panel titled ${title}; the tabs: ${tabs.map((t) => `"${t}"`).join(', ')}`);
    await waitForText(webviewContent(page).locator('#decision'), /^\s*✗ DENY\s*$/, 'the result panel\'s decision');

    // "Clear": the current map alone again.
    await view.locator('#compare-clear').click();
    await until(async () => (await view.locator('button.cell.compared').count()) === 0, () => 'the grid to drop the base after "Clear"');
    await setSideBar(page, true);
  });
});
