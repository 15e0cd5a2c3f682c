// The Agent Access view beside the map at a git ref, in a real VS Code. The git fixture (test/helpers/gitFixture.ts,
// checked out at its widening commit) lives outside the workspace: its manifest is opened as a loose file, so the
// server gives it a project of its own and the examples workspace stays as the other suites expect it. "Compare
// with…" (with a ref, as the picker would give it) shows base → current in every cell, the refund cell (limit 100 at
// `base`, 500 now) marked as widening, its base condition in the details; "changed vs base" cuts the grid; the two
// proposed calls simulate as allowed and denied; a bad ref says why; "Clear" goes back to the current map.
import * as vscode from 'vscode';
import type { AccessResult } from '../../../server/src/protocol';
import type { AccessViewSnapshot } from '../../../client/src/accessView';
import type { makeDiffRepo } from '../../helpers/gitFixture';
import { activateExtension, check, openDiffFixture, resetEditors, waitFor } from './helpers';

const keyOf = (c: { agent: string; via?: string; tool: string }) => JSON.stringify([c.via ?? '', c.agent, c.tool]);
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The cell buttons of the grid HTML in comparison mode: key, access now and at the base, classes. */
function comparedCells(html: string): { key: string; access: string; base: string; classes: string[] }[] {
  return [...html.matchAll(/<button class="cell ([^"]*)" data-key="([^"]*)" data-access="(\w+)" data-base-access="(\w*)"/g)].map((m) => ({ key: unescape(m[2]), access: m[3], base: m[4], classes: m[1].split(' ') }));
}

