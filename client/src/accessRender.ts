/**
 * The Agent Access view's content, as plain data in and HTML out (no `vscode` here, so unit tests can call it): the
 * filters, the comparison with the map of the last save, and the three parts the webview swaps in — the filter bar,
 * the grid (tools × agents) and the details of the selected cell.
 */
import type { AccessBase, AccessCallsResult, AccessCellInfo, AccessResult, BaseAccessCellInfo, DiffCellInfo, DiffPolicyRef, PolicyLocation, ProposedCallInfo, SimulationTarget } from '../../server/src/protocol';
import { esc, fileOf, rich } from './webview';

export interface AccessFilters {
  /** An agent id (its own column and the delegations it takes part in); '' for every agent. */
  agent: string;
  /** A server name; '' for every server. */
  server: string;
  destructiveOnly: boolean;
  changedOnly: boolean;
  /** Only the rows with a cell that differs from the base (when a base is shown). */
  changedVsBase: boolean;
}

export const NO_FILTERS: AccessFilters = { agent: '', server: '', destructiveOnly: false, changedOnly: false, changedVsBase: false };

export type AccessViewState =
  | { kind: 'noServer' }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'map'; result: AccessResult };

export interface AccessViewModel {
  state: AccessViewState;
  /** The workspace's manifests, for the manifest picker. */
  manifests: { uri: string; label: string }[];
  manifestUri?: string;
  filters: AccessFilters;
  /** Cells that differ from the map of the last save, by key, with what changed in a few words. */
  changed: Map<string, string>;
  /** Whether a map of the last save exists for this manifest (else "changed" cannot be answered yet). */
  hasBaseline: boolean;
  selected?: string;
  /** The manifest's agents and tools with sample arguments (for the pre-filled "Simulate" call). */
  target?: SimulationTarget;
  /** A request is under way (the webview shows "updating…" without redrawing the grid). */
  updating: boolean;
  /** The git ref the map is compared with ("Compare with…"), and the server's map at it (once answered). */
  baseRef?: string;
  base?: AccessBase;
  /** The calls proposed for the selected cell (agentPolicy/accessCalls): asked when a conditional cell is selected. */
  calls?: { key: string; result?: AccessCallsResult };
}

export interface RenderedParts {
  controls: string;
  grid: string;
  details: string;
}

/** One cell's key: the agent, the agent that delegates to it (if any) and the tool. */
export function cellKey(c: { agent: string; via?: string; tool: string }): string {
  return JSON.stringify([c.via ?? '', c.agent, c.tool]);
}

/** A column: one agent, or a delegation (`via` hands over to `agent`). */
interface Column {
  agent: string;
  via?: string;
  label: string;
  /** The header's HTML (a delegation on two lines). */
  html: string;
  title: string;
}

const ICON: Record<AccessCellInfo['access'], string> = { always: '✓', conditional: '◐', never: '✗' };

const sameIds = (a: PolicyLocation[], b: PolicyLocation[]) => a.map((p) => p.id).sort().join('\n') === b.map((p) => p.id).sort().join('\n');

/** What changed in each cell since `before` (the map of the last save); cells new since then count as changed. */
export function changedCells(before: AccessCellInfo[] | undefined, now: AccessCellInfo[]): Map<string, string> {
  const out = new Map<string, string>();
  if (!before) return out;
  const old = new Map(before.map((c) => [cellKey(c), c]));
  for (const c of now) {
    const b = old.get(cellKey(c));
    if (!b) {
      out.set(cellKey(c), 'new since the last save');
      continue;
    }
    const what: string[] = [];
    if (b.access !== c.access) what.push(`was ${b.access}`);
    else if ((b.condition ?? '') !== (c.condition ?? '')) what.push('the condition changed');
    if (!sameIds(b.permits, c.permits) || !sameIds(b.forbids, c.forbids)) what.push(`policies were ${[...b.permits.map((p) => `+${p.id}`), ...b.forbids.map((p) => `-${p.id}`)].join(' ') || 'none'}`);
    if (b.failOpenRisk !== c.failOpenRisk) what.push(c.failOpenRisk ? 'fail-open risk is new' : 'the fail-open risk is gone');
    if (b.destructive !== c.destructive) what.push(c.destructive ? 'now destructive' : 'no longer destructive');
    if (what.length) out.set(cellKey(c), what.join('; '));
  }
  return out;
}

/** The base is shown (a map at a ref, not an error). */
export function shownBase(m: AccessViewModel): AccessBase | undefined {
  return m.base && !m.base.error ? m.base : undefined;
}

