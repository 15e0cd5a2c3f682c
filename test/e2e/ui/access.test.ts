// UI test of the "Agent Access" view, as a person would: F1 "Agent Policy: Show Agent Access" opens it in the panel,
// a click on a cell shows its condition and its policies (a link opens the policy), "Simulate" opens the result
// panel with that call; the screenshot is the README's `access` image. The expected cell comes from
// `agent-policy access --format json` (the same core as the server), not from the view.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import {
  activeTab, openFromExplorer, openWorkbenchWithServer, panelAtLeast, revertDirtyEditors, runCommand, screenshot, screenshotIfFailed, setSideBar, until, waitForText, webviewContent, webviewViewContent, type UiEnv,
} from './workbench';

const MANIFEST = 'acme.agents.yaml';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

interface CliCell {
  agent: string;
  via?: string;
  tool: string;
  access: 'always' | 'conditional' | 'never';
  condition?: string;
  permits: string[];
  forbids: string[];
  destructive: boolean;
  failOpenRisk: boolean;
}

describe(`the Agent Access view in the UI (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let cells: CliCell[];

  before(async () => {
    ({ env, ctx, page } = await openWorkbenchWithServer('access'));
    const out = execFileSync(process.execPath, [path.resolve('dist/cli.js'), 'access', '--manifest', path.join(env.workspace, MANIFEST), '--format', 'json'], { encoding: 'utf8' });
    cells = (JSON.parse(out) as { cells: CliCell[] }).cells;
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });

  after(async () => {
    await ctx?.close();
  });

  it('a click on a cell shows its condition and policies; "Simulate" opens the result panel with that call', async () => {
    // The destructive, conditional cell with a fail-open risk: the one a reviewer looks at first.
    const cell = cells.find((c) => !c.via && c.access === 'conditional' && c.destructive && c.failOpenRisk) ?? cells.find((c) => !c.via && c.access === 'conditional');
    check(cell?.condition, `agent-policy access finds no conditional cell in ${MANIFEST}`);
    await openFromExplorer(page, MANIFEST);
    await setSideBar(page, false);
    await runCommand(page, 'Agent Policy: Show Agent Access');
    await panelAtLeast(page, Math.round(900 * 0.5));
    const view = webviewViewContent(page);
    await view.locator('#state[data-state="map"]').waitFor({ timeout: 30_000 });
    const buttons = view.locator('button.cell');
    let drawn = 0;
    await until(async () => (drawn = await buttons.count()) === cells.length, () => `the grid to have ${cells.length} cells (it has ${drawn})`);

    const key = JSON.stringify(['', cell.agent, cell.tool]);
    const button = view.locator(`button.cell[data-key="${key.replace(/["\\]/g, '\\$&')}"]`);
    check((await button.getAttribute('data-access')) === 'conditional', `the cell ${cell.agent} × ${cell.tool} is drawn as ${await button.getAttribute('data-access')}`);
    check(((await button.getAttribute('class')) ?? '').includes('fail-open') === cell.failOpenRisk, `the cell ${cell.agent} × ${cell.tool} has classes "${await button.getAttribute('class')}"`);
    await button.click();
    await waitForText(view.locator('#detail-condition'), new RegExp(`^${cell.condition.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`), 'the condition of the clicked cell');
    for (const id of [...cell.permits, ...cell.forbids]) await view.locator('.details a.policy', { hasText: id }).first().waitFor({ timeout: 5_000 });
    if (cell.failOpenRisk) await view.locator('#detail-fail-open').waitFor({ timeout: 5_000 });

    // A policy link opens the policy file.
    const link = view.locator('.details a.policy').first();
    const where = ((await link.locator('xpath=following-sibling::span[@class="where"][1]').textContent()) ?? '').trim();
    const file = /^(.+):\d+$/.exec(where)?.[1];
    check(file, `the first policy link does not say where it goes ("${where}")`);
    await link.click();
    await activeTab(page, file);

    // "Simulate" with the pre-filled call: the result panel opens, titled with the decision, the agent and the tool.
    await view.locator('#simulate').click();
    let tabs: string[] = [];
    const title = new RegExp(`^(✓ allow|✗ deny): ${cell.agent} → ${cell.tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
    await until(async () => {
      tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      return tabs.some((t) => title.test(t));
    }, () => `a result panel titled ${title}; the tabs: ${tabs.map((t) => `"${t}"`).join(', ')}`);
    await waitForText(webviewContent(page).locator('#decision'), /^\s*[✓✗] (ALLOW|DENY)\s*$/, 'the result panel\'s decision');
    // The cell stays selected in the view beside the result.
    await view.locator('button.cell.selected').waitFor({ timeout: 5_000 });
    // The click scrolled the details down to the button: back to their top (the condition), as one would to read it.
    await view.locator('#details').evaluate((e: { scrollTop: number }) => (e.scrollTop = 0));
    await screenshot(page, env, 'access');
    await setSideBar(page, true);
  });
});
