import * as vscode from 'vscode';
import type { SimulateResponse } from '../../server/src/protocol';
import { keepEditorFocus } from './focus';
import { esc, fileOf, nonce, page, rich } from './webview';

/** What the panel asks of the extension: open a policy, or save the call as a scenario. */
export type PanelMessage = { type: 'openPolicy'; uri: string; range: SimulateResponse['determining'][number]['range'] } | { type: 'saveScenario' };

/** The "Simulate Tool Call" result: one panel, reused, that shows the latest simulation. */
export class SimulationPanel {
  private panel: vscode.WebviewPanel | undefined;
  private current: SimulateResponse | undefined;

  constructor(private readonly onMessage: (msg: PanelMessage, shown: SimulateResponse) => void) {}

  get shown(): SimulateResponse | undefined {
    return this.current;
  }

  get html(): string | undefined {
    return this.panel?.webview.html;
  }

  get viewColumn(): vscode.ViewColumn | undefined {
    return this.panel?.viewColumn;
  }

  /** Gives the focus back to `editor`, opened by a click in the panel, if the panel takes it late. */
  keepEditorFocus(editor: vscode.TextEditor) {
    keepEditorFocus(this.panel, editor);
  }

  show(result: SimulateResponse) {
    this.current = result;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('agentPolicy.simulation', 'Tool call simulation', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: false });
      this.panel.onDidDispose(() => (this.panel = undefined));
      this.panel.webview.onDidReceiveMessage((m: PanelMessage) => this.current && this.onMessage(m, this.current));
    }
    this.panel.title = `${result.decision === 'allow' ? '✓ allow' : '✗ deny'}: ${result.agent} → ${result.tool}`;
    this.panel.webview.html = render(result, nonce());
    this.panel.reveal(vscode.ViewColumn.Beside, true);
  }

  dispose() {
    this.panel?.dispose();
  }
}

