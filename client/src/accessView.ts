import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { Methods, type AccessBase, type AccessCallsParams, type AccessCallsResult, type AccessCellInfo, type AccessParams, type AccessResult, type Range, type SimulateParams, type SimulationTargetsResult, type StatusParams } from '../../server/src/protocol';
import { pickGitRef } from './gitRefPick';
import { ACCESS_BODY, ACCESS_CSS, ACCESS_SCRIPT, NO_FILTERS, cellKey, changedCells, renderParts, type AccessFilters, type AccessViewModel, type RenderedParts } from './accessRender';
import { isObject, isRange, nonce, page } from './webview';

export const ACCESS_VIEW_ID = 'agentPolicy.accessView';

/** Re-requests wait this long after the last keystroke-driven event (the server's status, diagnostics, a save). */
const DEBOUNCE_MS = 250;

/** Files whose edits can change the map: policies, manifests, tool lists, the workspace settings file. */
function isAnalysed(uri: vscode.Uri): boolean {
  if (uri.scheme !== 'file') return false;
  const base = path.posix.basename(uri.path);
  return base.endsWith('.cedar') || /^(.+\.)?agents\.(ya?ml|json)$/.test(base) || base.endsWith('.tools.json') || base === '.agent-policy.yaml';
}

/** What the Agent Access view shows, for tests (the same state its webview draws). */
export interface AccessViewSnapshot {
  visible: boolean;
  state: AccessViewModel['state']['kind'];
  /** The map as the server sent it (unfiltered). */
  result?: AccessResult;
  /** The server's or the client's reason when there is no map. */
  message?: string;
  manifestUri?: string;
  filters: AccessFilters;
  selected?: string;
  changed: string[];
  /** The HTML of the three parts the webview shows: filter bar, grid, details. */
  parts: RenderedParts;
  /** How many answers of the server the view has drawn (tests wait for the next one). */
  updates: number;
  /** The git ref the map is compared with, and the server's map at it ("Compare with…"). */
  baseRef?: string;
  base?: AccessBase;
  /** The calls proposed for the selected (conditional) cell, once the server answered. */
  calls?: { key: string; result?: AccessCallsResult };
}

type ViewMessage =
  | { type: 'ready' }
  | { type: 'select'; key: string }
  | { type: 'filter'; name: keyof AccessFilters; value: string | boolean }
  | { type: 'manifest'; uri: string }
  | { type: 'openPolicy'; uri: string; range: Range }
  | { type: 'simulate'; key: string; call: { args?: unknown; context?: unknown } }
  | { type: 'simulateProposed'; key: string; which: 'satisfying' | 'failing' }
  | { type: 'compareWith'; ref?: string }
  | { type: 'clearBase' };

/** A message from the webview, checked: anything else is ignored. */
function parseMessage(m: unknown): ViewMessage | undefined {
  if (!isObject(m)) return undefined;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'select':
      return typeof m.key === 'string' ? { type: 'select', key: m.key } : undefined;
    case 'filter':
      return typeof m.name === 'string' && m.name in NO_FILTERS && (typeof m.value === 'string' || typeof m.value === 'boolean')
        ? { type: 'filter', name: m.name as keyof AccessFilters, value: m.value }
        : undefined;
    case 'manifest':
      return typeof m.uri === 'string' ? { type: 'manifest', uri: m.uri } : undefined;
    case 'openPolicy':
      return typeof m.uri === 'string' && isRange(m.range) ? { type: 'openPolicy', uri: m.uri, range: m.range } : undefined;
    case 'simulate':
      return typeof m.key === 'string' && isObject(m.call) ? { type: 'simulate', key: m.key, call: m.call } : undefined;
    case 'simulateProposed':
      return typeof m.key === 'string' && (m.which === 'satisfying' || m.which === 'failing') ? { type: 'simulateProposed', key: m.key, which: m.which } : undefined;
    case 'compareWith':
      // From the webview's button (no ref: the picker asks), or from a test or a command with the ref.
      return m.ref === undefined || typeof m.ref === 'string' ? { type: 'compareWith', ...(typeof m.ref === 'string' ? { ref: m.ref } : {}) } : undefined;
    case 'clearBase':
      return { type: 'clearBase' };
    default:
      return undefined;
  }
}