/** The cells of the base and the cells that differ from it, by key. */
function baseIndex(base: AccessBase): { cells: Map<string, BaseAccessCellInfo>; changes: Map<string, DiffCellInfo> } {
  return { cells: new Map(base.cells.map((c) => [cellKey(c), c])), changes: new Map(base.changes.map((c) => [cellKey(c), c])) };
}

/** A cell's change in a few words: "widening: never → conditional", "narrowing: the condition changed". */
function changeWords(c: DiffCellInfo): string {
  const kind = c.widening && c.narrowing ? 'widening and narrowing' : c.widening ? 'widening' : 'narrowing';
  const what = c.from === c.to ? 'the condition changed' : `${c.from} → ${c.to}`;
  return `${kind}: ${what}${c.unproven ? ' (no sampled call shows that it only narrows: review it)' : ''}`;
}

function columnsOf(r: AccessResult): Column[] {
  const cols: Column[] = r.agents.map((a) => ({ agent: a.id, label: a.id, html: esc(a.id), title: `${a.id}: ${a.summary}` }));
  const seen = new Set<string>();
  for (const c of r.cells) {
    if (!c.via || seen.has(`${c.via}\n${c.agent}`)) continue;
    seen.add(`${c.via}\n${c.agent}`);
    cols.push({ agent: c.agent, via: c.via, label: `${c.via} → ${c.agent}`, html: `${esc(c.via)} →<br>${esc(c.agent)}`, title: `${c.via} hands the task over to ${c.agent}: a call is allowed only if both agents may make it` });
  }
  return cols;
}

/** The columns and rows the filters keep, and the cells by key. */
export function visibleMap(m: AccessViewModel, r: AccessResult) {
  const f = m.filters;
  const byKey = new Map(r.cells.map((c) => [cellKey(c), c]));
  const b = shownBase(m);
  const base = b ? baseIndex(b) : undefined;
  const columns = columnsOf(r).filter((c) => !f.agent || c.agent === f.agent || c.via === f.agent);
  const rows = r.tools.filter((t) => {
    if (f.server && t.server !== f.server) return false;
    if (f.destructiveOnly && !t.destructive) return false;
    if (f.changedOnly && !columns.some((c) => m.changed.has(cellKey({ agent: c.agent, via: c.via, tool: t.tool })))) return false;
    if (f.changedVsBase && base && !columns.some((c) => base.changes.has(cellKey({ agent: c.agent, via: c.via, tool: t.tool })))) return false;
    return true;
  });
  return { columns, rows, byKey, base };
}

function option(value: string, label: string, selected: boolean): string {
  return `<option value="${esc(value)}"${selected ? ' selected' : ''}>${esc(label)}</option>`;
}

function renderControls(m: AccessViewModel): string {
  const r = m.state.kind === 'map' ? m.state.result : undefined;
  const parts: string[] = [];
  if (m.manifests.length > 1) {
    parts.push(`<label>Manifest <select id="manifest" data-control="manifest">${m.manifests.map((x) => option(x.uri, x.label, x.uri === m.manifestUri)).join('')}</select></label>`);
  }
  if (r) {
    const agents = r.agents.map((a) => a.id);
    const servers = [...new Set(r.tools.map((t) => t.server))];
    parts.push(`<label>Agent <select id="filter-agent" data-filter="agent">${option('', 'All agents', !m.filters.agent)}${agents.map((a) => option(a, a, a === m.filters.agent)).join('')}</select></label>`);
    parts.push(`<label>Server <select id="filter-server" data-filter="server">${option('', 'All servers', !m.filters.server)}${servers.map((s) => option(s, s, s === m.filters.server)).join('')}</select></label>`);
    parts.push(`<label><input type="checkbox" id="filter-destructive" data-filter="destructiveOnly"${m.filters.destructiveOnly ? ' checked' : ''}> Destructive only</label>`);
    parts.push(
      `<label title="${m.hasBaseline ? 'Cells that differ from the map of the last save of the manifest and its policies' : 'No map of a saved state yet: save the manifest and its policies first'}"><input type="checkbox" id="filter-changed" data-filter="changedOnly"${m.filters.changedOnly ? ' checked' : ''}> Changed since last save${m.hasBaseline ? ` (${m.changed.size})` : ''}</label>`,
    );
  }
  if (r || m.baseRef) parts.push(compareControls(m));
  return parts.length ? `<div class="controls">${parts.join('')}</div>` : '';
}