export function render(r: SimulateResponse, n: string): string {
  const allow = r.decision === 'allow';
  const link = (p: { id: string; uri: string; range: SimulateResponse['determining'][number]['range'] }, extra = '') =>
    `<a href="#" class="policy" data-uri="${esc(p.uri)}" data-range="${esc(JSON.stringify(p.range))}">${esc(p.id)}</a> <span class="where">${esc(fileOf(p.uri))}:${p.range.start.line + 1}</span>${extra}`;
  const sections: string[] = [];
  if (r.scenario) {
    sections.push(`<div class="scenario ${r.scenario.passed ? 'pass' : 'fail'}">Scenario “${esc(r.scenario.name)}” expects <b>${r.scenario.expect}</b>: ${r.scenario.passed ? 'passed' : 'failed'}</div>`);
  }
  if (r.failOpenRisk) {
    const skipped = r.errors.filter((e) => e.effect === 'forbid');
    sections.push(`<div class="warning" role="alert"><b>⚠ Fail-open risk.</b> ${skipped.length === 1 ? 'A forbid' : `${skipped.length} forbids`} errored and Cedar skipped ${skipped.length === 1 ? 'it' : 'them'}: the call ${allow ? 'was allowed although a guardrail may have been meant to block it' : 'was denied, but a guardrail did not run'}.<ul>${skipped.map((e) => `<li>${link(e)} — ${rich(e.message)}</li>`).join('')}</ul></div>`);
  }
  sections.push(
    `<h2>Determining policies</h2>${r.determining.length ? `<ul>${r.determining.map((d) => `<li><span class="effect ${d.effect ?? ''}">${d.effect ?? 'policy'}</span> ${link(d)}</li>`).join('')}</ul>` : `<p class="muted">${allow ? '—' : 'No policy applied: Cedar denies by default.'}</p>`}`,
  );
  if (r.explanation) {
    const x = r.explanation;
    const mark = { applies: '✓', condition: '✗', errored: '!', 'out-of-scope': '·' } as const;
    sections.push(
      `<h2>Why</h2><p class="muted" id="why-heading">${rich(x.heading)}</p>${x.policies.length ? `<ul class="why" id="why">${x.policies.map((p) => `<li class="${p.status}"><span class="mark">${mark[p.status]}</span> <span class="effect ${p.effect ?? ''}">${p.effect ?? 'policy'}</span> ${link(p)}<div class="finding">${rich(p.finding)}</div></li>`).join('')}</ul>` : ''}`,
    );
  }
  if (r.requestErrors.length) sections.push(`<h2>Request errors</h2><ul class="errors">${r.requestErrors.map((e) => `<li>${rich(e)}</li>`).join('')}</ul>`);
  const otherErrors = r.errors.filter((e) => e.effect !== 'forbid');
  if (otherErrors.length) sections.push(`<h2>Policies that errored</h2><ul class="errors">${otherErrors.map((e) => `<li>${link(e)} — ${rich(e.message)}</li>`).join('')}</ul>`);
  if (r.chain.length > 1) {
    sections.push(`<h2>Delegation chain</h2><ol class="chain">${r.chain.map((c) => `<li><span class="${c.decision}">${c.decision === 'allow' ? '✓' : '✗'} ${esc(c.agent)}</span> — ${rich(c.reason)}</li>`).join('')}</ol>`);
  }
  if (r.notes.length) sections.push(`<h2>Notes</h2><ul class="muted">${r.notes.map((x) => `<li>${rich(x)}</li>`).join('')}</ul>`);
  sections.push(`<h2>Call</h2><pre>${esc(JSON.stringify({ agent: r.agent, ...(r.via.length ? { via: r.via } : {}), tool: r.tool, args: r.args, context: r.context }, null, 2))}</pre>`);
  if (r.request) sections.push(`<h2>Cedar request</h2><pre>${esc(JSON.stringify(r.request, null, 2))}</pre>`);
  return page(
    n,
    'Tool call simulation',
    `
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 20px 24px; line-height: 1.45; }
  .decision { font-size: 2.6em; font-weight: 700; margin: 18px 0 2px; letter-spacing: 0.02em; }
  .decision.allow, .allow { color: var(--vscode-charts-green, #388a34); }
  .decision.deny, .deny { color: var(--vscode-testing-iconFailed, #f85149); }
  .reason { font-size: 1.15em; margin: 0 0 4px; }
  .call { color: var(--vscode-descriptionForeground); margin: 0 0 14px; }
  h2 { font-size: 1.05em; margin: 20px 0 6px; border-bottom: 1px solid var(--vscode-panel-border, #444); padding-bottom: 3px; }
  ul, ol { margin: 4px 0; padding-left: 22px; }
  li { margin: 3px 0; }
  a.policy { color: var(--vscode-textLink-foreground); font-family: var(--vscode-editor-font-family); text-decoration: none; }
  a.policy:hover { text-decoration: underline; }
  .where, .muted { color: var(--vscode-descriptionForeground); }
  .effect { display: inline-block; min-width: 46px; font-size: 0.85em; padding: 0 5px; border-radius: 3px; text-align: center; border: 1px solid currentColor; }
  .effect.permit { color: var(--vscode-charts-green, #388a34); }
  .effect.forbid { color: var(--vscode-errorForeground, #f85149); }
  .warning { border: 1px solid var(--vscode-inputValidation-warningBorder, #b89500); background: var(--vscode-inputValidation-warningBackground, #352a05); padding: 8px 12px; border-radius: 4px; margin: 12px 0; }
  .scenario { padding: 6px 10px; border-radius: 4px; margin: 12px 0 0; border: 1px solid var(--vscode-panel-border, #444); }
  .scenario.fail { border-color: var(--vscode-testing-iconFailed, #f85149); }
  .errors li { color: var(--vscode-errorForeground); }
  .why { list-style: none; padding-left: 4px; }
  .why .mark { display: inline-block; width: 1.2em; font-weight: 700; }
  .why .condition .mark { color: var(--vscode-testing-iconFailed, #f85149); }
  .why .applies .mark { color: var(--vscode-charts-green, #388a34); }
  .why .errored .mark { color: var(--vscode-editorWarning-foreground, #cca700); }
  .why .out-of-scope { color: var(--vscode-descriptionForeground); }
  .why .finding { margin: 1px 0 6px 1.5em; }
  code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 0 3px; border-radius: 3px; }
  pre { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-textCodeBlock-background); padding: 8px 10px; border-radius: 4px; overflow: auto; }
  button { margin-top: 16px; background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 6px 14px; border-radius: 2px; cursor: pointer; font-size: 1em; }
  button:hover { background: var(--vscode-button-hoverBackground); }
`,
    `  <div class="decision ${r.decision}" id="decision">${allow ? '✓ ALLOW' : '✗ DENY'}</div>
  <p class="reason">${rich(r.reason)}</p>
  <p class="call"><b>${esc(r.agent)}</b>${r.via.length ? ` (handed over by ${r.via.map(esc).join(' → ')})` : ''} calls <b>${esc(r.tool)}</b></p>
  ${sections.join('\n  ')}
  ${r.scenario ? '' : '<button id="save">Save as scenario</button>'}`,
    `
  const vscode = acquireVsCodeApi();
  for (const a of document.querySelectorAll('a.policy')) {
    a.addEventListener('click', (e) => { e.preventDefault(); vscode.postMessage({ type: 'openPolicy', uri: a.dataset.uri, range: JSON.parse(a.dataset.range) }); });
  }
  const save = document.getElementById('save');
  if (save) save.addEventListener('click', () => vscode.postMessage({ type: 'saveScenario' }));
`,
  );
}
