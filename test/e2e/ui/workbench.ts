// Drives the VS Code workbench (code-server in Debian's Chromium, through playwright-core) as a person would:
// Explorer, editor, hovers, Problems panel, F1. Shared by the UI suites; waits on what is on screen, never sleeps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

// page.evaluate() bodies run in the browser; the project compiles without the DOM library.
declare const document: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare const window: any; // eslint-disable-line @typescript-eslint/no-explicit-any
declare function getComputedStyle(e: any): any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** What the harness (scripts/e2e/run.mjs) tells the UI suites, through the environment. */
export interface UiEnv {
  /** Workbench URL opening the workspace (with the extension-development payload in dev mode). */
  url: string;
  /** The scratch copy of examples/ that the workbench opened. */
  workspace: string;
  /** 'dev': extension loaded from the source folder; 'vsix': installed from the packaged .vsix. */
  mode: 'dev' | 'vsix';
  shots: string;
  tag: string;
  chromium: string;
  browserDir: string;
}

export function uiEnv(): UiEnv {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run the UI tests through the harness (npm run test:e2e)`);
    return v;
  };
  const mode = process.env.AGENT_POLICY_E2E_MODE === 'vsix' ? 'vsix' : 'dev';
  return {
    url: need('AGENT_POLICY_E2E_URL'),
    workspace: need('AGENT_POLICY_E2E_WORKSPACE'),
    mode,
    shots: process.env.AGENT_POLICY_E2E_SHOTS ?? path.resolve('test/e2e/screenshots'),
    tag: process.env.AGENT_POLICY_E2E_TAG ?? mode,
    chromium: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    browserDir: need('AGENT_POLICY_E2E_BROWSER_DIR'),
  };
}

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Opens the workbench on the workspace and waits until it is restored. */
export async function openWorkbench(env: UiEnv): Promise<{ ctx: BrowserContext; page: Page }> {
  const home = path.join(env.browserDir, 'home');
  fs.mkdirSync(home, { recursive: true });
  const ctx = await chromium.launchPersistentContext(path.join(env.browserDir, 'profile'), {
    executablePath: env.chromium,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), XDG_CACHE_HOME: path.join(home, '.cache') },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  await page.goto(env.url);
  await page.waitForSelector('.monaco-workbench .part.statusbar', { timeout: 60_000 });
  if (await page.evaluate(() => !!window.driver)) await page.evaluate(() => window.driver.whenWorkbenchRestored());
  return { ctx, page };
}

/**
 * Opens the workbench in a browser profile of the suite's own (the workbench does not restore another suite's
 * editors), and waits until the language server has started and checked the workspace — the status bar shows the
 * problem count: before that, VS Code has no provider for completion, definition… and a key press does nothing.
 */
export async function openWorkbenchWithServer(profile: string): Promise<{ env: UiEnv; ctx: BrowserContext; page: Page }> {
  const base = uiEnv();
  const env = { ...base, browserDir: path.join(base.browserDir, profile) };
  const { ctx, page } = await openWorkbench(env);
  let status = '';
  await until(async () => /\d+ problems?/.test((status = ((await statusItem(page).textContent().catch(() => null)) ?? '').trim())),
    () => `the status bar to show the problem count (it shows "${status}")`, 60_000);
  return { env, ctx, page };
}

/** Picks a command in F1 by its full title ("Agent Policy: Show Generated Cedar Schema"). */
async function chooseCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  // The palette closes when something takes the focus just after it opened (an editor that a click before it was
  // still focusing): press F1 again, as a person would.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    const filled = await input.fill(`>${title}`, { timeout: 3_000 }).then(() => true, () => false);
    if (filled) break;
    if (attempt === 3) throw new Error(`the command palette closed three times before "${title}" could be typed into it`);
  }
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactText(title) }) });
  await row.first().waitFor({ timeout: 10_000 });
  await row.first().click();
}

/** Runs a command from F1 that asks nothing more. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await chooseCommand(page, title);
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
}

function exactText(s: string): RegExp {
  return new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

/** An Explorer row by its name. */
export function explorerRow(page: Page, name: string): Locator {
  return page.locator('.explorer-folders-view .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactText(name) }) });
}

/** Opens `relPath` (`/`-separated, relative to the workspace) from the Explorer: expands its folders, double-clicks it. */
export async function openFromExplorer(page: Page, relPath: string): Promise<void> {
  const parts = relPath.split('/');
  for (const dir of parts.slice(0, -1)) {
    const row = explorerRow(page, dir).first();
    await row.waitFor({ timeout: 30_000 });
    if ((await row.getAttribute('aria-expanded')) !== 'true') await row.click();
    await page.waitForFunction((el: any) => el.getAttribute('aria-expanded') === 'true', await row.elementHandle(), { timeout: 10_000 });
  }
  const file = explorerRow(page, parts.at(-1)!).first();
  await file.waitFor({ timeout: 30_000 });
  await file.dblclick();
  await activeTab(page, parts.at(-1)!);
}

/** Waits until the active editor tab is `label`. */
export async function activeTab(page: Page, label: string): Promise<void> {
  await page.locator('.editor-group-container.active .tab.active').filter({ hasText: label }).waitFor({ timeout: 20_000 });
  await page.locator('.editor-group-container.active .monaco-editor .view-lines .view-line').first().waitFor({ timeout: 20_000 });
}

/** Moves the cursor with Go to Line (Ctrl+G), 1-based line and column; the line is then on screen. */
export async function goTo(page: Page, line: number, column: number): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator('#status\\.editor\\.selection').filter({ hasText: `Ln ${line}, Col ${column}` }).waitFor({ timeout: 10_000 });
}

export interface Squiggle {
  kind: string; // 'error' | 'warning' | 'info' | 'hint'
  /** The characters drawn above the squiggle (measured from the rendered glyphs). */
  text: string;
  /** Centre of the squiggle, in page pixels (for hovering). */
  x: number;
  y: number;
}

/**
 * The squiggles Monaco draws on a rendered line of the active editor (1-based line number), each with the
 * characters it underlines: the rendered text whose glyph centres fall inside the squiggle.
 */
export async function squigglesOnLine(page: Page, line: number): Promise<{ lineText: string; squiggles: Squiggle[] } | undefined> {
  return page.evaluate((lineNumber: number) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    if (!editor) return undefined;
    const num = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e: any) => e.textContent.trim() === String(lineNumber));
    if (!num) return undefined;
    const top = num.getBoundingClientRect().top;
    const same = (e: any) => Math.abs(e.getBoundingClientRect().top - top) < 2;
    const viewLine = [...editor.querySelectorAll('.view-lines .view-line')].find(same);
    if (!viewLine) return undefined;
    const chars: { ch: string; x: number }[] = [];
    const walker = document.createTreeWalker(viewLine, 4 /* NodeFilter.SHOW_TEXT */);
    const range = document.createRange();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.textContent.length; i++) {
        range.setStart(n, i);
        range.setEnd(n, i + 1);
        const r = range.getBoundingClientRect();
        chars.push({ ch: n.textContent[i] === '\u00a0' ? ' ' : n.textContent[i], x: r.left + r.width / 2 });
      }
    }
    const squiggles = [...editor.querySelectorAll('.view-overlays [class*="squiggly-"]')].filter(same).map((s: any) => {
      const r = s.getBoundingClientRect();
      const kind = /squiggly-(error|warning|info|hint)/.exec(s.className)?.[1] ?? 'unknown';
      return { kind, text: chars.filter((c) => c.x > r.left && c.x < r.right).map((c) => c.ch).join(''), x: r.left + r.width / 2, y: r.top + r.height / 2 };
    });
    return { lineText: chars.map((c) => c.ch).join(''), squiggles };
  }, line);
}

/** Waits until `check` (evaluated in Node against the page) is truthy; fails saying what it waited for. */
export async function until<T>(check: () => Promise<T | undefined | false | null>, what: () => string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100)); // polling interval, not a synchronisation
  }
}

export interface ProblemEntry {
  /** Path relative to the workspace, `/`-separated. */
  file: string;
  severity: string;
  message: string;
  line: number;
  column: number;
  /** The row's text as shown (message, source(code), [Ln, Col]). */
  text: string;
}

/**
 * Every entry of the Problems panel, with its file (from the file row above it). The list is virtual (only the
 * rows on screen exist), so this scrolls it from top to bottom with the mouse wheel, collecting rows by index.
 */
export async function problemsPanelEntries(page: Page): Promise<ProblemEntry[]> {
  const list = page.locator('.markers-panel .monaco-list').first();
  await list.waitFor({ state: 'visible', timeout: 10_000 });
  const box = await list.boundingBox();
  if (!box) throw new Error('the Problems panel has no size');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const rows = new Map<number, { label: string; text: string }>();
  const visible = (): Promise<{ index: number; label: string; text: string; last: boolean }[]> =>
    page.evaluate(() =>
      [...document.querySelectorAll('.markers-panel .monaco-list-rows > .monaco-list-row')].map((e: any) => ({
        index: Number(e.getAttribute('data-index')),
        label: e.getAttribute('aria-label') ?? '',
        text: e.textContent ?? '',
        last: e.getAttribute('data-last-element') === 'true',
      })),
    );
  const scrollToTop = async () => {
    for (let i = 0; i < 200; i++) {
      const now = await visible();
      if (!now.length || now.some((r) => r.index === 0)) return;
      const first = Math.min(...now.map((r) => r.index));
      await page.mouse.wheel(0, -Math.max(100, box.height / 2));
      await until(async () => (await visible()).some((r) => r.index < first), () => 'the Problems list to scroll up', 5_000);
    }
  };
  await scrollToTop();
  for (let i = 0; i < 500; i++) {
    const now = await visible();
    for (const r of now) rows.set(r.index, r);
    if (!now.length || now.some((r) => r.last)) break;
    const before = Math.max(...now.map((r) => r.index));
    await page.mouse.wheel(0, Math.max(100, box.height / 2));
    await until(async () => (await visible()).some((r) => r.index > before || r.last), () => 'the Problems list to scroll', 5_000);
  }
  await scrollToTop();
  await page.mouse.move(0, 0); // no tooltip over the list
  const out: ProblemEntry[] = [];
  let file = '';
  for (const [, r] of [...rows].sort((x, y) => x[0] - y[0])) {
    const header = /^\d+ problems? in file (.+) of folder (.+)$/.exec(r.label);
    if (header) {
      file = header[2] === '.' ? header[1] : `${header[2]}/${header[1]}`;
      continue;
    }
    const m = /^(Error|Warning|Info)[^:]*: ([\s\S]*) at line (\d+) and character (\d+)\./.exec(r.label);
    if (m) out.push({ file, severity: m[1].toLowerCase(), message: m[2], line: Number(m[3]), column: Number(m[4]), text: r.text });
  }
  return out;
}

/** Opens the Problems panel (Ctrl+Shift+M) and waits until it shows entries. */
export async function showProblems(page: Page): Promise<void> {
  if (!(await page.locator('.markers-panel').isVisible())) await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel').waitFor({ state: 'visible', timeout: 10_000 });
}

/** The text the status-bar item of the extension shows (e.g. "4 problems"). */
export function statusItem(page: Page): Locator {
  return page.locator('[id="agent-policy-studio.agent-policy-studio.agentPolicy.status"]');
}

/** Text of the active editor's rendered lines. */
export async function editorText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.editor-group-container.active .monaco-editor .view-lines .view-line')]
      .sort((a: any, b: any) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((e: any) => e.textContent.replace(/\u00a0/g, ' '))
      .join('\n'),
  );
}

/** Saves a screenshot as `<shots>/<tag>-<name>.png` after checking that no notification toast covers the workbench. */
export async function screenshot(page: Page, env: UiEnv, name: string): Promise<string> {
  fs.mkdirSync(env.shots, { recursive: true });
  const toasts = page.locator('.notifications-toasts .notification-toast');
  if (await toasts.count()) await runCommand(page, 'Notifications: Clear All Notifications');
  await page.mouse.move(0, 0); // no stray hover unless the caller made one (see screenshotWithHover)
  const file = path.join(env.shots, `${env.tag}-${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/** Saves a screenshot while a hover is shown (the mouse stays where it is). */
export async function screenshotWithHover(page: Page, env: UiEnv, name: string): Promise<string> {
  fs.mkdirSync(env.shots, { recursive: true });
  const file = path.join(env.shots, `${env.tag}-${name}.png`);
  // The hover fades in: wait until it is fully opaque, so the screenshot shows it as a person sees it.
  await page.waitForFunction(() => [...document.querySelectorAll('.monaco-hover')].some((h: any) => {
    if (!h.offsetParent) return false;
    for (let e = h; e; e = e.parentElement) if (getComputedStyle(e).opacity !== '1') return false;
    return true;
  }), undefined, { timeout: 10_000 });
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

// ---------------------------------------------------------------- quick fixes, code lenses, quick input, webviews

/** Opens the quick-fix menu at the cursor (Ctrl+.) and waits until it lists `title`; returns that entry. */
export async function openQuickFixMenu(page: Page, title: string): Promise<Locator> {
  const menu = page.locator('.action-widget:visible').first();
  // Right after a file opens, the first Ctrl+. can find no code actions yet (the light bulb comes a moment later, and
  // VS Code then shows nothing): press again, as a person would, until the menu opens.
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Control+.');
    const opened = await menu.waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
    if (opened) break;
    if (attempt === 4) throw new Error('the quick-fix menu did not open after pressing Ctrl+. four times');
    await page.keyboard.press('Escape'); // a "no code actions" message, if any
  }
  const item = menu.locator('.monaco-list-row.action').filter({ hasText: title });
  await item.first().waitFor({ timeout: 10_000 }).catch(async () => {
    const shown = await menu.locator('.monaco-list-row').allTextContents();
    throw new Error(`the quick-fix menu (Ctrl+.) has no "${title}"; it lists: ${shown.map((t) => `"${t.trim()}"`).join(', ')}`);
  });
  return item.first();
}

/** The titles of the quick-fix menu's entries (not its group headers). */
export async function quickFixTitles(page: Page): Promise<string[]> {
  return (await page.locator('.action-widget:visible .monaco-list-row.action').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Waits until the quick-fix menu is closed. */
export async function quickFixMenuClosed(page: Page): Promise<void> {
  await until(async () => (await page.locator('.action-widget:visible').count()) === 0, () => 'the quick-fix menu to close', 10_000);
}

/**
 * Reverts every editor with unsaved changes (File: Revert File on each dirty tab). The workbench keeps unsaved
 * changes as backups on the server and restores them in the next window of the workspace: a suite that edits must
 * call this, even when it fails, so that the suites after it see the files as they are on disk.
 */
export async function revertDirtyEditors(page: Page): Promise<void> {
  const dirty = page.locator('.editor-group-container .tab.dirty');
  for (let i = 0; i < 20 && (await dirty.count()) > 0; i++) {
    const before = await dirty.count();
    await dirty.first().click();
    // The clicked tab's editor takes the focus a moment later (and may close the palette opened next: see chooseCommand).
    await page.locator('.editor-group-container.active .tab.active.dirty').first().waitFor({ timeout: 5_000 });
    await runCommand(page, 'File: Revert File');
    await until(async () => (await dirty.count()) < before, () => 'the editor to be reverted', 10_000);
  }
  if (await dirty.count()) throw new Error(`${await dirty.count()} editors still have unsaved changes`);
}

/** Screenshot as it is on screen, menus included (no clean-up: the caller opened what it wants to show). */
export async function screenshotAsIs(page: Page, env: UiEnv, name: string): Promise<string> {
  fs.mkdirSync(env.shots, { recursive: true });
  const file = path.join(env.shots, `${env.tag}-${name}.png`);
  await page.screenshot({ path: file, animations: 'disabled' });
  return file;
}

/**
 * The code lenses drawn above a line of the active editor (1-based), as the texts of their links, or undefined when
 * the line is not rendered. Monaco draws a line's lenses in one `.codelens-decoration` just above the line.
 */
export async function codeLensesAbove(page: Page, line: number): Promise<string[] | undefined> {
  return page.evaluate((lineNumber: number) => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    if (!editor) return undefined;
    const num = [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e: any) => e.textContent.trim() === String(lineNumber));
    if (!num) return undefined;
    const top = num.getBoundingClientRect().top;
    const lenses = [...editor.querySelectorAll('.codelens-decoration')]
      .map((e: any) => ({ e, bottom: e.getBoundingClientRect().bottom, height: e.getBoundingClientRect().height }))
      .filter((x) => x.height > 0 && x.bottom <= top + 2 && top - x.bottom < x.height + 8);
    if (!lenses.length) return [];
    const closest = lenses.sort((a, b) => b.bottom - a.bottom)[0].e;
    return [...closest.querySelectorAll('a')].map((a: any) => a.textContent.replace(/\u00a0/g, ' ').trim());
  }, line);
}

/**
 * Clicks the link of a code lens above a line of the active editor (1-based), by its text. Lenses are re-rendered
 * whenever the server refreshes them: a link that went away between finding and clicking it is looked up again.
 */
export async function clickCodeLens(page: Page, line: number, text: string): Promise<void> {
  let last = '';
  await until(async () => {
    const handle = await page.evaluateHandle(({ lineNumber, label }: { lineNumber: number; label: string }) => {
      const editor = document.querySelector('.editor-group-container.active .monaco-editor');
      const num = editor && [...editor.querySelectorAll('.margin-view-overlays .line-numbers')].find((e: any) => e.textContent.trim() === String(lineNumber));
      if (!num) return null;
      const top = num.getBoundingClientRect().top;
      const above = [...editor.querySelectorAll('.codelens-decoration')].filter((e: any) => {
        const r = e.getBoundingClientRect();
        return r.height > 0 && r.bottom <= top + 2 && top - r.bottom < r.height + 8;
      });
      return above.flatMap((e: any) => [...e.querySelectorAll('a')]).find((a: any) => a.textContent.replace(/\u00a0/g, ' ').trim() === label) ?? null;
    }, { lineNumber: line, label: text });
    const el = handle.asElement();
    if (!el) return (last = 'not found'), false;
    return el.click({ timeout: 2_000 }).then(() => true, (e: Error) => ((last = e.message.split('\n')[0]), false));
  }, () => `a click on the code lens "${text}" above line ${line} (${last})`, 10_000);
}

/** Runs a command from F1 that goes on asking (quick picks, input boxes): returns once the quick input shows `nextTitle`. */
export async function startCommand(page: Page, title: string, nextTitle: RegExp): Promise<void> {
  await chooseCommand(page, title);
  await quickInputTitled(page, nextTitle);
}

/** Waits until the quick input (pick or input box) is visible with a title matching `title`. */
export async function quickInputTitled(page: Page, title: RegExp, timeoutMs = 20_000): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  let seen = '';
  await until(async () => {
    seen = (await widget.isVisible()) ? ((await widget.locator('.quick-input-title').textContent().catch(() => '')) ?? '') : '(hidden)';
    return title.test(seen);
  }, () => `the quick input titled ${title} (it shows "${seen}")`, timeoutMs);
}

/** A row of the open quick pick by its label (exact). */
export function quickPickRow(page: Page, label: string): Locator {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exactText(label) }) });
}

