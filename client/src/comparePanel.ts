import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods, type DiffCallInfo, type DiffCellInfo, type DiffParams, type DiffPolicyRef, type DiffResponse, type Range, type SimulateParams } from '../../server/src/protocol';
import { keepEditorFocus } from './focus';
import { pickGitRef } from './gitRefPick';
import { esc, isObject, isRange, nonce, page, rich } from './webview';

/** What the command accepts: a ref (skips the picker), or a ref and the manifest to compare. */
export type CompareArgs = string | { ref?: string; manifestUri?: string } | undefined;

/** What the panel shows, for tests (the same state its HTML draws). */
export interface CompareSnapshot {
  state: 'none' | 'loading' | 'result' | 'error';
  ref?: string;
  result?: DiffResponse;
  message?: string;
  html?: string;
  /** How many answers of the server the panel has drawn. */
  updates: number;
}

type PanelMessage = { type: 'openPolicy'; uri: string; range: Range } | { type: 'simulate'; index: number } | { type: 'refresh' };

/** A message from the webview, checked: anything else is ignored. */
function parseMessage(m: unknown): PanelMessage | undefined {
  if (!isObject(m)) return undefined;
  if (m.type === 'openPolicy' && typeof m.uri === 'string' && isRange(m.range)) return { type: 'openPolicy', uri: m.uri, range: m.range };
  if (m.type === 'simulate' && typeof m.index === 'number' && Number.isInteger(m.index)) return { type: 'simulate', index: m.index };
  if (m.type === 'refresh') return { type: 'refresh' };
  return undefined;
}

/**
 * "Agent Policy: Compare Policies with…": a git ref from a picker (HEAD first; any ref may be typed), then a panel with
 * what the change since that ref does to decisions — the server computes it (agentPolicy/diff), the panel only draws
 * it: widening first, grouped by agent; a policy opens at its place; a call can be simulated.
 */