/** "Compare with…", and with a base: what it is, "changed vs base", "Clear" (or why there is no base). */
function compareControls(m: AccessViewModel): string {
  const out: string[] = [];
  out.push(`<span class="compare"><button class="secondary" id="compare-with" title="Show the map of the manifest at a git ref (a branch, a tag, a commit) beside the current one">Compare with…</button>`);
  if (m.baseRef) {
    const b = m.base;
    if (b?.error) out.push(` <span class="error" id="base-error" role="alert">${rich(b.error)}</span>`);
    else if (b && b.ref === m.baseRef) {
      const widening = b.changes.filter((c) => c.widening).length;
      out.push(` <span id="base-label" title="The map at ${esc(b.label ?? b.ref)} → the current map">vs <b>${esc(b.label ?? b.ref)}</b></span>`);
      out.push(` <label title="Rows with a cell that differs from the map at ${esc(b.label ?? b.ref)}"><input type="checkbox" id="filter-changed-base" data-filter="changedVsBase"${m.filters.changedVsBase ? ' checked' : ''}> Changed vs base (${b.changes.length}${widening ? `, <span class="widening-text">▲ ${widening} widening</span>` : ''})</label>`);
    } else out.push(` <span class="muted" id="base-label">vs ${esc(m.baseRef)}…</span>`);
    out.push(' <button class="secondary" id="compare-clear" title="Stop comparing: the current map only">Clear</button>');
  }
  out.push('</span>');
  return out.join('');
}

function stateMessage(m: AccessViewModel): string | undefined {
  switch (m.state.kind) {
    case 'noServer':
      return '<div class="empty" id="state" data-state="noServer"><p><b>The Agent Policy language server is not running.</b></p><p>Run "Agent Policy: Restart Server".</p></div>';
    case 'loading':
      return '<div class="empty" id="state" data-state="loading"><p>Computing the access map…</p></div>';
    case 'error':
      return `<div class="empty" id="state" data-state="error"><p><b>No access map.</b></p><p class="reason">${rich(m.state.message)}</p><p class="muted">The map shows what each agent of an agent manifest (<code>*.agents.yaml</code>) may call under its Cedar policies.</p></div>`;
    case 'map':
      return undefined;
  }
}