/** Picks `label` in the open quick pick: types it to filter, clicks its row. */
export async function pick(page: Page, label: string): Promise<void> {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(label);
  const row = quickPickRow(page, label).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

/** The content of the visible webview panel (VS Code nests it: iframe.webview → iframe#active-frame); not a webview view. */
export function webviewContent(page: Page) {
  // Webviews are not inside the editor group: VS Code lays them over it, in a container of their own. A webview view
  // (the Agent Access view) is one too; VS Code marks its frame's URL with purpose=webviewView.
  return page.frameLocator('iframe.webview.ready:not([src*="purpose=webviewView"])').first().frameLocator('iframe#active-frame');
}

/** The content of the visible webview view (a view in a side bar or the panel, such as "Agent Access"). */
export function webviewViewContent(page: Page) {
  return page.frameLocator('iframe.webview.ready[src*="purpose=webviewView"]').first().frameLocator('iframe#active-frame');
}

/** Shows or hides the primary side bar (Ctrl+B), e.g. to give a screenshot's editors the width. */
export async function setSideBar(page: Page, visible: boolean): Promise<void> {
  const bar = page.locator('.part.sidebar');
  if ((await bar.isVisible()) === visible) return;
  await page.keyboard.press('Control+B');
  await bar.waitFor({ state: visible ? 'visible' : 'hidden', timeout: 10_000 });
}

/** Waits until `locator` (e.g. inside a webview) shows text matching `text` (case-sensitive); says what it showed instead. */
export async function waitForText(locator: Locator, text: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
  let seen: string | null = null;
  return until(async () => {
    seen = await locator.first().textContent({ timeout: 1_000 }).catch(() => null);
    return seen !== null && text.test(seen) && seen;
  }, () => `${what} to show ${text}; it shows ${seen === null ? '(nothing yet)' : JSON.stringify(seen.trim().slice(0, 200))}`, timeoutMs);
}

/** After a failed test: a screenshot named after it (into the git-ignored screenshots folder). Returns whether it failed. */
export async function screenshotIfFailed(test: Mocha.Test | undefined, page: Page | undefined, env: UiEnv): Promise<boolean> {
  if (test?.state !== 'failed' || !page) return false;
  fs.mkdirSync(env.shots, { recursive: true });
  const name = test.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
  await page.screenshot({ path: path.join(env.shots, `${env.tag}-FAILED-${name}.png`) }).catch(() => undefined);
  return true;
}

/** Drags the sash above the panel until the panel is at least `px` high (a webview view in it gets the room). */
export async function panelAtLeast(page: Page, px: number): Promise<void> {
  const panel = page.locator('.part.panel');
  await panel.waitFor({ state: 'visible', timeout: 10_000 });
  const box = await panel.boundingBox();
  if (!box) throw new Error('the panel has no size');
  if (box.height >= px) return;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y - 1);
  await page.mouse.down();
  await page.mouse.move(x, box.y - 1 - (px - box.height), { steps: 8 });
  await page.mouse.up();
  let height = box.height;
  await until(async () => (height = (await panel.boundingBox())?.height ?? 0) >= px - 10, () => `the panel to be ${px} px high after dragging its sash (it is ${height})`);
}