export class ComparePanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private snap: CompareSnapshot = { state: 'none', updates: 0 };
  private last: DiffParams | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  private seq = 0;

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly simulate: (params: SimulateParams) => Thenable<unknown>,
    private readonly openPolicy: (uri: string, range: Range, column: vscode.ViewColumn) => Thenable<vscode.TextEditor | undefined>,
  ) {}

  dispose() {
    this.pending?.cancel();
    this.pending?.dispose();
    this.panel?.dispose();
  }

  snapshot(): CompareSnapshot {
    return { ...this.snap, html: this.panel?.webview.html };
  }

  /** The command: `args` may name the ref (and the manifest); else the picker asks. */
  async command(args?: CompareArgs): Promise<DiffResponse | undefined> {
    const client = this.client();
    if (!client || !client.isRunning()) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
    const given = typeof args === 'string' ? { ref: args } : isObject(args) ? args : {};
    const active = vscode.window.activeTextEditor?.document.uri;
    const manifestUri = typeof given.manifestUri === 'string' ? given.manifestUri : active?.scheme === 'file' ? active.toString() : undefined;
    const ref = typeof given.ref === 'string' && given.ref.trim() ? given.ref.trim() : await pickGitRef(client, manifestUri, 'Compare Policies with…');
    if (!ref) return undefined;
    return this.compare({ ref, ...(manifestUri ? { manifestUri } : {}) });
  }

  /** Asks the server and shows the answer (a newer comparison cancels an older one). */
  async compare(params: DiffParams): Promise<DiffResponse | undefined> {
    const client = this.client();
    if (!client) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
    this.last = params;
    const seq = ++this.seq;
    this.pending?.cancel();
    this.pending?.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.pending = cts;
    this.show(params.ref, { state: 'loading', ref: params.ref });
    let result: DiffResponse;
    try {
      result = await client.sendRequest<DiffResponse>(Methods.diff, params, cts.token);
    } catch (e) {
      if (seq !== this.seq) return undefined;
      return this.fail(params.ref, `the server could not compare: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (seq !== this.seq) return undefined;
    if (!isObject(result) || !Array.isArray(result.calls) || !Array.isArray(result.cells) || !Array.isArray(result.policies)) return this.fail(params.ref, 'the server answered with something that is not a comparison');
    if (result.error) {
      this.fail(params.ref, result.error);
      return result;
    }
    this.show(params.ref, { state: 'result', ref: params.ref, result });
    return result;
  }

  private fail(ref: string, message: string): undefined {
    this.show(ref, { state: 'error', ref, message });
    void vscode.window.showErrorMessage(`Agent Policy: cannot compare with ${ref}: ${message}`);
    return undefined;
  }

  private show(ref: string, s: Omit<CompareSnapshot, 'updates'>) {
    this.snap = { ...s, updates: this.snap.updates + (s.state === 'loading' ? 0 : 1) };
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('agentPolicy.compare', 'Compare policies', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, localResourceRoots: [], retainContextWhenHidden: false });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    }
    const r = s.result;
    this.panel.title = r ? `${r.summary.widening ? `▲ ${r.summary.widening}` : '✓'} vs ${ref}` : `Compare with ${ref}`;
    this.panel.webview.html = renderCompare(this.snap, nonce());
    this.panel.reveal(undefined, true);
  }

  /** Handles a message as if the webview had sent it (the tests' way to click without a browser). */
  async receive(raw: unknown): Promise<void> {
    const m = parseMessage(raw);
    if (!m) return;
    if (m.type === 'refresh') {
      if (this.last) await this.compare(this.last);
      return;
    }
    if (m.type === 'openPolicy') {
      // Never in the panel's own group, and never as a preview tab that would replace the panel.
      const column = this.panel?.viewColumn === vscode.ViewColumn.One ? vscode.ViewColumn.Beside : vscode.ViewColumn.One;
      const editor = await this.openPolicy(m.uri, m.range, column);
      // The policy keeps the focus the link gave it, even if the panel reports its click late.
      if (editor) keepEditorFocus(this.panel, editor);
      return;
    }
    const r = this.snap.result;
    const call = r?.calls[m.index];
    if (!r || !call) return void vscode.window.showWarningMessage('Agent Policy: that call is no longer in the comparison; compare again.');
    // The server decides the call as it was compared (its sensitive values, which the panel shows redacted, stayed there).
    await this.simulate({ ...(r.manifestUri ? { manifestUri: r.manifestUri } : {}), agent: call.agent, tool: call.tool, args: call.args, context: call.context, ...(call.via?.length ? { via: call.via } : {}), ...(r.callsId ? { diffCall: { id: r.callsId, index: m.index } } : {}) });
  }
}

// ---------------------------------------------------------------- rendering (pure: the snapshot → HTML)

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function policyLink(p: DiffPolicyRef, ref: string): string {
  const line = p.range ? `:${p.range.start.line + 1}` : '';
  if (p.uri && p.range) return `<a href="#" class="policy" data-uri="${esc(p.uri)}" data-range="${esc(JSON.stringify(p.range))}">${esc(p.id)}</a> <span class="where">${esc(p.file)}${line}</span>`;
  return `<span class="policy base">${esc(p.id)}</span>${p.file ? ` <span class="where">${esc(p.file)}${line} at ${esc(ref)}</span>` : ''}`;
}

function decided(list: DiffPolicyRef[], reason: string | undefined, ref: string): string {
  return list.length ? list.map((p) => policyLink(p, ref)).join(', ') : `<span class="muted">${reason ? rich(reason) : 'no policy applied'}</span>`;
}

const showJson = (v: unknown) => (isObject(v) && Object.keys(v).length === 0 ? '' : JSON.stringify(v));

function cellHtml(c: DiffCellInfo): string {
  const cond = (label: string, access: string, text: string | undefined) => `<div class="cond"><span class="muted">${label}</span> <span class="${access}">${access}</span>${text ? ` when <code>${esc(text)}</code>` : ''}</div>`;
  const notes = [c.destructive ? '<span class="danger">destructive</span>' : '', c.widening && c.narrowing ? '<span class="muted">also narrows</span>' : '', c.unproven ? '<span class="muted">the condition changed and no sampled call shows that it only narrows: review it</span>' : ''].filter(Boolean);
  return `<li class="cell ${c.widening ? 'widening' : 'narrowing'}"><div class="head"><span class="mark">${c.widening ? '▲' : '▼'}</span> access to <b class="tool">${esc(c.tool)}</b>${c.via ? ` <span class="muted">(handed over by ${esc(c.via)})</span>` : ''}: <span class="${c.from}">${c.from}</span> → <span class="${c.to}">${c.to}</span>${notes.length ? ` · ${notes.join(' · ')}` : ''}</div>
  ${c.fromCondition !== undefined || c.toCondition !== undefined ? `${cond('before', c.from, c.fromCondition)}${cond('now', c.to, c.toCondition)}` : ''}</li>`;
}

function callHtml(c: DiffCallInfo, index: number, ref: string): string {
  const args = showJson(c.args);
  const context = showJson(c.context);
  return `<li class="call ${c.widening ? 'widening' : 'narrowing'}" data-index="${index}">
  <div class="head"><span class="mark">${c.widening ? '▲' : '▼'}</span> ${c.via?.length ? `${c.via.map(esc).join(' → ')} → ` : ''}<b class="tool">${esc(c.tool)}</b> <span class="source">${c.source}:</span> <span class="label">${esc(c.label)}</span> <button class="simulate" data-index="${index}" title="Simulate this call against the policies as they are now${c.redacted ? ' (with its sensitive values, which the server kept)' : ''}">Simulate</button></div>
  <div class="detail"><code class="args">${esc(args || '{}')}</code>${c.redacted ? ' <span class="muted redacted">sensitive values redacted</span>' : ''}${context ? ` <details class="context"><summary>context</summary><code>${esc(context)}</code></details>` : ''}</div>
  <div class="detail">now <span class="${c.to}">${c.to}</span>: ${decided(c.policies, c.reasons?.current, ref)} · before <span class="${c.from}">${c.from}</span>: ${decided(c.basePolicies, c.reasons?.base, ref)}</div>
</li>`;
}

/** Calls shown per agent × tool before the rest fold away. */
const PER_TOOL = 4;

function section(r: DiffResponse, widening: boolean, ref: string): string {
  const cells = r.cells.filter((c) => c.widening === widening);
  const calls = r.calls.map((c, i) => ({ c, i })).filter((x) => x.c.widening === widening);
  if (!cells.length && !calls.length) return '';
  const agents = [...new Set([...cells.map((c) => c.agent), ...calls.map((x) => x.c.agent)])].sort();
  const blocks = agents.map((agent) => {
    const mine = calls.filter((x) => x.c.agent === agent);
    const tools = [...new Set(mine.map((x) => x.c.tool))];
    const callLists = tools.map((tool) => {
      // Scenarios and recorded calls first: they are what someone wrote down; boundary calls after them.
      const order = { scenario: 0, recorded: 1, boundary: 2 } as const;
      const list = mine.filter((x) => x.c.tool === tool).sort((a, b) => order[a.c.source] - order[b.c.source]);
      const shown = list.slice(0, PER_TOOL).map((x) => callHtml(x.c, x.i, ref)).join('\n');
      const rest = list.slice(PER_TOOL);
      return rest.length ? `${shown}\n<li class="more"><details><summary>${plural(rest.length, 'more call')} of ${esc(tool)}</summary><ul class="calls">${rest.map((x) => callHtml(x.c, x.i, ref)).join('\n')}</ul></details></li>` : shown;
    });
    const myCells = cells.filter((c) => c.agent === agent);
    return `<section class="agent" data-agent="${esc(agent)}"><h3>${esc(agent)}</h3>
${myCells.length ? `<ul class="cells">${myCells.map(cellHtml).join('\n')}</ul>` : ''}
${callLists.length ? `<ul class="calls">${callLists.join('\n')}</ul>` : ''}</section>`;
  });
  const title = widening ? '▲ Widening — denied before, allowed now' : '▼ Narrowing — allowed before, denied now';
  return `<h2 class="${widening ? 'widening' : 'narrowing'}" id="${widening ? 'widening' : 'narrowing'}">${title}</h2>\n${blocks.join('\n')}`;
}

function resultHtml(r: DiffResponse, ref: string): string {
  const s = r.summary;
  const parts: string[] = [];
  const base = r.base ?? ref;
  const counts = `${plural(r.policies.length, 'policy', 'policies')} changed · ${plural(r.cells.length, 'access cell')} · ${plural(r.scenarios.length, 'scenario')} · ${plural(r.calls.length, 'call')} that flip`;
  parts.push(
    s.changes
      ? `<p class="summary ${s.widening ? 'widening' : 'narrowing'}" id="summary">${s.widening ? '▲' : '▼'} <b>${s.widening} widening</b>, ${s.narrowing} narrowing <span class="muted">— ${counts}</span></p>`
      : `<p class="summary same" id="summary">✓ No change in what any agent can do <span class="muted">— ${counts}</span></p>`,
  );
  const c = r.compared;
  if (c) parts.push(`<p class="muted compared">Decided on both sides: ${c.everything ? 'every tool and agent' : `${plural(c.tools, 'tool')} × ${plural(c.agents, 'agent')} the change can affect`}; ${plural(c.scenarios, 'scenario')}, ${plural(c.boundary, 'boundary call')}${c.recorded ? `, ${plural(c.recorded, 'recorded call')}` : ''}.</p>`);
  if (r.notes.length) parts.push(`<ul class="notes muted">${r.notes.map((n) => `<li>${rich(n)}</li>`).join('')}</ul>`);
  if (r.policies.length) {
    const mark = { added: '+', removed: '−', changed: '~' } as const;
    parts.push(
      `<h2>Policies</h2><ul class="policies">${r.policies.map((p) => `<li class="${p.change}"><span class="change">${mark[p.change]} ${p.change}</span> <span class="effect ${p.effect ?? ''}">${p.effect ?? 'policy'}</span> ${policyLink({ id: p.id, file: p.file, ...(p.uri ? { uri: p.uri } : {}), range: p.range }, base)}</li>`).join('')}</ul>`,
    );
  }
  parts.push(section(r, true, base), section(r, false, base));
  if (r.scenarios.length) {
    parts.push(
      `<h2>Scenarios</h2><table class="scenarios"><thead><tr><th>scenario</th><th>expects</th><th>before</th><th>now</th></tr></thead><tbody>${r.scenarios
        .map((x) => `<tr class="${x.to === x.expect ? 'pass' : 'fail'}"><td>${esc(x.name)}</td><td>${x.expect}</td><td class="${x.from}">${x.from}</td><td class="${x.to}">${x.to}${x.to === x.expect ? '' : ' <span class="danger">(fails now)</span>'}</td></tr>`)
        .join('')}</tbody></table>`,
    );
  }
  return parts.filter(Boolean).join('\n');
}

export function renderCompare(s: CompareSnapshot, n: string): string {
  const ref = s.ref ?? '';
  const heading = `<h1>Compared with <span class="ref">${esc(s.result?.base ?? ref)}</span> <button id="refresh" title="Compare again">Compare again</button></h1>`;
  const body =
    s.state === 'loading'
      ? `<h1>Comparing with <span class="ref">${esc(ref)}</span>…</h1><p class="muted">The server decides the calls the change can affect on both sides.</p>`
      : s.state === 'error'
        ? `<h1>Cannot compare with <span class="ref">${esc(ref)}</span></h1><div class="error" role="alert" id="error">${rich(s.message ?? 'unknown error')}</div>`
        : s.result
          ? `${heading}\n${resultHtml(s.result, ref)}`
          : '';
  return page(
    n,
    'Compare policies',
    `
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 20px 24px; line-height: 1.45; }
  h1 { font-size: 1.3em; margin: 14px 0 6px; font-weight: 600; }
  h1 .ref { font-family: var(--vscode-editor-font-family); }
  h2 { font-size: 1.1em; margin: 18px 0 6px; border-bottom: 1px solid var(--vscode-panel-border, #444); padding-bottom: 3px; }
  h3 { font-size: 1em; margin: 10px 0 2px; }
  h2.widening, .summary.widening, .widening > .mark, .widening > .head > .mark { color: var(--vscode-errorForeground, #f85149); }
  h2.narrowing, .narrowing > .mark, .narrowing > .head > .mark { color: var(--vscode-charts-orange, #d18616); }
  .summary { font-size: 1.15em; margin: 4px 0; }
  .summary.same { color: var(--vscode-charts-green, #388a34); }
  ul { margin: 2px 0; padding-left: 20px; }
  ul.calls, ul.cells, ul.policies { list-style: none; padding-left: 6px; }
  li { margin: 3px 0; }
  li.call { margin: 6px 0; }
  .detail, .cond { margin-left: 1.4em; }
  .detail code.args, details.context code { font-size: 0.92em; }
  details.context { display: inline; }
  details.context[open] { display: block; }
  details.context summary { display: inline; font-size: 0.92em; }
  .mark { display: inline-block; width: 1.1em; }
  .tool, code, .policy { font-family: var(--vscode-editor-font-family); }
  code { background: var(--vscode-textCodeBlock-background); padding: 0 3px; border-radius: 3px; overflow-wrap: anywhere; }
  a.policy { color: var(--vscode-textLink-foreground); text-decoration: none; }
  a.policy:hover { text-decoration: underline; }
  span.policy.base { text-decoration: line-through; color: var(--vscode-descriptionForeground); }
  .where, .muted, .source { color: var(--vscode-descriptionForeground); }
  .source { margin-left: 4px; }
  .allow, .always { color: var(--vscode-charts-green, #388a34); }
  .conditional { color: var(--vscode-charts-orange, #d18616); }
  .deny, .never { color: var(--vscode-errorForeground, #f85149); }
  .danger { color: var(--vscode-errorForeground, #f85149); }
  .change { display: inline-block; min-width: 5.5em; }
  .added .change { color: var(--vscode-gitDecoration-addedResourceForeground, #81b88b); }
  .removed .change { color: var(--vscode-gitDecoration-deletedResourceForeground, #c74e39); }
  .changed .change { color: var(--vscode-gitDecoration-modifiedResourceForeground, #e2c08d); }
  .effect { display: inline-block; min-width: 46px; font-size: 0.85em; padding: 0 5px; border-radius: 3px; text-align: center; border: 1px solid currentColor; }
  .effect.permit { color: var(--vscode-charts-green, #388a34); }
  .effect.forbid { color: var(--vscode-errorForeground, #f85149); }
  .error { border: 1px solid var(--vscode-inputValidation-errorBorder, #be1100); background: var(--vscode-inputValidation-errorBackground, #5a1d1d); padding: 8px 12px; border-radius: 4px; margin: 12px 0; }
  table.scenarios { border-collapse: collapse; }
  table.scenarios th, table.scenarios td { border: 1px solid var(--vscode-panel-border, #444); padding: 2px 10px; text-align: left; }
  details summary { cursor: pointer; color: var(--vscode-textLink-foreground); }
  button { background: var(--vscode-button-secondaryBackground, var(--vscode-button-background)); color: var(--vscode-button-secondaryForeground, var(--vscode-button-foreground)); border: none; padding: 1px 8px; border-radius: 2px; cursor: pointer; font: inherit; font-size: 0.9em; margin-left: 6px; }
  button:hover { background: var(--vscode-button-secondaryHoverBackground, var(--vscode-button-hoverBackground)); }
  button:focus-visible, a.policy:focus-visible { outline: 1px solid var(--vscode-focusBorder); }
`,
    body,
    `
  const vscode = acquireVsCodeApi();
  for (const a of document.querySelectorAll('a.policy')) {
    a.addEventListener('click', (e) => { e.preventDefault(); vscode.postMessage({ type: 'openPolicy', uri: a.dataset.uri, range: JSON.parse(a.dataset.range) }); });
  }
  for (const b of document.querySelectorAll('button.simulate')) {
    b.addEventListener('click', () => vscode.postMessage({ type: 'simulate', index: Number(b.dataset.index) }));
  }
  const refresh = document.getElementById('refresh');
  if (refresh) refresh.addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
`,
  );
}