function renderGrid(m: AccessViewModel): string {
  const msg = stateMessage(m);
  if (msg || m.state.kind !== 'map') return msg ?? '';
  const r = m.state.result;
  const { columns, rows, byKey, base } = visibleMap(m, r);
  const b = shownBase(m);
  const out: string[] = [];
  const name = r.manifestUri ? fileOf(r.manifestUri) : 'manifest';
  const counts = { always: 0, conditional: 0, never: 0 };
  for (const c of r.cells) counts[c.access]++;
  out.push(
    `<p class="summary" id="state" data-state="map" data-manifest="${esc(r.manifestUri ?? '')}"><b>${esc(name)}</b> — ${r.agents.length} agent${r.agents.length === 1 ? '' : 's'} × ${r.tools.length} tool${r.tools.length === 1 ? '' : 's'}: ${counts.always} always, ${counts.conditional} conditional, ${counts.never} never<span class="muted" id="updating"> · updating…</span></p>`,
  );
  if (r.blocking.length) {
    out.push(`<div class="warning" role="alert" id="blocking"><b>Every call is denied:</b> the policy set cannot be evaluated.<ul>${r.blocking.map((b) => `<li>${rich(b)}</li>`).join('')}</ul></div>`);
  }
  if (b) {
    const widening = b.changes.filter((c) => c.widening).length;
    const narrowing = b.changes.filter((c) => c.narrowing).length;
    out.push(
      `<p class="base-summary" id="base-summary">Each cell: <span class="muted">at</span> <b>${esc(b.label ?? b.ref)}</b> → <span class="muted">now</span>. ${b.changes.length ? `${b.changes.length} cell${b.changes.length === 1 ? '' : 's'} differ${b.changes.length === 1 ? 's' : ''}: <span class="${widening ? 'widening-text' : ''}">▲ ${widening} widening</span>, ▼ ${narrowing} narrowing.` : 'No cell differs.'}</p>`,
    );
    if (b.blocking.length) out.push(`<div class="warning" id="base-blocking"><b>At ${esc(b.label ?? b.ref)} every call is denied:</b> the policy set cannot be evaluated there.<ul>${b.blocking.map((x) => `<li>${rich(x)}</li>`).join('')}</ul></div>`);
    // The base's own notes (a note the current map has too is said once, below the grid).
    const own = b.notes.filter((n) => !r.notes.includes(n));
    if (own.length) out.push(`<ul class="notes muted" id="base-notes">${own.map((n) => `<li>at ${esc(b.label ?? b.ref)}: ${rich(n)}</li>`).join('')}</ul>`);
  }
  if (!rows.length || !columns.length) {
    out.push(`<p class="empty" id="no-match">${m.filters.changedOnly && !m.hasBaseline ? 'No map of a saved state to compare with yet: save the manifest and its policies.' : 'No tool matches the filters.'}</p>`);
  } else {
    const head = columns.map((c) => `<th scope="col" class="agent${c.via ? ' delegation' : ''}" title="${esc(c.title)}">${c.html}</th>`).join('');
    const body = rows.map((t) => {
      const cells = columns.map((col) => {
        const key = cellKey({ agent: col.agent, via: col.via, tool: t.tool });
        const c = byKey.get(key);
        if (!c) return '<td class="missing">·</td>';
        const changed = m.changed.get(key);
        const was = base?.cells.get(key);
        const vs = base?.changes.get(key);
        const cls = ['cell', c.access, c.destructive ? 'destructive' : '', c.failOpenRisk ? 'fail-open' : '', changed ? 'changed' : '', base ? 'compared' : '', vs ? 'differs' : '', vs?.widening ? 'widening' : '', vs?.narrowing && !vs.widening ? 'narrowing' : '', key === m.selected ? 'selected' : ''].filter(Boolean).join(' ');
        const baseWords = base ? `; at ${b!.label ?? b!.ref}: ${was?.access ?? 'not in the map'}${vs ? ` (${changeWords(vs)})` : ', the same'}` : '';
        const title = `${col.label} → ${t.tool}: ${c.access}${c.destructive ? ', destructive tool' : ''}${c.failOpenRisk ? ', fail-open risk' : ''}${changed ? `, changed since the last save (${changed})` : ''}${baseWords}`;
        const icon = base
          ? `<span class="was ${was?.access ?? 'absent'}">${was ? ICON[was.access] : '·'}</span><span class="arrow" aria-hidden="true">→</span><span class="now">${ICON[c.access]}</span>${vs ? `<span class="shift" aria-hidden="true">${vs.widening ? '▲' : '▼'}</span>` : ''}`
          : ICON[c.access];
        return `<td><button class="${cls}" data-key="${esc(key)}" data-access="${c.access}"${base ? ` data-base-access="${was?.access ?? ''}"` : ''} title="${esc(title)}" aria-label="${esc(title)}">${icon}${c.failOpenRisk ? '<span class="flag" aria-hidden="true">!</span>' : ''}${changed ? '<span class="dot" aria-hidden="true">●</span>' : ''}</button></td>`;
      });
      return `<tr data-tool="${esc(t.tool)}"><th scope="row" class="tool${t.destructive ? ' destructive' : ''}"><span class="name">${esc(t.tool)}</span> <span class="server">${esc(t.server)}</span>${t.destructive ? ' <span class="danger" title="destructive tool">⚠</span>' : ''}</th>${cells.join('')}</tr>`;
    });
    out.push(`<div class="scroll"><table class="map" id="map"><thead><tr><th scope="col" class="corner">tool \\ agent</th>${head}</tr></thead><tbody>${body.join('')}</tbody></table></div>`);
  }
  out.push(
    `<p class="legend"><span class="always">✓ always</span> <span class="conditional">◐ conditional</span> <span class="never">✗ never</span> <span class="danger">⚠ destructive tool</span> <span class="flag">!</span> fail-open risk <span class="dot">●</span> changed since the last save${b ? ' · base → now: <span class="widening-text">▲ widening</span> ▼ narrowing' : ''} · click a cell for its condition and policies</p>`,
  );
  if (r.notes.length) out.push(`<ul class="notes muted">${r.notes.map((n) => `<li>${rich(n)}</li>`).join('')}</ul>`);
  return out.join('');
}

function policyItem(p: PolicyLocation, effect: 'permit' | 'forbid'): string {
  return `<li><span class="effect ${effect}">${effect}</span> <a href="#" class="policy" data-uri="${esc(p.uri)}" data-range="${esc(JSON.stringify(p.range))}">${esc(p.id)}</a> <span class="where">${esc(fileOf(p.uri))}:${p.range.start.line + 1}</span></li>`;
}

/** The call the "Simulate" button starts from: the tool's sample arguments and the manifest's sample session. */
export function sampleCall(target: SimulationTarget | undefined, tool: string): { args: unknown; context: unknown } {
  const t = target?.tools.find((x) => x.name === tool);
  return { args: t?.exampleArgs ?? {}, context: target?.exampleContext ?? {} };
}

