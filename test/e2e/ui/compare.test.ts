// UI test of "Agent Policy: Compare Policies with…", as a person would: F1, the picker offers HEAD first, Enter; the
// panel shows the summary line, widening before narrowing, the calls grouped by agent; a policy link opens the
// policy; "Simulate" opens the result panel with that call. The screenshot is the README's `compare` image.
// The workspace (the harness's copy of examples/) is made a git repository whose last commit holds an older version
// of two policies — written to git's object store only, so the files on disk stay the examples' —; the expected
// numbers come from `agent-policy diff --format json` (the same core as the server), not from the panel. The .git
// folder is removed at the end.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import * as path from 'node:path';
import { cliDiffAtHead, commitOlderPolicies, removeRepository } from './gitWorkspace';
import type { BrowserContext, Page } from 'playwright-core';
import {
  activeTab, openFromExplorer, openWorkbenchWithServer, revertDirtyEditors, screenshot, screenshotIfFailed, setSideBar, startCommand, until, uiEnv, waitForText, webviewContent, type UiEnv,
} from './workbench';

const MANIFEST = 'acme.agents.yaml';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

interface CliDiff {
  summary: { widening: number; narrowing: number };
  policies: { id: string; file: string }[];
  calls: { agent: string; widening: boolean; policies: string[] }[];
}

describe(`Compare Policies with… in the UI (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let expected: CliDiff;
  let ws = '';

  before(async () => {
    ws = uiEnv().workspace;
    commitOlderPolicies(ws);
    expected = cliDiffAtHead(ws, MANIFEST) as CliDiff;
    check(expected.summary.widening > 0 && expected.summary.narrowing > 0, `agent-policy diff: ${JSON.stringify(expected.summary)}`);
    ({ env, ctx, page } = await openWorkbenchWithServer('compare'));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });

  after(async () => {
    await ctx?.close();
    removeRepository(ws);
  });

  it('F1, HEAD (the first item), Enter: the panel shows the summary, widening first by agent; a link opens the policy; "Simulate" simulates the call', async () => {
    await openFromExplorer(page, MANIFEST);
    await setSideBar(page, false);
    await startCommand(page, 'Agent Policy: Compare Policies with…', /^Compare Policies with…/);
    const first = page.locator('.quick-input-widget .quick-input-list .monaco-list-row').first().locator('.label-name');
    await waitForText(first, /^\s*HEAD\s*$/, 'the picker\'s first item');
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });

    const view = webviewContent(page);
    const s = expected.summary;
    await waitForText(view.locator('#summary'), new RegExp(`^▲ ${s.widening} widening, ${s.narrowing} narrowing`), 'the summary line', 30_000);
    await activeTab(page, MANIFEST).catch(() => undefined);
    let tabs: string[] = [];
    await until(async () => {
      tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      return tabs.some((t) => t.startsWith(`▲ ${s.widening} vs HEAD`));
    }, () => `a panel titled "▲ ${s.widening} vs HEAD"; the tabs: ${tabs.map((t) => `"${t}"`).join(', ')}`);
    // Widening before narrowing, each grouped by the agents of its calls.
    const headings = (await view.locator('h2').allTextContents()).map((t) => t.trim());
    const w = headings.findIndex((h) => h.startsWith('▲ Widening'));
    const n = headings.findIndex((h) => h.startsWith('▼ Narrowing'));
    check(w >= 0 && n > w, `the panel's sections: ${headings.join(' | ')}`);
    for (const agent of new Set(expected.calls.map((c) => c.agent))) await view.locator(`section.agent[data-agent="${agent}"]`).first().waitFor({ timeout: 5_000 });
    const shownCalls = await view.locator('li.call').count();
    check(shownCalls === expected.calls.length, `the panel has ${shownCalls} calls, agent-policy diff ${expected.calls.length}`);

    // The link of the policy that widens opens it beside the panel.
    const id = expected.calls.find((c) => c.widening)?.policies[0];
    const changed = expected.policies.find((p) => p.id === id);
    check(changed, `agent-policy diff: the policy of the first widening call (${id}) is not among the changed ones`);
    await view.locator('ul.policies a.policy', { hasText: changed.id }).first().click();
    await activeTab(page, path.posix.basename(changed.file));
    await screenshot(page, env, 'compare');

    // "Simulate" on the first widening call: the result panel, titled with the decision, the agent and the tool.
    const call = view.locator('#widening ~ section.agent li.call.widening').first();
    const agent = (await call.locator('xpath=ancestor::section[1]').getAttribute('data-agent')) ?? '';
    const tool = ((await call.locator('.head .tool').first().textContent()) ?? '').trim();
    await call.locator('button.simulate').click();
    const title = new RegExp(`^✓ allow: ${agent} → ${tool}`);
    await until(async () => {
      tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      return tabs.some((t) => title.test(t));
    }, () => `a result panel titled ${title}; the tabs: ${tabs.map((t) => `"${t}"`).join(', ')}`);
    await setSideBar(page, true);
  });
});
