// "Agent Policy: Compare Policies with…" in a real VS Code. The git fixture (test/helpers/gitFixture.ts, checked out
// at its widening commit) lives outside the workspace: its manifest is opened as a loose file, so the server gives it a
// project of its own and the examples workspace stays as the other suites expect it. The command with a ref shows the
// panel the server's agentPolicy/diff describes (asked here directly too); a policy link opens the policy, "Simulate"
// simulates the call; the picker offers HEAD first; a bad ref and a folder outside git show their error.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffResponse } from '../../../server/src/protocol';
import type { CompareSnapshot } from '../../../client/src/comparePanel';
import type { makeDiffRepo } from '../../helpers/gitFixture';
import { activateExtension, check, exampleUri, openDiffFixture, resetEditors, waitFor } from './helpers';

const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The policy links of the panel's HTML. */
function links(html: string): { id: string; uri: string; range: { start: { line: number; character: number }; end: { line: number; character: number } } }[] {
  return [...html.matchAll(/<a href="#" class="policy" data-uri="([^"]*)" data-range="([^"]*)">([^<]*)<\/a>/g)].map((m) => ({ uri: unescape(m[1]), range: JSON.parse(unescape(m[2])), id: unescape(m[3]) }));
}

describe('Compare Policies with… (agentPolicy.comparePolicies)', () => {
  let repo: ReturnType<typeof makeDiffRepo>;
  let manifest: vscode.Uri;

  before(async () => {
    ({ repo, manifest } = await openDiffFixture('widen'));
  });

  after(async () => {
    await resetEditors();
    repo?.cleanup();
  });

  async function panelShows(ok: (s: CompareSnapshot) => boolean, what: string): Promise<CompareSnapshot> {
    const api = await activateExtension();
    let seen: CompareSnapshot | undefined;
    return waitFor(() => {
      seen = api.comparison();
      return ok(seen) && seen;
    }, { timeoutMs: 30_000, message: () => `the comparison panel to show ${what}; it is in state ${seen?.state}${seen?.message ? ` (${seen.message})` : ''}, ref ${seen?.ref}` });
  }

  it('with a ref, opens the panel on what agentPolicy/diff reports: the summary, the widening calls by agent, the changed policy as a link', async () => {
    const api = await activateExtension();
    const direct = await api.client()!.sendRequest<DiffResponse>('agentPolicy/diff', { manifestUri: manifest.toString(), ref: 'base' });
    check(direct.summary.widening > 0, `agentPolicy/diff finds no widening on the fixture: ${JSON.stringify(direct.summary)}`);
    const returned = (await vscode.commands.executeCommand('agentPolicy.comparePolicies', { ref: 'base', manifestUri: manifest.toString() })) as DiffResponse | undefined;
    check(returned && !returned.error, `the command returned ${JSON.stringify(returned?.error)}`);
    const snap = await panelShows((s) => s.state === 'result' && s.ref === 'base', 'the comparison with base');
    const html = snap.html ?? '';
    check(/<p class="summary widening" id="summary">▲ <b>\d+ widening<\/b>, 0 narrowing/.test(html), `the panel's summary line: ${/<p class="summary[^]*?<\/p>/.exec(html)?.[0]}`);
    check(html.indexOf('id="widening"') >= 0 && html.indexOf('id="narrowing"') < 0, 'the panel has no widening section, or a narrowing one the fixture does not have');
    check(html.includes('<section class="agent" data-agent="refund-bot">'), 'no group for the agent refund-bot');
    const calls = [...html.matchAll(/<li class="call (widening|narrowing)" data-index="(\d+)">/g)];
    check(calls.length === direct.calls.length, `the panel shows ${calls.length} calls, agentPolicy/diff reports ${direct.calls.length}`);
    check(html.includes('<span class="source">scenario:</span> <span class="label">a 300 refund needs a person</span>'), 'the scenario that flips is not named with its call');
    const policy = links(html).find((l) => l.id === 'refund-limit');
    check(policy && policy.uri === vscode.Uri.file(path.join(repo.dir, 'policies', 'refunds.cedar')).toString(), `no link to refund-limit in policies/refunds.cedar: ${JSON.stringify(links(html))}`);
  });

  it('a policy link opens the policy at its place; "Simulate" simulates that call against the current policies', async () => {
    const api = await activateExtension();
    const snap = await panelShows((s) => s.state === 'result', 'a comparison');
    const link = links(snap.html ?? '').find((l) => l.id === 'refund-limit');
    check(link, 'no link to refund-limit');
    await api.compareMessage({ type: 'openPolicy', uri: link.uri, range: link.range });
    const editor = await waitFor(() => {
      const e = vscode.window.activeTextEditor;
      return e?.document.uri.toString() === link.uri && e;
    }, { message: () => `the policy to open; the active editor is ${vscode.window.activeTextEditor?.document.uri.toString()}` });
    check(editor.document.lineAt(editor.selection.active.line).text === '@id("refund-limit")', `the cursor is on line ${editor.selection.active.line + 1}: ${editor.document.lineAt(editor.selection.active.line).text}`);

    const index = snap.result!.calls.findIndex((c) => c.widening && c.source === 'boundary');
    check(index >= 0, 'no widening boundary call');
    const call = snap.result!.calls[index]!;
    await api.compareMessage({ type: 'simulate', index });
    const shown = await waitFor(() => {
      const s = api.shownSimulation();
      return s && s.agent === call.agent && s.tool === call.tool && JSON.stringify(s.args) === JSON.stringify(call.args) && s;
    }, { message: () => `the simulation panel to show ${call.agent} × ${call.tool} ${JSON.stringify(call.args)}; it shows ${JSON.stringify(api.shownSimulation()?.args)}` });
    check(shown.decision === call.to, `the call simulates to ${shown.decision}, the comparison says ${call.to} now`);
    check(shown.determining.some((d) => d.id === 'refund-limit'), `decided by ${shown.determining.map((d) => d.id).join(', ')}`);
  });

  it('without a ref, asks with a picker whose first item is HEAD', async () => {
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(manifest), { preview: false });
    const running = vscode.commands.executeCommand('agentPolicy.comparePolicies') as Thenable<DiffResponse | undefined>;
    let settled = false;
    const done = Promise.resolve(running).finally(() => (settled = true));
    // Enter in the picker (once it is there): the first item.
    await waitFor(async () => {
      if (!settled) await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      return settled;
    }, { timeoutMs: 20_000, message: () => 'the picker to show and accept its first item' });
    const r = await done;
    check(r && !r.error && /^HEAD \([0-9a-f]{12}\)$/.test(r.base ?? ''), `compared with ${r?.base ?? r?.error}`);
    check(r.summary.changes === 0, `HEAD is the checked-out commit, yet ${r.summary.changes} changes`);
    const snap = await panelShows((s) => s.state === 'result' && s.ref === 'HEAD', 'the comparison with HEAD');
    check(snap.html?.includes('No change in what any agent can do'), 'the panel does not say that nothing changed');
  });

  it('a ref that names nothing, and a workspace that is not a git repository, show their error in the panel', async () => {
    await vscode.commands.executeCommand('agentPolicy.comparePolicies', { ref: 'no-such-ref', manifestUri: manifest.toString() });
    let snap = await panelShows((s) => s.state === 'error' && s.ref === 'no-such-ref', 'the error for no-such-ref');
    check(/`no-such-ref` does not name a commit/.test(snap.message ?? ''), `the message: ${snap.message}`);
    check(snap.html?.includes('role="alert"'), 'the error is not shown as an alert');
    // The examples workspace is a copy outside any repository.
    await vscode.commands.executeCommand('agentPolicy.comparePolicies', { ref: 'HEAD', manifestUri: exampleUri('acme.agents.yaml').toString() });
    snap = await panelShows((s) => s.state === 'error' && s.ref === 'HEAD', 'the error for a folder outside git');
    check(/is not inside a git repository/.test(snap.message ?? ''), `the message: ${snap.message}`);
  });
});