function renderDetails(m: AccessViewModel): string {
  if (m.state.kind !== 'map' || !m.selected) return '';
  const c = m.state.result.cells.find((x) => cellKey(x) === m.selected);
  if (!c) return '';
  const key = cellKey(c);
  const who = c.via ? `${c.via} → ${c.agent}` : c.agent;
  const out: string[] = [];
  out.push(`<h2><span class="icon ${c.access}">${ICON[c.access]}</span> ${esc(who)} calls ${esc(c.tool)} <span class="access ${c.access}" id="detail-access">${c.access}</span></h2>`);
  out.push(`<p class="muted">server ${esc(c.server)}${c.destructive ? ' · <span class="danger">⚠ destructive tool</span>' : ''}${c.via ? ` · delegated: ${esc(c.via)} hands the task over to ${esc(c.agent)}, and both must be allowed` : ''}</p>`);
  if (c.failOpenRisk) {
    out.push('<div class="warning" role="alert" id="detail-fail-open"><b>⚠ Fail-open risk.</b> A forbid that takes part can error; Cedar then skips it, and the call may be allowed although the guardrail was meant to block it.</div>');
  }
  if (c.access === 'conditional') out.push(`<h3>Allowed only when</h3><pre class="condition" id="detail-condition">${esc(c.condition ?? '')}</pre>`);
  else if (c.access === 'always') out.push('<p id="detail-condition" class="always">Allowed for every call: whatever the arguments and the session, the permits apply and no forbid can.</p>');
  else out.push(`<p id="detail-condition" class="never">No call can be allowed${c.reason ? `: ${rich(c.reason)}` : '.'}</p>`);
  if (c.redacted) out.push('<p class="muted">Sensitive literals are shown as "[redacted]".</p>');
  const changed = m.changed.get(key);
  if (changed) out.push(`<p class="changed-note" id="detail-changed">● Changed since the last save: ${esc(changed)}.</p>`);
  // Beside the condition: the cell at the base; then the calls that go either way; then the policies.
  const b = shownBase(m);
  if (b) out.push(baseDetails(b, c));
  if (c.access === 'conditional') out.push(proposedCalls(m, key));
  out.push(`<h3>Policies</h3>${c.permits.length || c.forbids.length ? `<ul class="policies">${[...c.permits.map((p) => policyItem(p, 'permit')), ...c.forbids.map((p) => policyItem(p, 'forbid'))].join('')}</ul>` : '<p class="muted">No policy applies to this agent and tool: Cedar denies by default.</p>'}`);
  const call = sampleCall(m.target, c.tool);
  out.push(
    `<h3>${c.access === 'conditional' ? 'Simulate another call' : 'Simulate'}</h3><p class="muted">A sample call from the tool's schema; it may or may not satisfy the condition. Edit it, then simulate.</p><textarea id="call" data-key="${esc(key)}" rows="6" spellcheck="false" aria-label="The call to simulate: args and context, as JSON">${esc(JSON.stringify(call, null, 2))}</textarea><div class="actions"><button id="simulate" data-key="${esc(key)}">Simulate</button> <span id="call-error" class="error" role="alert"></span></div>`,
  );
  return `<section class="details" data-key="${esc(key)}">${out.join('')}</section>`;
}

/** The cell at the base: its access, condition and policies (in the base's files: not links), and how it changed. */
function baseDetails(b: AccessBase, c: AccessCellInfo): string {
  const key = cellKey(c);
  const was = b.cells.find((x) => cellKey(x) === key);
  const vs = b.changes.find((x) => cellKey(x) === key);
  const name = esc(b.label ?? b.ref);
  const out: string[] = [`<h3>At ${name} <span class="access ${was?.access ?? 'never'}" id="detail-base-access">${was?.access ?? 'not in the map'}</span></h3>`];
  if (vs) out.push(`<p class="${vs.widening ? 'widening-note' : 'narrowing-note'}" id="detail-base-change">${vs.widening ? '▲' : '▼'} ${esc(changeWords(vs))}.</p>`);
  else out.push(`<p class="muted" id="detail-base-change">The same at ${name}.</p>`);
  if (was?.access === 'conditional') out.push(`<pre class="condition base" id="detail-base-condition">${esc(was.condition ?? '')}</pre>`);
  else if (was) out.push(`<p class="muted" id="detail-base-condition">${was.access === 'always' ? 'Allowed for every call.' : `No call could be allowed${was.reason ? `: ${rich(was.reason)}` : '.'}`}</p>`);
  const refs = was ? [...was.permits.map((p) => basePolicyItem(p, 'permit')), ...was.forbids.map((p) => basePolicyItem(p, 'forbid'))] : [];
  const ids = (x: { permits: { id: string }[]; forbids: { id: string }[] }) => JSON.stringify([x.permits.map((p) => p.id).sort(), x.forbids.map((p) => p.id).sort()]);
  const where = (p: DiffPolicyRef) => `${p.id} (${p.file}${p.range ? `:${p.range.start.line + 1}` : ''})`;
  if (was && refs.length && ids(was) === ids(c)) out.push(`<p class="muted" id="base-policies" title="At ${name}: ${esc([...was.permits, ...was.forbids].map(where).join(', '))}">The same policies take part at ${name}.</p>`);
  else if (refs.length) out.push(`<p class="muted">Policies at ${name}:</p><ul class="policies" id="base-policies">${refs.join('')}</ul>`);
  return out.join('');
}

