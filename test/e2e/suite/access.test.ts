// The "Agent Access" view in a real VS Code: "Agent Policy: Show Agent Access" opens it on the examples, its grid has
// one cell per cell of agentPolicy/access (asked of the server here, directly), a cell's details give its condition
// and its policies at their ranges, "Simulate" opens the result panel, the filters cut the grid, and it follows an
// unsaved edit (the changed cell marked), a broken manifest (the server's reason) and a server restart.
import * as vscode from 'vscode';
import type { AccessCellInfo, AccessResult } from '../../../server/src/protocol';
import type { AccessViewSnapshot } from '../../../client/src/accessView';
import { activateExtension, check, openExample, readMistakesTable, relPath, replace, startEachTestFromDocumentedState, waitFor } from './helpers';

const MANIFEST = 'acme.agents.yaml';

const keyOf = (c: { agent: string; via?: string; tool: string }) => JSON.stringify([c.via ?? '', c.agent, c.tool]);
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The cell buttons of the view's grid HTML: key, access and classes. */
function gridCells(html: string): { key: string; access: string; classes: string[] }[] {
  return [...html.matchAll(/<button class="cell ([^"]*)" data-key="([^"]*)" data-access="(\w+)"/g)].map((m) => ({ key: unescape(m[2]), access: m[3], classes: m[1].split(' ') }));
}

/** The tools (rows) of the grid HTML, in order. */
const gridRows = (html: string) => [...html.matchAll(/<tr data-tool="([^"]*)">/g)].map((m) => unescape(m[1]));

/** The policy links of the details HTML. */
function detailLinks(html: string): { id: string; uri: string; range: vscode.Range }[] {
  return [...html.matchAll(/<a href="#" class="policy" data-uri="([^"]*)" data-range="([^"]*)">([^<]*)<\/a>/g)].map((m) => {
    const r = JSON.parse(unescape(m[2])) as { start: { line: number; character: number }; end: { line: number; character: number } };
    return { id: unescape(m[3]), uri: unescape(m[1]), range: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) };
  });
}

