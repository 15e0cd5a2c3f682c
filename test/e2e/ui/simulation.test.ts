// UI tests of simulation, as a person would: the scenario code lenses of acme.agents.yaml and their "▶ Simulate",
// the result panel (a webview: iframe.webview → iframe#active-frame), F1 "Agent Policy: Simulate Tool Call" through
// its pickers and input boxes, a policy link of the panel, and "Save as scenario".
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { readMistakesFile, type MistakeRow } from '../support/mistakes';
import { EMAIL_CALL, EMAIL_FORBID, readScenarios, type ScenarioItem } from '../support/scenarios';
import {
  screenshotIfFailed,
  activeTab, clickCodeLens, codeLensesAbove, editorText, goTo, openFromExplorer, openWorkbench, pick, quickInputTitled, quickPickRow,
  revertDirtyEditors, runCommand, screenshot, screenshotAsIs, setSideBar, startCommand, uiEnv, until, waitForText, webviewContent, type UiEnv,
} from './workbench';

const MANIFEST = 'acme.agents.yaml';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

// page.evaluate() bodies run in the browser; the project compiles without the DOM library.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any

const panelTitle = (decision: 'allow' | 'deny', agent: string, tool: string) => `${decision === 'allow' ? '✓ allow' : '✗ deny'}: ${agent} → ${tool}`;