function basePolicyItem(p: DiffPolicyRef, effect: 'permit' | 'forbid'): string {
  return `<li><span class="effect ${effect}">${effect}</span> <code>${esc(p.id)}</code> <span class="where">${esc(p.file)}${p.range ? `:${p.range.start.line + 1}` : ''} at the base</span></li>`;
}

/** The server's allowed and denied calls for a conditional cell, each with its "Simulate" button. */
function proposedCalls(m: AccessViewModel, key: string): string {
  const out = ['<h3>Simulate</h3>'];
  const r = m.calls?.key === key ? m.calls.result : undefined;
  if (!r) out.push('<p class="muted" id="proposed-state">Finding a call that is allowed and one that is denied…</p>');
  else if (r.error) out.push(`<p class="error" id="proposed-state">${rich(r.error)}</p>`);
  else {
    const one = (p: ProposedCallInfo | undefined, id: string, which: 'satisfying' | 'failing', label: string) =>
      p
        ? `<div class="proposed ${p.decision}"><div class="actions"><button id="${id}" data-key="${esc(key)}" data-which="${which}">${label}</button> <span class="muted why">${esc(p.why)}</span></div><pre class="call" id="${id}-call">args: ${esc(JSON.stringify(p.args))}\ncontext: ${esc(JSON.stringify(p.context))}</pre></div>`
        : '';
    out.push(one(r.satisfying, 'simulate-allow', 'satisfying', '✓ Simulate a call that is allowed'));
    out.push(one(r.failing, 'simulate-deny', 'failing', '✗ Simulate a call that is denied'));
    if (r.notes.length) out.push(`<ul class="notes muted" id="proposed-notes">${r.notes.map((n) => `<li>${rich(n)}</li>`).join('')}</ul>`);
  }
  return out.join('');
}

export function renderParts(m: AccessViewModel): RenderedParts {
  return { controls: renderControls(m), grid: renderGrid(m), details: renderDetails(m) };
}