describe('the Agent Access view compared with a git ref', () => {
  let repo: ReturnType<typeof makeDiffRepo>;
  let manifest: vscode.Uri;
  const REFUND = { agent: 'refund-bot', tool: 'issue_refund' };

  before(async () => {
    ({ repo, manifest } = await openDiffFixture('widen'));
    await vscode.commands.executeCommand('agentPolicy.showAccess', manifest);
  });

  after(async () => {
    const api = await activateExtension();
    await api.accessViewMessage({ type: 'clearBase' });
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await resetEditors();
    repo?.cleanup();
  });

  async function viewShows(ok: (s: AccessViewSnapshot) => boolean, what: string): Promise<AccessViewSnapshot> {
    const api = await activateExtension();
    let seen: AccessViewSnapshot | undefined;
    return waitFor(() => {
      seen = api.accessView();
      return seen.visible && seen.state === 'map' && seen.manifestUri === manifest.toString() && ok(seen) && seen;
    }, { timeoutMs: 30_000, message: () => `the Agent Access view to show ${what}; it is ${seen ? `${seen.visible ? 'visible' : 'hidden'}, state ${seen.state}${seen.message ? ` (${seen.message})` : ''}, manifest ${seen.manifestUri}, base ${seen.baseRef} ${seen.base?.error ?? ''}` : 'not there'}` });
  }

  it('"Compare with…" base: every cell shows base → current as agentPolicy/access says; the refund cell widens from `<= 100` to `<= 500`', async () => {
    const api = await activateExtension();
    await viewShows(() => true, 'the fixture\'s map');
    await api.accessViewMessage({ type: 'compareWith', ref: 'base' });
    const snap = await viewShows((s) => s.base?.ref === 'base' && !s.base.error, 'the map compared with base');
    const direct = await api.client()!.sendRequest<AccessResult>('agentPolicy/access', { uri: manifest.toString(), baseRef: 'base' });
    check(direct.base && !direct.base.error, `agentPolicy/access with baseRef: ${direct.base?.error}`);
    const shown = comparedCells(snap.parts.grid);
    check(shown.length === direct.cells.length, `the grid has ${shown.length} compared cells, agentPolicy/access ${direct.cells.length}`);
    const problems: string[] = [];
    for (const c of direct.cells) {
      const b = shown.find((x) => x.key === keyOf(c));
      const was = direct.base.cells.find((x) => keyOf(x) === keyOf(c));
      const change = direct.base.changes.find((x) => keyOf(x) === keyOf(c));
      if (!b) problems.push(`${keyOf(c)}: no cell`);
      else {
        if (b.access !== c.access || b.base !== (was?.access ?? '')) problems.push(`${keyOf(c)}: the view shows ${b.base} → ${b.access}, the server ${was?.access} → ${c.access}`);
        if (b.classes.includes('differs') !== !!change) problems.push(`${keyOf(c)}: marked ${b.classes.includes('differs') ? '' : 'not '}as differing`);
        if (b.classes.includes('widening') !== !!change?.widening) problems.push(`${keyOf(c)}: widening mark ${b.classes.includes('widening')}, the server ${change?.widening}`);
      }
    }
    check(problems.length === 0, `the compared grid against agentPolicy/access:\n  ${problems.join('\n  ')}`);
    const refund = shown.find((x) => x.key === keyOf(REFUND));
    check(refund?.classes.includes('widening'), `the refund cell is not marked as widening: ${JSON.stringify(refund)}`);
    check(/id="base-label"[^>]*>vs <b>base \([0-9a-f]{12}\)<\/b>/.test(snap.parts.controls), `the controls do not name the base: ${snap.parts.controls}`);

    // The details of the refund cell: the condition now and at the base.
    await api.accessViewMessage({ type: 'select', key: keyOf(REFUND) });
    const d = api.accessView().parts.details;
    const now = /<pre class="condition" id="detail-condition">([^<]*)<\/pre>/.exec(d)?.[1];
    const then = /<pre class="condition base" id="detail-base-condition">([^<]*)<\/pre>/.exec(d)?.[1];
    check(now && /context\.input\.amount <= 500\b/.test(unescape(now)), `the current condition in the details: ${now}`);
    check(then && /context\.input\.amount <= 100\b/.test(unescape(then)), `the base condition in the details: ${then}`);
    check(/id="detail-base-change">▲ widening/.test(d), `the details do not say that the cell widens: ${/id="detail-base-change">[^<]*/.exec(d)?.[0]}`);
  });

  it('"Changed vs base" keeps the rows that differ; the proposed calls simulate as allowed and denied', async () => {
    const api = await activateExtension();
    const snap = await viewShows((s) => s.base?.ref === 'base' && !s.base.error, 'the map compared with base');
    const differing = new Set(snap.base!.changes.map((c) => c.tool));
    try {
      await api.accessViewMessage({ type: 'filter', name: 'changedVsBase', value: true });
      const rows = [...api.accessView().parts.grid.matchAll(/<tr data-tool="([^"]*)">/g)].map((m) => unescape(m[1]));
      check(rows.length > 0 && rows.every((t) => differing.has(t)) && [...differing].every((t) => rows.includes(t)), `changed vs base: rows ${rows.join(', ')}, the server's changes are in ${[...differing].join(', ')}`);
    } finally {
      await api.accessViewMessage({ type: 'filter', name: 'changedVsBase', value: false });
    }
    if (api.accessView().selected !== keyOf(REFUND)) await api.accessViewMessage({ type: 'select', key: keyOf(REFUND) });
    const withCalls = await viewShows((s) => !!s.calls?.result, 'the proposed calls of the refund cell');
    const calls = withCalls.calls!.result!;
    check(calls.satisfying && calls.failing, `the server proposed ${JSON.stringify(calls)}`);
    check(withCalls.parts.details.includes('id="simulate-allow"') && withCalls.parts.details.includes('id="simulate-deny"'), 'the details have no "Simulate" buttons for the proposed calls');
    for (const [which, want] of [['satisfying', 'allow'], ['failing', 'deny']] as const) {
      const call = calls[which]!;
      await api.accessViewMessage({ type: 'simulateProposed', key: keyOf(REFUND), which });
      const shown = await waitFor(() => {
        const s = api.shownSimulation();
        return s?.agent === REFUND.agent && s.tool === REFUND.tool && JSON.stringify(s.args) === JSON.stringify(call.args) && JSON.stringify(s.context) === JSON.stringify(call.context) && s;
      }, { message: () => `the result panel to show the ${which} call ${JSON.stringify(call)} (it shows ${JSON.stringify(api.shownSimulation()?.args)})` });
      check(shown.decision === want, `the ${which} call is simulated as ${shown.decision}`);
    }
  });

  it('a ref that names nothing says why; "Clear" goes back to the current map alone', async () => {
    const api = await activateExtension();
    await api.accessViewMessage({ type: 'compareWith', ref: 'no-such-ref' });
    const bad = await viewShows((s) => s.base?.ref === 'no-such-ref', 'the error of a bad ref');
    check(/`no-such-ref` does not name a commit/.test(bad.base?.error ?? '') && bad.parts.controls.includes('id="base-error"'), `the view says ${bad.base?.error}; controls: ${bad.parts.controls}`);
    check(!bad.parts.grid.includes('class="was '), 'the grid shows a base although there is none');
    await api.accessViewMessage({ type: 'clearBase' });
    const plain = await viewShows((s) => !s.baseRef && !s.base, 'the map without a base');
    check(!plain.parts.grid.includes('data-base-access') && !plain.parts.controls.includes('compare-clear'), 'the base is still drawn after "Clear"');
  });
});