/**
 * The "Agent Access" view: the access map of a manifest (tools × agents, always / conditional / never), filters, and
 * the details of a cell with its policies and a "Simulate" call. It follows the active manifest or policy, and asks
 * the server again (debounced) whenever the server has checked an edit; requests never block the editor, and an
 * answer that a newer request overtook is dropped.
 */
export class AccessView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  private readonly model: AccessViewModel = { state: { kind: 'loading' }, manifests: [], filters: { ...NO_FILTERS }, changed: new Map(), hasBaseline: false, updating: false };
  private parts: RenderedParts = { controls: '', grid: '', details: '' };
  /** Per manifest: the cells of the map computed while nothing was unsaved (the map of the last save). */
  private readonly baselines = new Map<string, AccessCellInfo[]>();
  /** The file the map is asked for: a manifest picked in the view, or the manifest or policy being edited. */
  private target: string | undefined;
  private seq = 0;
  private pending: vscode.CancellationTokenSource | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stale = true;
  private updates = 0;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly client: () => LanguageClient | undefined,
    private readonly simulate: (params: SimulateParams) => Thenable<unknown>,
    private readonly openPolicy: (uri: string, range: Range) => Thenable<unknown>,
  ) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor((e) => {
        const uri = e?.document.uri;
        if (!uri || !isAnalysed(uri) || uri.toString() === this.target) return;
        this.target = uri.toString();
        this.schedule(0);
      }),
      vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some(isAnalysed)) this.schedule();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => {
        if (isAnalysed(d.uri)) this.schedule();
      }),
    );
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && isAnalysed(active)) this.target = active.toString();
  }

  dispose() {
    if (this.timer) clearTimeout(this.timer);
    this.pending?.cancel();
    this.pending?.dispose();
    for (const s of this.subscriptions) s.dispose();
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = { enableScripts: true, localResourceRoots: [] };
    view.webview.html = page(nonce(), 'Agent Access', ACCESS_CSS, ACCESS_BODY, ACCESS_SCRIPT);
    view.webview.onDidReceiveMessage((m: unknown) => void this.receive(m));
    view.onDidChangeVisibility(() => {
      if (view.visible && this.stale) this.schedule(0);
    });
    view.onDidDispose(() => {
      if (this.view === view) this.view = undefined;
      this.ready = false;
    });
    this.schedule(0);
  }

  /** "Agent Policy: Show Agent Access": opens the view, on the manifest of `uri` when given. */
  async show(uri?: vscode.Uri): Promise<void> {
    if (uri instanceof vscode.Uri && isAnalysed(uri)) this.target = uri.toString();
    await vscode.commands.executeCommand(`${ACCESS_VIEW_ID}.focus`);
    this.schedule(0);
  }

  /** The server finished checking (or started again): the map may have changed. */
  onStatus(s: StatusParams) {
    if (s.state === 'idle') this.schedule();
  }

  /** The server restarted or stopped. */
  onServerChange() {
    this.schedule(0);
  }

  snapshot(): AccessViewSnapshot {
    const s = this.model.state;
    return {
      visible: !!this.view?.visible,
      state: s.kind,
      result: s.kind === 'map' ? s.result : undefined,
      message: s.kind === 'error' ? s.message : undefined,
      manifestUri: this.model.manifestUri,
      filters: { ...this.model.filters },
      selected: this.model.selected,
      changed: [...this.model.changed.keys()],
      parts: { ...this.parts },
      updates: this.updates,
      ...(this.model.baseRef ? { baseRef: this.model.baseRef } : {}),
      ...(this.model.base ? { base: this.model.base } : {}),
      ...(this.model.calls ? { calls: this.model.calls } : {}),
    };
  }

  /** Handles a message as if the webview had sent it (the tests' way to click and filter without a browser). */
  async receive(raw: unknown): Promise<void> {
    const m = parseMessage(raw);
    if (!m) return;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.post();
        if (this.stale) this.schedule(0);
        return;
      case 'select':
        this.model.selected = this.model.selected === m.key ? undefined : m.key;
        this.draw();
        return this.proposeCalls();
      case 'filter': {
        const f = this.model.filters;
        if (m.name === 'agent' || m.name === 'server') f[m.name] = String(m.value);
        else f[m.name] = m.value === true;
        return this.draw();
      }
      case 'manifest':
        this.target = m.uri;
        this.model.selected = undefined;
        this.model.calls = undefined;
        this.model.filters = { ...NO_FILTERS };
        return this.schedule(0);
      case 'openPolicy':
        await this.openPolicy(m.uri, m.range);
        return;
      case 'compareWith': {
        const client = this.client();
        if (!client || !client.isRunning()) return void vscode.window.showErrorMessage('Agent Policy: the language server is not running.');
        const ref = m.ref?.trim() || (await pickGitRef(client, this.model.manifestUri ?? this.target, 'Compare the Agent Access map with…'));
        if (!ref) return;
        this.model.baseRef = ref;
        this.model.base = undefined;
        this.draw();
        return this.schedule(0);
      }
      case 'clearBase':
        this.model.baseRef = undefined;
        this.model.base = undefined;
        this.model.filters.changedVsBase = false;
        this.draw();
        return this.schedule(0);
      case 'simulateProposed': {
        const s = this.model.state;
        const cell = s.kind === 'map' ? s.result.cells.find((c) => cellKey(c) === m.key) : undefined;
        const call = this.model.calls?.key === m.key ? this.model.calls.result?.[m.which] : undefined;
        if (!cell || !call) return void vscode.window.showWarningMessage('Agent Policy: that call is no longer proposed; pick the cell again.');
        await this.simulate({ manifestUri: this.model.manifestUri, agent: cell.agent, tool: cell.tool, args: call.args, context: call.context, ...(cell.via ? { via: [cell.via] } : {}) });
        return;
      }
      case 'simulate': {
        const s = this.model.state;
        const cell = s.kind === 'map' ? s.result.cells.find((c) => cellKey(c) === m.key) : undefined;
        if (!cell) return void vscode.window.showWarningMessage('Agent Policy: that cell is no longer in the access map; pick it again.');
        await this.simulate({
          manifestUri: this.model.manifestUri,
          agent: cell.agent,
          tool: cell.tool,
          args: m.call.args ?? {},
          context: m.call.context ?? {},
          ...(cell.via ? { via: [cell.via] } : {}),
        });
        return;
      }
    }
  }

  /** Asks again after `ms` without another event (a burst of keystrokes makes one request). */
  private schedule(ms = DEBOUNCE_MS) {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, ms);
  }

  private async refresh(): Promise<void> {
    if (!this.view?.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    const client = this.client();
    if (!client || !client.isRunning()) {
      this.model.state = { kind: 'noServer' };
      this.model.updating = false;
      return this.draw();
    }
    const seq = ++this.seq;
    this.pending?.cancel();
    this.pending?.dispose();
    const cts = new vscode.CancellationTokenSource();
    this.pending = cts;
    this.model.updating = true;
    this.post();
    const baseRef = this.model.baseRef;
    const params: AccessParams = { ...(this.target ? { uri: this.target } : {}), ...(baseRef ? { baseRef } : {}) };
    let result: AccessResult;
    let targets: SimulationTargetsResult | undefined;
    try {
      [result, targets] = await Promise.all([
        client.sendRequest<AccessResult>(Methods.access, params, cts.token),
        client.sendRequest<SimulationTargetsResult>(Methods.simulationTargets, {}, cts.token).catch(() => undefined),
      ]);
    } catch (e) {
      if (seq !== this.seq || cts.token.isCancellationRequested) return;
      this.model.state = { kind: 'error', message: `the server could not compute the access map: ${e instanceof Error ? e.message : String(e)}` };
      this.model.updating = false;
      return this.draw();
    }
    if (seq !== this.seq) return;
    this.updates++;
    this.model.updating = false;
    this.model.manifests = (targets?.manifests ?? []).map((m) => ({ uri: m.uri, label: vscode.workspace.asRelativePath(vscode.Uri.parse(m.uri), false) }));
    if (!isObject(result) || !Array.isArray(result.cells) || !Array.isArray(result.agents) || !Array.isArray(result.tools)) {
      this.model.state = { kind: 'error', message: 'the server answered with something that is not an access map' };
      return this.draw();
    }
    this.model.manifestUri = result.manifestUri;
    if (result.error) {
      this.model.state = { kind: 'error', message: result.error };
      return this.draw();
    }
    this.model.state = { kind: 'map', result };
    // A base asked before "Clear" (or another ref) is not shown.
    this.model.base = baseRef && baseRef === this.model.baseRef && isObject(result.base) && Array.isArray(result.base.cells) && Array.isArray(result.base.changes) ? result.base : undefined;
    if (this.view && result.manifestUri) this.view.description = vscode.workspace.asRelativePath(vscode.Uri.parse(result.manifestUri), false);
    this.model.target = targets?.manifests.find((m) => m.uri === result.manifestUri);
    const manifest = result.manifestUri ?? '';
    const unsaved = vscode.workspace.textDocuments.some((d) => d.isDirty && isAnalysed(d.uri));
    if (!unsaved) this.baselines.set(manifest, result.cells);
    this.model.hasBaseline = this.baselines.has(manifest);
    this.model.changed = changedCells(this.baselines.get(manifest), result.cells);
    // Filters that name what is no longer there fall back to "all".
    const f = this.model.filters;
    if (f.agent && !result.agents.some((a) => a.id === f.agent)) f.agent = '';
    if (f.server && !result.tools.some((t) => t.server === f.server)) f.server = '';
    this.draw();
    // The proposed calls were for the map before: asked again for the selected cell.
    this.model.calls = undefined;
    void this.proposeCalls();
  }

  /**
   * For a selected conditional cell, asks the server for a call that is allowed and one that is denied (the details'
   * two "Simulate" buttons); drawn when the answer comes, if the cell is still the one selected.
   */
  private async proposeCalls(): Promise<void> {
    const s = this.model.state;
    const key = this.model.selected;
    const cell = s.kind === 'map' && key ? s.result.cells.find((c) => cellKey(c) === key) : undefined;
    const client = this.client();
    if (!cell || cell.access !== 'conditional' || !client?.isRunning()) return;
    if (this.model.calls?.key === key) return;
    const updates = this.updates;
    this.model.calls = { key: key! };
    const params: AccessCallsParams = { ...(this.model.manifestUri ? { uri: this.model.manifestUri } : {}), agent: cell.agent, tool: cell.tool, ...(cell.via ? { via: cell.via } : {}) };
    let result: AccessCallsResult;
    try {
      result = await client.sendRequest<AccessCallsResult>(Methods.accessCalls, params);
    } catch (e) {
      result = { notes: [], error: `the server could not propose calls: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (this.model.selected !== key || this.model.calls?.key !== key || this.updates !== updates) return;
    this.model.calls = { key: key!, result: isObject(result) ? result : { notes: [], error: 'the server answered with something that is not a pair of calls' } };
    this.draw();
  }

  private draw() {
    this.parts = renderParts(this.model);
    this.post();
  }

  private post() {
    if (!this.view || !this.ready) return;
    void this.view.webview.postMessage({ type: 'render', ...this.parts, busy: this.model.updating });
  }
}