export const ACCESS_CSS = `
  body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); padding: 0 12px; margin: 0; line-height: 1.4; }
  #layout { display: flex; flex-wrap: wrap; gap: 16px; align-items: stretch; }
  #grid { flex: 1 1 420px; min-width: 0; }
  #details { flex: 0 1 520px; min-width: 260px; border-left: 1px solid var(--vscode-panel-border, #444); padding-left: 14px; }
  #details:empty { display: none; }
  .controls { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin: 4px 0 6px; }
  select { background: var(--vscode-dropdown-background); color: var(--vscode-dropdown-foreground); border: 1px solid var(--vscode-dropdown-border, transparent); padding: 1px 4px; font: inherit; }
  input[type=checkbox] { accent-color: var(--vscode-checkbox-background); vertical-align: middle; }
  .summary { margin: 4px 0 6px; }
  #updating { visibility: hidden; }
  body.busy #updating { visibility: visible; }
  .scroll { overflow: auto; max-height: 80vh; }
  table.map { border-collapse: collapse; }
  table.map th, table.map td { border: 1px solid var(--vscode-panel-border, #444); padding: 0; }
  table.map thead th { position: sticky; top: 0; z-index: 1; background: var(--vscode-panel-background, var(--vscode-editor-background)); font-weight: 600; padding: 3px 10px; white-space: nowrap; }
  table.map th.delegation { font-weight: normal; font-style: italic; }
  table.map th.tool { text-align: left; font-weight: normal; padding: 2px 8px; white-space: nowrap; }
  th.tool .name { font-family: var(--vscode-editor-font-family); }
  th.tool .server, .muted, .where { color: var(--vscode-descriptionForeground); }
  th.tool.destructive .name { font-weight: 600; }
  button.cell { width: 100%; min-width: 44px; height: 24px; border: none; background: transparent; color: inherit; font: inherit; font-size: 1.05em; cursor: pointer; position: relative; }
  button.cell:hover { background: var(--vscode-list-hoverBackground); }
  button.cell:focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
  button.cell.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
  button.cell.destructive.always { background: var(--vscode-inputValidation-errorBackground, rgba(255,0,0,.15)); }
  .always, button.cell.always { color: var(--vscode-charts-green, #388a34); }
  .conditional, button.cell.conditional { color: var(--vscode-charts-orange, #d18616); }
  .never, button.cell.never { color: var(--vscode-disabledForeground, #888); }
  button.cell.selected.always, button.cell.selected.conditional, button.cell.selected.never { color: var(--vscode-list-activeSelectionForeground); }
  .danger { color: var(--vscode-errorForeground, #f85149); }
  .flag { color: var(--vscode-editorWarning-foreground, #cca700); font-weight: 700; font-size: 0.8em; vertical-align: super; }
  .dot { color: var(--vscode-gitDecoration-modifiedResourceForeground, #e2c08d); font-size: 0.6em; vertical-align: super; }
  td.missing { text-align: center; color: var(--vscode-disabledForeground); }
  .legend { color: var(--vscode-descriptionForeground); font-size: 0.92em; margin: 8px 0; }
  .legend span { margin-right: 6px; }
  .empty { padding: 12px 0; }
  .empty .reason { font-size: 1.05em; }
  .warning { border: 1px solid var(--vscode-inputValidation-warningBorder, #b89500); background: var(--vscode-inputValidation-warningBackground, #352a05); padding: 6px 10px; border-radius: 4px; margin: 8px 0; }
  .details h2 { font-size: 1.1em; margin: 6px 0 2px; }
  .details h3 { font-size: 1em; margin: 12px 0 4px; border-bottom: 1px solid var(--vscode-panel-border, #444); padding-bottom: 2px; }
  .access { font-size: 0.85em; font-weight: normal; padding: 0 6px; border: 1px solid currentColor; border-radius: 3px; margin-left: 6px; }
  pre.condition { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-textCodeBlock-background); padding: 6px 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-word; margin: 0; }
  ul { margin: 4px 0; padding-left: 20px; }
  a.policy { color: var(--vscode-textLink-foreground); font-family: var(--vscode-editor-font-family); text-decoration: none; }
  a.policy:hover { text-decoration: underline; }
  .effect { display: inline-block; min-width: 46px; font-size: 0.85em; padding: 0 5px; border-radius: 3px; text-align: center; border: 1px solid currentColor; }
  .effect.permit { color: var(--vscode-charts-green, #388a34); }
  .effect.forbid { color: var(--vscode-errorForeground, #f85149); }
  .changed-note { color: var(--vscode-gitDecoration-modifiedResourceForeground, #e2c08d); }
  code { font-family: var(--vscode-editor-font-family); background: var(--vscode-textCodeBlock-background); padding: 0 3px; border-radius: 3px; }
  textarea { width: 100%; box-sizing: border-box; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-input-background); color: var(--vscode-input-foreground); border: 1px solid var(--vscode-input-border, var(--vscode-panel-border, #444)); padding: 4px 6px; resize: vertical; }
  .actions { margin-top: 6px; }
  .actions button { background: var(--vscode-button-background); color: var(--vscode-button-foreground); border: none; padding: 4px 14px; border-radius: 2px; cursor: pointer; font: inherit; }
  .actions button:hover { background: var(--vscode-button-hoverBackground); }
  .error { color: var(--vscode-errorForeground); }
  .compare { display: inline-flex; gap: 6px; align-items: center; flex-wrap: wrap; }
  button.secondary { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 2px 10px; border-radius: 2px; cursor: pointer; font: inherit; }
  button.secondary:hover { background: var(--vscode-button-secondaryHoverBackground); }
  .base-summary { margin: 2px 0 6px; }
  button.cell.compared { min-width: 64px; white-space: nowrap; }
  button.cell .was { opacity: 0.75; }
  button.cell .was.always { color: var(--vscode-charts-green, #388a34); }
  button.cell .was.conditional { color: var(--vscode-charts-orange, #d18616); }
  button.cell .was.never, button.cell .was.absent { color: var(--vscode-disabledForeground, #888); }
  button.cell .arrow { color: var(--vscode-descriptionForeground); font-size: 0.8em; margin: 0 2px; }
  button.cell.compared:not(.differs) .was, button.cell.compared:not(.differs) .arrow { opacity: 0.45; }
  button.cell.differs { outline: 1px dashed var(--vscode-gitDecoration-modifiedResourceForeground, #e2c08d); outline-offset: -3px; }
  button.cell.widening { background: var(--vscode-inputValidation-warningBackground, rgba(255,200,0,.18)); outline: 1px solid var(--vscode-editorWarning-foreground, #cca700); }
  button.cell.narrowing { outline-color: var(--vscode-descriptionForeground); }
  button.cell.selected.compared { background: var(--vscode-list-activeSelectionBackground); outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
  button.cell.selected.widening { outline-color: var(--vscode-editorWarning-foreground, #cca700); }
  button.cell.selected .was, button.cell.selected .arrow, button.cell.selected .shift { color: var(--vscode-list-activeSelectionForeground); opacity: 0.8; }
  .shift { font-size: 0.65em; vertical-align: super; margin-left: 1px; }
  button.cell.widening .shift, .widening-text, .widening-note { color: var(--vscode-editorWarning-foreground, #cca700); font-weight: 600; }
  .narrowing-note { color: var(--vscode-descriptionForeground); }
  pre.condition.base { opacity: 0.9; border-left: 3px solid var(--vscode-descriptionForeground); }
  .proposed { margin: 6px 0 10px; }
  .proposed .actions { margin: 0 0 4px; }
  pre.call { font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); background: var(--vscode-textCodeBlock-background); padding: 4px 8px; border-radius: 4px; margin: 0; white-space: pre-wrap; word-break: break-all; max-height: 9em; overflow: auto; }
  /* Wide (the panel): the grid and the details side by side, each scrolling on its own, so that a click in one never
     scrolls the other away. Narrow (a side bar): one below the other, the page scrolls. */
  @media (min-width: 700px) {
    body { height: 100vh; display: flex; flex-direction: column; overflow: hidden; }
    #layout { flex: 1; min-height: 0; flex-wrap: nowrap; }
    #grid, #details { height: 100%; overflow: auto; box-sizing: border-box; padding-bottom: 12px; }
    .scroll { overflow: visible; max-height: none; }
  }
`;