describe(`simulating tool calls in the UI (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;
  let rows: MistakeRow[];
  let manifestText: string;
  let scenarios: ScenarioItem[];

  /** Waits until a tab titled `title` is shown (the result panel's title says the decision, the agent and the tool). */
  const panelTab = async (title: string) => {
    let tabs: string[] = [];
    await until(async () => {
      tabs = (await page.locator('.tabs-container .tab').allTextContents()).map((t) => t.trim());
      return tabs.some((t) => t.startsWith(title));
    }, () => `a tab titled "${title}"; the tabs: ${tabs.map((t) => `"${t}"`).join(', ') || 'none'}`);
  };

  before(async () => {
    const base = uiEnv();
    // A browser profile of its own: the workbench does not restore another suite's editors.
    env = { ...base, browserDir: path.join(base.browserDir, 'simulation') };
    rows = readMistakesFile(path.join(env.workspace, 'README.md'));
    manifestText = fs.readFileSync(path.join(env.workspace, MANIFEST), 'utf8');
    scenarios = readScenarios(manifestText, MANIFEST);
    check(scenarios.length > 0, `${MANIFEST} has no scenarios`);
    ({ ctx, page } = await openWorkbench(env));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) {
      await page.keyboard.press('Escape'); // a quick input left open
      await setSideBar(page, true).catch(() => undefined);
    }
    await revertDirtyEditors(page);
  });

  after(async () => {
    // The manifest as it was (a test saves a scenario into it).
    if (manifestText !== undefined) fs.writeFileSync(path.join(env.workspace, MANIFEST), manifestText);
    await ctx?.close();
  });

  it(`the scenarios of ${MANIFEST} show "▶ Simulate" and their result as code lenses`, async () => {
    await openFromExplorer(page, MANIFEST);
    const failing = rows.filter((r) => r.file === MANIFEST && r.code === 'scenario-failed').map((r) => r.range.start.line);
    check(failing.length, `the README table documents no failing scenario in ${MANIFEST}`);
    for (const s of scenarios) {
      await goTo(page, s.line + 1, 1);
      let seen: string[] | undefined;
      await until(async () => {
        seen = await codeLensesAbove(page, s.line + 1);
        return seen?.length === 2 && seen[0] === '▶ Simulate' && /^[✓✗] /.test(seen[1]);
      }, () => `the lenses "▶ Simulate" | "✓/✗ …" above "${s.name}" (line ${s.line + 1}); seen ${JSON.stringify(seen)}`, 30_000);
      const result = seen![1];
      const other = s.expect === 'allow' ? 'deny' : 'allow';
      if (failing.includes(s.line)) check(result.startsWith(`✗ expected ${s.expect}, got ${other}`), `the failing scenario "${s.name}" shows "${result}"`);
      else check(result.startsWith(`✓ ${s.expect}`), `the scenario "${s.name}" shows "${result}", expected "✓ ${s.expect} …"`);
    }
  });

  it('"▶ Simulate" on the first scenario opens the result panel: ✓ ALLOW and the determining policies', async () => {
    const first = scenarios[0];
    check(first.expect === 'allow', `the first scenario of ${MANIFEST} expects ${first.expect}; this test shows an allowed call`);
    await goTo(page, first.line + 1, 1);
    const lenses = await until(async () => {
      const l = await codeLensesAbove(page, first.line + 1);
      return l?.includes('▶ Simulate') && l;
    }, () => `the "▶ Simulate" lens above line ${first.line + 1}`);
    await clickCodeLens(page, first.line + 1, '▶ Simulate');
    await panelTab(panelTitle('allow', first.agent, first.tool));
    const view = webviewContent(page);
    await waitForText(view.locator('#decision'), /^\s*✓ ALLOW\s*$/, 'the panel\'s decision');
    await view.locator('.scenario.pass').filter({ hasText: first.name }).waitFor({ timeout: 5_000 });
    for (const id of first.reasons ?? []) await view.locator('a.policy', { hasText: id }).first().waitFor({ timeout: 5_000 });
    // A forbid that the lens says errored and was skipped is the panel's fail-open warning, linked.
    const skipped = /⚠ (\S+) errored and was skipped/.exec(lenses[1] ?? '')?.[1];
    if (skipped) await view.locator('.warning', { hasText: 'Fail-open risk' }).locator('a.policy', { hasText: skipped }).waitFor({ timeout: 5_000 });
    // For the screenshot: no side bar (the lenses get the width), the scenario in the middle of the editor.
    await setSideBar(page, false);
    await goTo(page, first.line + 1, 1);
    await screenshot(page, env, 'scenario-lens');
    await setSideBar(page, true);
  });

  it('F1 "Agent Policy: Simulate Tool Call": manifest, agent, tool, arguments and context → ✗ DENY by the forbid, linked to its source', async () => {
    // The policies on the left, as one writes them; the result opens beside them.
    await runCommand(page, 'View: Close All Editors');
    await openFromExplorer(page, 'policies/guardrails.cedar');
    await setSideBar(page, false);
    if (await page.locator('.part.panel').isVisible()) {
      await page.keyboard.press('Control+J'); // no bottom panel: the result panel gets the height
      await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 5_000 });
    }
    await startCommand(page, 'Agent Policy: Simulate Tool Call', /Simulate Tool Call \([12]\/5\)/);
    const title = async () => (await page.locator('.quick-input-widget .quick-input-title').textContent()) ?? '';
    if (/\(1\/5\)/.test(await title())) {
      await quickPickRow(page, 'sandbox/lab.agents.yaml').first().waitFor({ timeout: 10_000 }); // the examples have two manifests
      await pick(page, MANIFEST);
    }
    await quickInputTitled(page, /\(2\/5\): the agent/);
    await pick(page, EMAIL_CALL.agent);
    await quickInputTitled(page, /\(3\/5\): the tool support-bot calls/);
    // Each tool says what it does to the world, with an icon: read-only, destructive, writes; and its server.
    await quickPickRow(page, EMAIL_CALL.tool).first().waitFor({ timeout: 10_000 });
    await screenshotAsIs(page, env, 'simulate-pick-tool');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const toolRow = async (tool: string) => {
      await input.fill(tool); // the list scrolls: filter it down to the tool
      const row = quickPickRow(page, tool).first();
      await row.waitFor({ timeout: 10_000 });
      const d = row.locator('.label-description').first();
      const icons = await d.locator('.codicon').evaluateAll((es) => es.map((e) => (e as unknown as { className: string }).className));
      return { text: ((await d.textContent()) ?? '').trim(), icons: icons.join(' ') };
    };
    const email = await toolRow(EMAIL_CALL.tool);
    check(/writes · crm$/.test(email.text) && email.icons.includes('codicon-edit'), `${EMAIL_CALL.tool} is described as ${JSON.stringify(email)}, expected $(edit) writes · crm`);
    const logs = await toolRow('read_logs');
    check(/read-only · infra$/.test(logs.text) && logs.icons.includes('codicon-eye'), `read_logs is described as ${JSON.stringify(logs)}, expected $(eye) read-only · infra`);
    const refund = await toolRow('issue_refund');
    check(/destructive · default$/.test(refund.text) && refund.icons.includes('codicon-warning'), `issue_refund is described as ${JSON.stringify(refund)}, expected $(warning) destructive · default`);
    await pick(page, EMAIL_CALL.tool);

    // Two input boxes, pre-filled with JSON: select all, type the call's arguments, then its context.
    for (const [step, value] of [[/\(4\/5\): arguments of send_email/, EMAIL_CALL.args], [/\(5\/5\): the session context/, EMAIL_CALL.context]] as const) {
      await quickInputTitled(page, step);
      const prefilled = await input.inputValue();
      let parsed: unknown;
      try {
        parsed = JSON.parse(prefilled);
      } catch {
        throw new Error(`the input box ${step} is pre-filled with "${prefilled}", not JSON`);
      }
      check(typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed), `the input box ${step} is pre-filled with ${prefilled}, not a JSON object`);
      await input.click();
      await page.keyboard.press('Control+A');
      await page.keyboard.type(JSON.stringify(value));
      await until(async () => (await input.inputValue()) === JSON.stringify(value), () => `the input box to hold ${JSON.stringify(value)}`);
      await page.keyboard.press('Enter');
    }
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });

    await panelTab(panelTitle('deny', EMAIL_CALL.agent, EMAIL_CALL.tool));
    const view = webviewContent(page);
    await waitForText(view.locator('#decision'), /^\s*✗ DENY\s*$/, 'the panel\'s decision');
    const link = view.locator('a.policy', { hasText: EMAIL_FORBID }).first();
    await link.waitFor({ timeout: 5_000 });
    const where = ((await link.locator('xpath=following-sibling::span[@class="where"][1]').textContent()) ?? '').trim();
    const m = /^(.+):(\d+)$/.exec(where);
    check(m, `the link to ${EMAIL_FORBID} does not say where the policy is ("${where}")`);
    await view.locator('text=Save as scenario').waitFor({ timeout: 5_000 });
    await screenshot(page, env, 'simulation-panel');

    // The link opens the policy, the cursor on its first line; the panel stays beside it.
    await link.click();
    await activeTab(page, m[1]);
    await page.locator('#status\\.editor\\.selection').filter({ hasText: `Ln ${m[2]}, Col 1` }).waitFor({ timeout: 10_000 });
    const text = await editorText(page);
    check(text.includes(`@id("${EMAIL_FORBID}")`), `${m[1]} is shown, but not the policy ${EMAIL_FORBID}`);
    check(await page.locator('.tabs-container .tab').filter({ hasText: panelTitle('deny', EMAIL_CALL.agent, EMAIL_CALL.tool) }).count(), 'the result panel closed when its link was clicked');
    await setSideBar(page, true);
  });

  it('each simulation is logged as one JSON line in the "Agent Policy Decisions" output channel', async () => {
    // F1 → "Output: Show Output Channels..." → the channel.
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('>Output: Show Output Channels');
    await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: /^\s*Output: Show Output Channels/ }) }).first().click();
    await until(async () => (await input.inputValue()) === '' && (await quickPickRow(page, 'Agent Policy Decisions').count()) > 0, () => 'the channel "Agent Policy Decisions" in the list of output channels');
    await pick(page, 'Agent Policy Decisions');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    // The output view wraps long lines: join its rendered rows, then cut the text into records.
    const outputText = () => page.evaluate(() =>
      [...document.querySelectorAll('.part.panel .monaco-editor .view-lines .view-line')]
        .sort((a: any, b: any) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
        .map((e: any) => e.textContent.replace(/\u00a0/g, ' '))
        .join(''));
    let seen = '';
    const records = await until(async () => {
      seen = await outputText();
      const parsed = seen.split(/(?=\{"time":)/).filter((l) => l.startsWith('{')).map((l) => {
        try {
          return JSON.parse(l.trim()) as Record<string, unknown>;
        } catch {
          return undefined;
        }
      });
      return parsed.length >= 2 && parsed.every((r) => r) && (parsed as Record<string, unknown>[]);
    }, () => `two JSON records in the "Agent Policy Decisions" channel; it shows ${JSON.stringify(seen.slice(0, 600))}`);
    // This window simulated the first scenario, then the email call: both are logged, in that order.
    const first = scenarios[0];
    const scenarioLog = records.find((r) => r.scenario === first.name);
    check(scenarioLog?.decision === first.expect && scenarioLog.agent === first.agent && scenarioLog.tool === first.tool,
      `no record of the scenario "${first.name}" (${first.expect}) in ${JSON.stringify(records)}`);
    const call = records.find((r) => r.tool === EMAIL_CALL.tool && r.agent === EMAIL_CALL.agent);
    check(call?.decision === 'deny' && JSON.stringify(call.policies) === JSON.stringify([EMAIL_FORBID]) && call.manifest === MANIFEST,
      `no record of the denied ${EMAIL_CALL.tool} call (decision deny, policies ["${EMAIL_FORBID}"], manifest ${MANIFEST}) in ${JSON.stringify(records)}`);
    check(records.indexOf(scenarioLog) < records.indexOf(call), 'the records are not in the order of the simulations');
    await page.keyboard.press('Control+J'); // close the panel again
    await page.locator('.part.panel').waitFor({ state: 'hidden', timeout: 5_000 });
  });

  it('"Save as scenario" in the panel appends the call to the manifest, and its lens shows the result', async () => {
    const view = webviewContent(page);
    await waitForText(view.locator('#decision'), /^\s*✗ DENY\s*$/, 'the panel\'s decision');
    await view.locator('button#save').click();
    await quickInputTitled(page, /^Save as scenario: name/);
    const input = page.locator('.quick-input-widget .quick-input-box input');
    const name = 'e2e: support may not email confidential data';
    await input.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type(name);
    await page.keyboard.press('Enter');
    await quickInputTitled(page, /^Save as scenario: expected decision/);
    await pick(page, 'deny');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
    // Saved to disk: one more scenario, this call, expecting deny.
    const file = path.join(env.workspace, MANIFEST);
    let saved: ScenarioItem[] = [];
    let unreadable = '';
    await until(async () => {
      // The editor's save truncates the file, then writes it: a read in between sees a partial file.
      try {
        saved = readScenarios(fs.readFileSync(file, 'utf8'), MANIFEST);
        unreadable = '';
      } catch (e) {
        unreadable = e instanceof Error ? e.message : String(e);
        return false;
      }
      return saved.length === scenarios.length + 1;
    }, () => `${MANIFEST} on disk to have ${scenarios.length + 1} scenarios (it has ${saved.length}${unreadable ? `; last read: ${unreadable}` : ''})`);
    const s = saved.at(-1)!;
    check(s.name === name && s.agent === EMAIL_CALL.agent && s.tool === EMAIL_CALL.tool && s.expect === 'deny' && JSON.stringify(s.args) === JSON.stringify(EMAIL_CALL.args)
      && JSON.stringify(s.context) === JSON.stringify(EMAIL_CALL.context), `the saved scenario is ${JSON.stringify(s)}`);
    // In the manifest's editor, the new scenario has its lenses.
    await openFromExplorer(page, MANIFEST);
    await goTo(page, s.line + 1, 1);
    let seen: string[] | undefined;
    await until(async () => {
      seen = await codeLensesAbove(page, s.line + 1);
      return seen?.[0] === '▶ Simulate' && seen[1]?.startsWith(`✓ deny — ${EMAIL_FORBID}`);
    }, () => `the lenses "▶ Simulate" | "✓ deny — ${EMAIL_FORBID}" above the saved scenario (line ${s.line + 1}); seen ${JSON.stringify(seen)}`, 30_000);
    // Back as it was: the editor follows the file on disk.
    fs.writeFileSync(file, manifestText);
    await until(async () => !(await editorText(page)).includes(name), () => `the editor of ${MANIFEST} to drop the saved scenario once the file is restored`);
  });
});