describe('the Agent Access view', () => {
  const rows = readMistakesTable();
  startEachTestFromDocumentedState(rows);
  // The suites after this one start with the panel as they always had it: closed.
  after(() => vscode.commands.executeCommand('workbench.action.closePanel'));

  /** Asks the server for the map, as the view does. */
  async function accessOf(uri: vscode.Uri): Promise<AccessResult> {
    const client = (await activateExtension()).client();
    check(client, 'no language client');
    return client.sendRequest<AccessResult>('agentPolicy/access', { uri: uri.toString() });
  }

  /** Waits until the view shows a map of `manifest` for which `ok` holds (after at least `after` answers). */
  async function viewShows(manifest: vscode.Uri, ok: (s: AccessViewSnapshot) => boolean = () => true, what = 'the map'): Promise<AccessViewSnapshot> {
    const api = await activateExtension();
    let seen: AccessViewSnapshot | undefined;
    return waitFor(() => {
      seen = api.accessView();
      return seen.visible && seen.state === 'map' && seen.manifestUri === manifest.toString() && ok(seen) && seen;
    }, { timeoutMs: 30_000, message: () => `the Agent Access view to show ${what} of ${relPath(manifest)}; it is ${seen ? `${seen.visible ? 'visible' : 'hidden'}, state ${seen.state}${seen.message ? ` (${seen.message})` : ''}, manifest ${seen.manifestUri}` : 'not there'}` });
  }

  async function openView(): Promise<{ manifest: vscode.Uri; snap: AccessViewSnapshot; direct: AccessResult }> {
    const manifest = (await openExample(MANIFEST)).document.uri;
    await vscode.commands.executeCommand('agentPolicy.showAccess');
    const snap = await viewShows(manifest);
    return { manifest, snap, direct: await accessOf(manifest) };
  }

  it('"Show Agent Access" opens the view; its grid has every cell of agentPolicy/access, with its access and marks', async () => {
    const { snap, direct } = await openView();
    check(!direct.error && direct.cells.length > 0, `agentPolicy/access on ${MANIFEST}: ${direct.error ?? 'no cells'}`);
    const shown = gridCells(snap.parts.grid);
    check(shown.length === direct.cells.length, `the grid has ${shown.length} cells, agentPolicy/access ${direct.cells.length}`);
    const problems: string[] = [];
    for (const c of direct.cells) {
      const b = shown.find((x) => x.key === keyOf(c));
      if (!b) problems.push(`${c.via ? `${c.via} → ` : ''}${c.agent} × ${c.tool}: no cell`);
      else {
        if (b.access !== c.access) problems.push(`${c.agent} × ${c.tool}: the view says ${b.access}, the server ${c.access}`);
        if (b.classes.includes('destructive') !== c.destructive) problems.push(`${c.agent} × ${c.tool}: destructive mark ${b.classes.includes('destructive')}, the server says ${c.destructive}`);
        if (b.classes.includes('fail-open') !== c.failOpenRisk) problems.push(`${c.agent} × ${c.tool}: fail-open mark ${b.classes.includes('fail-open')}, the server says ${c.failOpenRisk}`);
      }
    }
    check(problems.length === 0, `the view's grid against agentPolicy/access:\n  ${problems.join('\n  ')}`);
    check(JSON.stringify(gridRows(snap.parts.grid)) === JSON.stringify(direct.tools.map((t) => t.tool)), `the grid's rows ${JSON.stringify(gridRows(snap.parts.grid))}, the manifest's tools ${JSON.stringify(direct.tools.map((t) => t.tool))}`);
    for (const a of direct.agents) check(snap.parts.grid.includes(`>${a.id}</th>`), `no column for the agent ${a.id}`);
    for (const t of direct.tools.filter((x) => x.destructive)) check(new RegExp(`>${t.tool.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</span> <span class="server">[^<]*</span> <span class="danger"`).test(snap.parts.grid), `the destructive tool ${t.tool} is not marked`);
    check(direct.cells.some((c) => c.failOpenRisk), `no cell of ${MANIFEST} has a fail-open risk: the examples changed?`);
  });

  it('a cell shows its condition and its policies at their ranges; "Simulate" opens the result panel with that call', async () => {
    const api = await activateExtension();
    const { direct } = await openView();
    const cell = direct.cells.find((c) => c.access === 'conditional' && c.failOpenRisk && c.permits.length && c.forbids.length) ?? direct.cells.find((c) => c.access === 'conditional');
    check(cell, `no conditional cell in ${MANIFEST}`);
    await api.accessViewMessage({ type: 'select', key: keyOf(cell) });
    const d = api.accessView().parts.details;
    check(d.includes(`id="detail-access">${cell.access}<`), `the details do not say ${cell.access}:\n${d.slice(0, 400)}`);
    const condition = /<pre class="condition" id="detail-condition">([^<]*)<\/pre>/.exec(d)?.[1];
    check(condition !== undefined && unescape(condition) === cell.condition, `the details show the condition ${JSON.stringify(condition && unescape(condition))}, the server ${JSON.stringify(cell.condition)}`);
    check(d.includes('id="detail-fail-open"') === cell.failOpenRisk, `the fail-open warning is ${d.includes('id="detail-fail-open"') ? '' : 'not '}shown; the server says failOpenRisk ${cell.failOpenRisk}`);
    const links = detailLinks(d);
    const want = [...cell.permits, ...cell.forbids];
    check(JSON.stringify(links.map((l) => l.id)) === JSON.stringify(want.map((p) => p.id)), `the details link ${JSON.stringify(links.map((l) => l.id))}, the server names ${JSON.stringify(want.map((p) => p.id))}`);
    for (const p of want) {
      const l = links.find((x) => x.id === p.id)!;
      check(l.uri === p.uri && l.range.start.line === p.range.start.line && l.range.end.line === p.range.end.line, `the link to ${p.id} goes to ${l.uri} ${l.range.start.line}-${l.range.end.line}, the server says ${p.uri} ${p.range.start.line}-${p.range.end.line}`);
      const text = (await vscode.workspace.openTextDocument(vscode.Uri.parse(l.uri))).getText(l.range);
      check(text.startsWith(`@id("${p.id}")`) && /\b(permit|forbid)\s*\(/.test(text), `the link's range for ${p.id} covers:\n${text}`);
    }
    // The pre-filled call is what "Simulate" sends.
    const call = /<textarea id="call"[^>]*>([^<]*)<\/textarea>/.exec(d)?.[1];
    check(call, 'the details have no call to simulate');
    const parsed = JSON.parse(unescape(call)) as { args: unknown; context: unknown };
    check(typeof parsed.args === 'object' && typeof parsed.context === 'object', `the pre-filled call is ${unescape(call)}`);
    await api.accessViewMessage({ type: 'simulate', key: keyOf(cell), call: parsed });
    const shown = await waitFor(() => {
      const s = api.shownSimulation();
      return s?.agent === cell.agent && s.tool === cell.tool && s;
    }, { message: () => `the result panel to show ${cell.agent} calling ${cell.tool} (it shows ${api.shownSimulation()?.agent} → ${api.shownSimulation()?.tool})` });
    check(JSON.stringify(shown.args) === JSON.stringify(parsed.args) && JSON.stringify(shown.context) === JSON.stringify(parsed.context), `the panel simulated ${JSON.stringify({ args: shown.args, context: shown.context })}, the view sent ${JSON.stringify(parsed)}`);
    // A click on the cell again closes its details.
    await api.accessViewMessage({ type: 'select', key: keyOf(cell) });
    check(api.accessView().parts.details === '', 'the details stay open after a second click on the cell');
  });

  it('filters by agent, server and destructive tools', async () => {
    const api = await activateExtension();
    const { direct } = await openView();
    const agent = direct.agents[0].id;
    const server = direct.tools[0].server;
    const set = (name: string, value: string | boolean) => api.accessViewMessage({ type: 'filter', name, value });
    try {
      await set('agent', agent);
      let cells = gridCells(api.accessView().parts.grid);
      const wantAgent = direct.cells.filter((c) => c.agent === agent || c.via === agent);
      check(cells.length === wantAgent.length && wantAgent.every((c) => cells.some((b) => b.key === keyOf(c))), `agent ${agent}: the grid has ${cells.length} cells, expected ${wantAgent.length} (its own and its delegations)`);
      await set('agent', '');
      await set('server', server);
      check(JSON.stringify(gridRows(api.accessView().parts.grid)) === JSON.stringify(direct.tools.filter((t) => t.server === server).map((t) => t.tool)), `server ${server}: rows ${JSON.stringify(gridRows(api.accessView().parts.grid))}`);
      await set('server', '');
      await set('destructiveOnly', true);
      cells = gridCells(api.accessView().parts.grid);
      check(cells.length === direct.cells.filter((c) => c.destructive).length && cells.every((b) => b.classes.includes('destructive')), `destructive only: ${cells.length} cells, expected ${direct.cells.filter((c) => c.destructive).length}, all destructive`);
    } finally {
      await set('agent', '');
      await set('server', '');
      await set('destructiveOnly', false);
    }
  });

  it('follows an unsaved edit of a policy, the changed cell marked, and the saved state again after a revert', async () => {
    const api = await activateExtension();
    const { manifest, direct } = await openView();
    // A never cell that no policy takes part in: a permit for exactly that agent and tool makes it "always".
    const cell: AccessCellInfo | undefined = direct.cells.find((c) => !c.via && c.access === 'never' && !c.permits.length && !c.forbids.length && !c.destructive);
    check(cell, `${MANIFEST} has no never cell without policies`);
    const policyFile = [...direct.cells].flatMap((c) => c.permits)[0]?.uri;
    check(policyFile && direct.namespace, 'agentPolicy/access names no policy file or namespace');
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(policyFile));
    await vscode.window.showTextDocument(doc, { preview: false });
    const end = doc.positionAt(doc.getText().length);
    const id = 'e2e-access-view-grant';
    await replace(doc, new vscode.Range(end, end), `\n@id("${id}")\npermit (principal == ${direct.namespace}::Agent::"${cell.agent}", action == ${direct.namespace}::Action::"${cell.tool}", resource);\n`);
    const snap = await viewShows(manifest, (s) => s.result?.cells.find((c) => keyOf(c) === keyOf(cell))?.access === 'always', `${cell.agent} × ${cell.tool} as always (unsaved)`);
    check(snap.changed.includes(keyOf(cell)), `the view does not mark ${cell.agent} × ${cell.tool} as changed since the last save (changed: ${snap.changed.join(', ') || 'none'})`);
    const b = gridCells(snap.parts.grid).find((x) => x.key === keyOf(cell));
    check(b?.access === 'always' && b.classes.includes('changed'), `the grid shows ${cell.agent} × ${cell.tool} as ${JSON.stringify(b)}`);
    await api.accessViewMessage({ type: 'select', key: keyOf(cell) });
    check(api.accessView().parts.details.includes('was never'), 'the details do not say what the cell was');
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await viewShows(manifest, (s) => s.result?.cells.find((c) => keyOf(c) === keyOf(cell))?.access === 'never' && s.changed.length === 0, `${cell.agent} × ${cell.tool} as never again, nothing changed`);
  });

  it('says why there is no map when the manifest breaks, and shows the map again once it is restored', async () => {
    const api = await activateExtension();
    const { manifest } = await openView();
    const mdoc = (await openExample(MANIFEST)).document;
    try {
      await replace(mdoc, new vscode.Range(mdoc.positionAt(0), mdoc.positionAt(mdoc.getText().length)), 'agents: [\n');
      let seen: AccessViewSnapshot | undefined;
      await waitFor(() => (seen = api.accessView()).state === 'error' && seen, { timeoutMs: 30_000, message: () => `the view to say why there is no map (state ${seen?.state})` });
      const reason = (await accessOf(manifest)).error;
      check(reason && seen!.message === reason && seen!.parts.grid.includes('data-state="error"') && seen!.parts.grid.includes(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')),
        `the view says ${JSON.stringify(seen!.message)}, the server ${JSON.stringify(reason)}`);
    } finally {
      await vscode.window.showTextDocument(mdoc, { preview: false });
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await viewShows(manifest, (s) => (s.result?.cells.length ?? 0) > 0, 'the map again once the manifest is restored');
    }
  });

  it('shows the map again after "Restart Server"', async () => {
    const api = await activateExtension();
    const { manifest } = await openView();
    const before = api.accessView().updates;
    await vscode.commands.executeCommand('agentPolicy.restartServer');
    await viewShows(manifest, (s) => s.updates > before && (s.result?.cells.length ?? 0) > 0, 'the map again after the server restarted');
  });
});