/**
 * The webview's script: swaps in the parts the extension posts (only those that changed, keeping the focus and an
 * edited call), and posts back clicks and filter changes. No logic of its own.
 */
export const ACCESS_SCRIPT = `
  const vscode = acquireVsCodeApi();
  const parts = { controls: document.getElementById('controls'), grid: document.getElementById('grid'), details: document.getElementById('details') };
  const shown = {};
  window.addEventListener('message', (event) => {
    const m = event.data;
    if (!m || m.type !== 'render') return;
    const active = document.activeElement;
    const focusKey = !active || active === document.body ? '' : active.id ? '#' + CSS.escape(active.id) : active.classList.contains('cell') ? 'button.cell[data-key="' + CSS.escape(active.dataset.key) + '"]' : '';
    const call = document.getElementById('call');
    const edited = call && call.dataset.edited === 'true' ? { key: call.dataset.key, value: call.value } : undefined;
    for (const name of ['controls', 'grid', 'details']) {
      if (typeof m[name] !== 'string' || shown[name] === m[name]) continue;
      parts[name].innerHTML = m[name];
      shown[name] = m[name];
    }
    const again = document.getElementById('call');
    if (edited && again && again.dataset.key === edited.key && again.value !== edited.value) { again.value = edited.value; again.dataset.edited = 'true'; }
    if (focusKey && document.activeElement !== active) { const f = document.querySelector(focusKey); if (f) f.focus(); }
    document.body.classList.toggle('busy', m.busy === true);
  });
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const link = target.closest('a.policy');
    if (link) { event.preventDefault(); vscode.postMessage({ type: 'openPolicy', uri: link.dataset.uri, range: JSON.parse(link.dataset.range) }); return; }
    const cell = target.closest('button.cell');
    if (cell) { vscode.postMessage({ type: 'select', key: cell.dataset.key }); return; }
    if (target.id === 'compare-with') { vscode.postMessage({ type: 'compareWith' }); return; }
    if (target.id === 'compare-clear') { vscode.postMessage({ type: 'clearBase' }); return; }
    const proposed = target.closest('button[data-which]');
    if (proposed) { vscode.postMessage({ type: 'simulateProposed', key: proposed.dataset.key, which: proposed.dataset.which }); return; }
    if (target.id === 'simulate') {
      const text = document.getElementById('call').value;
      const error = document.getElementById('call-error');
      let call;
      try { call = JSON.parse(text); } catch (e) { error.textContent = 'Not valid JSON: ' + e.message; return; }
      if (typeof call !== 'object' || call === null || Array.isArray(call)) { error.textContent = 'A JSON object: { "args": {…}, "context": {…} }'; return; }
      error.textContent = '';
      vscode.postMessage({ type: 'simulate', key: target.dataset.key, call });
    }
  });
  document.addEventListener('input', (event) => { if (event.target && event.target.id === 'call') event.target.dataset.edited = 'true'; });
  document.addEventListener('change', (event) => {
    const t = event.target;
    if (!t || !t.dataset) return;
    if (t.dataset.control === 'manifest') vscode.postMessage({ type: 'manifest', uri: t.value });
    else if (t.dataset.filter) vscode.postMessage({ type: 'filter', name: t.dataset.filter, value: t.type === 'checkbox' ? t.checked : t.value });
  });
  vscode.postMessage({ type: 'ready' });
`;

export const ACCESS_BODY = '<div id="controls"></div><div id="layout"><div id="grid"><p class="empty">Computing the access map…</p></div><div id="details"></div></div>';
