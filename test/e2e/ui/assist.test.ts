// UI tests of completion and hover, as a person would: type a condition in a policy and see the suggestions (the
// session context after `.`, an enum's values after `"`), accept one with Enter, invoke suggestions with Ctrl+Space,
// type a scenario's `agent: ` in the manifest, and show the hover of a tool reference with Ctrl+K Ctrl+I.
// Run by scripts/e2e/run.mjs once with the extension from the source folder and once installed from the .vsix.
import type { BrowserContext, Page } from 'playwright-core';
import {
  screenshotIfFailed,
  editorText, goTo, openFromExplorer, openWorkbenchWithServer, revertDirtyEditors, runCommand, screenshotAsIs, screenshotWithHover, until, type UiEnv,
} from './workbench';

const POLICY = 'policies/refunds.cedar';
/** Line 12 of refunds.cedar (1-based): `  context.input.amount <= principal.max_refund`, in the policy about issue_refund. */
const LINE = 12;
const LINE_TEXT = '  context.input.amount <= principal.max_refund';

function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

describe(`completion and hover in a policy file (${process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'extension installed from the .vsix' : 'extension from the source folder'})`, function () {
  this.timeout(120_000);
  let env: UiEnv;
  let ctx: BrowserContext;
  let page: Page;

  /** The labels of the open suggest widget, once it shows exactly `wanted` (in any order). */
  const suggestions = async (wanted: string[]) => {
    const rows = page.locator('.editor-widget.suggest-widget.visible .monaco-list-row .label-name');
    let seen: string[] = [];
    await until(async () => {
      seen = (await rows.allTextContents()).map((t) => t.trim());
      return seen.length === wanted.length && wanted.every((w) => seen.includes(w));
    }, () => `the suggestions ${JSON.stringify(wanted)}; shown: ${JSON.stringify(seen)}`);
    return seen;
  };
  const lineText = async (line: number) => (await editorText(page)).split('\n')[line - 1] ?? '';

  before(async () => {
    // Completion needs the language server: until it has started, typing a `.` shows nothing.
    ({ env, ctx, page } = await openWorkbenchWithServer('assist'));
  });

  afterEach(async function () {
    if (await screenshotIfFailed(this.currentTest, page, env)) await page.keyboard.press('Escape');
    await revertDirtyEditors(page);
  });

  after(async () => {
    await ctx?.close();
  });

  it('typing `context.session.` suggests the session context, and `!= "` the values of its enum; Enter accepts', async () => {
    await openFromExplorer(page, POLICY);
    check((await lineText(LINE)) === LINE_TEXT, `line ${LINE} of ${POLICY} is "${await lineText(LINE)}", not "${LINE_TEXT}"`);
    await goTo(page, LINE, LINE_TEXT.length + 1);
    await page.keyboard.type(' && context.session.');
    await suggestions(['task_id', 'purpose', 'ticket_id', 'destination', 'data_class', 'approved_by']);
    await page.keyboard.type('purp');
    await suggestions(['purpose']);
    await page.keyboard.press('Enter');
    await page.keyboard.type(' != "');
    const shown = await suggestions(['support', 'billing', 'ops', 'incident']);
    check(shown.join() === 'support,billing,ops,incident', `the enum's values in the order of the manifest, not ${JSON.stringify(shown)}`);
    await screenshotAsIs(page, env, 'completion');
    await page.keyboard.type('inc');
    await suggestions(['incident']);
    await page.keyboard.press('Enter');
    const want = `${LINE_TEXT} && context.session.purpose != "incident"`;
    let seen = '';
    await until(async () => (seen = await lineText(LINE)) === want, () => `line ${LINE} to read "${want}"; it reads "${seen}"`);
  });

  it('Ctrl+Space after `context.input.` suggests the arguments of the tool the policy is about, and only those', async () => {
    await openFromExplorer(page, POLICY);
    await goTo(page, LINE, '  context.input.'.length + 1);
    await page.keyboard.press('Control+Space');
    await suggestions(['order_id', 'amount', 'currency', 'reason']);
    await page.keyboard.press('Escape');
  });

  it('in the manifest, a space after `agent:` of a new scenario suggests the agents; Enter accepts', async () => {
    await openFromExplorer(page, 'acme.agents.yaml');
    await page.keyboard.press('Control+End');
    // The new line keeps the indentation of the one above (2 spaces): 2 more put `agent` under `name`.
    await page.keyboard.insertText('  - name: ui\n  agent:');
    await page.keyboard.type(' ');
    await suggestions(['support-bot', 'refund-agent', 'ops-agent']);
    await page.keyboard.type('ref');
    await suggestions(['refund-agent']);
    await page.keyboard.press('Enter');
    let seen = '';
    await until(async () => (seen = (await editorText(page)).split('\n').filter((l) => l.trim()).at(-1) ?? '') === '    agent: refund-agent',
      () => `the last line to read "    agent: refund-agent"; it reads "${seen}"`);
    // Back as on disk, from this editor (the suites after this one open the manifest too).
    await runCommand(page, 'File: Revert File');
    await page.locator('.editor-group-container .tab.dirty').first().waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('Ctrl+K Ctrl+I on a tool reference shows the tool: server, annotations and arguments', async () => {
    await openFromExplorer(page, POLICY);
    await goTo(page, 6, '  action == Acme::Action::"issue'.length);
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover:visible').filter({ hasText: 'Tool issue_refund on server default' });
    await hover.first().waitFor({ timeout: 15_000 });
    const text = (await hover.first().textContent()) ?? '';
    check(text.includes('destructive') && text.includes('amount Long'), `the hover reads "${text}"`);
    await screenshotWithHover(page, env, 'hover-tool');
    await page.keyboard.press('Escape');
  });
});
