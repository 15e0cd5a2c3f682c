// Simulating tool calls in a real VS Code: the scenarios of the manifest carry code lenses ("▶ Simulate" and the
// result), a lens runs its scenario into the result panel, "Agent Policy: Simulate Tool Call" with a call skips the
// pickers, and "Save as scenario" appends the shown call to the manifest, which then gets a lens of its own.
import * as vscode from 'vscode';
import { EMAIL_CALL, EMAIL_FORBID, readScenarios, type ScenarioItem } from '../support/scenarios';
import {
  activateExtension,
  startEachTestFromDocumentedState, agentDiagnostics, check, codeOf, openExample, readMistakesTable, relPath, waitFor, waitForTableState,
} from './helpers';

const MANIFEST = 'acme.agents.yaml';
const SIMULATION_VIEW_TYPE = 'agentPolicy.simulation';


type Scenario = ScenarioItem;

/** The scenarios of a manifest, read from its YAML (not from the extension). */
function scenariosOf(doc: vscode.TextDocument): Scenario[] {
  return readScenarios(doc.getText(), relPath(doc.uri));
}

interface ScenarioLenses {
  simulate?: vscode.CodeLens;
  result?: vscode.CodeLens;
}

/** The extension's code lenses of a manifest, by line. */
async function lensesOf(uri: vscode.Uri): Promise<Map<number, vscode.CodeLens[]>> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  const byLine = new Map<number, vscode.CodeLens[]>();
  for (const l of lenses.filter((x) => x.command?.command === 'agentPolicy.simulateScenario')) {
    byLine.set(l.range.start.line, [...(byLine.get(l.range.start.line) ?? []), l]);
  }
  return byLine;
}

/** Waits until every scenario has its two lenses ("▶ Simulate" and the result) on its name line, and no other lens exists. */
async function waitForScenarioLenses(doc: vscode.TextDocument, scenarios: Scenario[]): Promise<Map<number, ScenarioLenses>> {
  let seen = '';
  return waitFor(async () => {
    const byLine = await lensesOf(doc.uri);
    seen = [...byLine].map(([line, ls]) => `  line ${line + 1}: ${ls.map((l) => `"${l.command!.title}"`).join(' | ')}`).join('\n') || '  (no lenses)';
    const total = [...byLine.values()].reduce((n, ls) => n + ls.length, 0);
    if (total !== 2 * scenarios.length) return undefined;
    const out = new Map<number, ScenarioLenses>();
    for (const s of scenarios) {
      const ls = byLine.get(s.line) ?? [];
      const simulate = ls.find((l) => l.command!.title === '▶ Simulate');
      const result = ls.find((l) => l !== simulate);
      if (ls.length !== 2 || !simulate || !result) return undefined;
      out.set(s.index, { simulate, result });
    }
    return out;
  }, { timeoutMs: 30_000, message: () => `two lenses ("▶ Simulate" and the result) on the name line of each of the ${scenarios.length} scenarios of ${relPath(doc.uri)}, and no other; it has:\n${seen}` });
}

/** The open result panels (webview tabs of the extension's simulation view). */
function simulationTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(SIMULATION_VIEW_TYPE));
}

const decisionTitle = (decision: 'allow' | 'deny', agent: string, tool: string) => `${decision === 'allow' ? '✓ allow' : '✗ deny'}: ${agent} → ${tool}`;

/** The policy links of the panel's HTML: `<a class="policy" data-uri data-range>id</a>`. */
function policyLinks(html: string): { id: string; uri: string; range: vscode.Range }[] {
  const out: { id: string; uri: string; range: vscode.Range }[] = [];
  const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  for (const m of html.matchAll(/<a href="#" class="policy" data-uri="([^"]*)" data-range="([^"]*)">([^<]*)<\/a>/g)) {
    const r = JSON.parse(unescape(m[2])) as { start: { line: number; character: number }; end: { line: number; character: number } };
    out.push({ id: unescape(m[3]), uri: unescape(m[1]), range: new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character) });
  }
  return out;
}

describe('simulating tool calls', () => {
  const rows = readMistakesTable();

  startEachTestFromDocumentedState(rows);

  it(`each scenario of ${MANIFEST} has a "▶ Simulate" lens and a lens with its result; the failing one says what went wrong`, async () => {
    const doc = (await openExample(MANIFEST)).document;
    const scenarios = scenariosOf(doc);
    check(scenarios.length > 0, `${MANIFEST} has no scenarios`);
    const lenses = await waitForScenarioLenses(doc, scenarios);
    const failing = rows.filter((r) => r.file === MANIFEST && r.code === 'scenario-failed');
    check(failing.length > 0, `the README table documents no failing scenario (scenario-failed) in ${MANIFEST}`);
    const problems: string[] = [];
    for (const s of scenarios) {
      const { simulate, result } = lenses.get(s.index)!;
      for (const l of [simulate!, result!]) {
        const args = l.command!.arguments ?? [];
        if (args[0] !== doc.uri.toString() || args[1] !== s.index) problems.push(`"${s.name}": lens "${l.command!.title}" runs agentPolicy.simulateScenario(${JSON.stringify(args)}), expected ("${doc.uri.toString()}", ${s.index})`);
      }
      const title = result!.command!.title;
      const fails = failing.some((r) => r.range.start.line === s.line);
      const other = s.expect === 'allow' ? 'deny' : 'allow';
      if (fails) {
        if (!title.startsWith(`✗ expected ${s.expect}, got ${other}`)) problems.push(`"${s.name}" (documented as failing): its lens says "${title}", expected "✗ expected ${s.expect}, got ${other} …"`);
        const d = agentDiagnostics(doc.uri).find((x) => codeOf(x) === 'scenario-failed' && x.range.start.line === s.line);
        if (!d) problems.push(`"${s.name}": no scenario-failed diagnostic on line ${s.line + 1}`);
        else if (!d.message.includes(title.replace(/^✗ /, ''))) problems.push(`"${s.name}": the diagnostic "${d.message}" does not say what the lens says ("${title}")`);
      } else {
        const want = `✓ ${s.expect}${s.reasons ? ` — ${[...s.reasons].sort().join(', ')}` : ''}`;
        if (!title.startsWith(want)) problems.push(`"${s.name}": its lens says "${title}", expected "${want} …"`);
      }
    }
    check(problems.length === 0, `scenario lenses of ${MANIFEST}:\n  ${problems.join('\n  ')}`);
    // The brief's example: the fail-open scenario names the forbid that errored.
    const failingTitles = scenarios.filter((s) => failing.some((r) => r.range.start.line === s.line)).map((s) => lenses.get(s.index)!.result!.command!.title);
    check(failingTitles.some((t) => /⚠ .+ errored and was skipped \(fail-open\)/.test(t)), `no failing scenario's lens warns about a skipped forbid: ${failingTitles.join('; ')}`);
    // Hovering a failing scenario's result lens says why, clause by clause (its tooltip, from the server's explanation).
    const tips = scenarios.filter((s) => failing.some((r) => r.range.start.line === s.line)).map((s) => lenses.get(s.index)?.result?.command?.tooltip ?? '');
    check(tips.length > 0 && tips.every((t) => /\nWhy: /.test(t)), `a failing scenario's lens without a "Why" tooltip:\n${tips.join('\n---\n')}`);
  });

  it('"▶ Simulate" on the first scenario opens the result panel with the decision and the determining policies', async () => {
    const api = await activateExtension();
    const doc = (await openExample(MANIFEST)).document;
    const scenarios = scenariosOf(doc);
    const first = scenarios[0];
    const { simulate } = (await waitForScenarioLenses(doc, scenarios)).get(0)!;
    check(simulationTabs().length === 0, 'a simulation panel is open before the lens is clicked');
    await vscode.commands.executeCommand(simulate!.command!.command, ...(simulate!.command!.arguments ?? []));
    const shown = await waitFor(() => api.shownSimulation(), { message: () => 'a simulation to be shown' });
    check(shown.scenario?.name === first.name, `the panel shows scenario "${shown.scenario?.name}", expected "${first.name}"`);
    check(shown.decision === first.expect, `scenario "${first.name}" decided ${shown.decision}, expected ${first.expect}`);
    check(shown.decision === 'allow', `the first scenario of ${MANIFEST} decides ${shown.decision}; this test expects an allowed call`);
    const ids = shown.determining.map((d) => d.id).sort();
    const want = [...(first.reasons ?? [])].sort();
    check(want.length > 0 && JSON.stringify(ids) === JSON.stringify(want), `determining policies ${JSON.stringify(ids)}, expected ${JSON.stringify(want)} (the scenario's reasons)`);
    check(shown.scenario.passed, `scenario "${first.name}" did not pass in the panel: ${shown.scenario.summary}`);
    // The panel: one webview tab titled with the decision, showing the decision large and the scenario's verdict.
    const title = decisionTitle(shown.decision, first.agent, first.tool);
    await waitFor(() => simulationTabs().find((t) => t.label === title), { message: () => `a simulation panel titled "${title}"; tabs: ${vscode.window.tabGroups.all.flatMap((g) => g.tabs).map((t) => `"${t.label}"`).join(', ')}` });
    const html = api.simulationHtml() ?? '';
    check(html.includes('id="decision">✓ ALLOW</div>'), `the panel does not show "✓ ALLOW":\n${html.slice(0, 600)}`);
    check(html.includes(`expects <b>${first.expect}</b>: passed`), 'the panel does not say that the scenario passed');
    const links = policyLinks(html).map((l) => l.id);
    for (const id of want) check(links.includes(id), `the panel has no link to ${id} (links: ${links.join(', ')})`);
    check(!html.includes('id="save"'), 'the panel of a scenario offers "Save as scenario"');
  });

  it('"Simulate Tool Call" with a call skips the pickers and shows ✗ DENY, with the forbid as a link to its source', async () => {
    const api = await activateExtension();
    const manifest = (await openExample(MANIFEST)).document.uri;
    const result = await vscode.commands.executeCommand<{ decision: string } | undefined>('agentPolicy.simulate', { manifestUri: manifest.toString(), ...EMAIL_CALL });
    check(result?.decision === 'deny', `agentPolicy.simulate returned ${JSON.stringify(result)?.slice(0, 300)}, expected a deny`);
    const shown = await waitFor(() => (api.shownSimulation()?.tool === EMAIL_CALL.tool ? api.shownSimulation() : undefined), { message: () => `the panel to show the ${EMAIL_CALL.tool} call` });
    check(shown.decision === 'deny', `decision ${shown.decision}, expected deny`);
    check(shown.manifestUri === manifest.toString(), `simulated against ${shown.manifestUri}, expected ${manifest.toString()}`);
    const forbid = shown.determining.find((d) => d.id === EMAIL_FORBID);
    check(forbid?.effect === 'forbid', `determining ${JSON.stringify(shown.determining.map((d) => [d.id, d.effect]))}, expected the forbid ${EMAIL_FORBID}`);
    check(!shown.failOpenRisk && shown.requestErrors.length === 0, `unexpected fail-open risk or request errors: ${JSON.stringify({ failOpenRisk: shown.failOpenRisk, requestErrors: shown.requestErrors })}`);
    const title = decisionTitle('deny', EMAIL_CALL.agent, EMAIL_CALL.tool);
    await waitFor(() => simulationTabs().find((t) => t.label === title), { message: () => `a simulation panel titled "${title}"` });
    check(simulationTabs().length === 1, `${simulationTabs().length} simulation panels are open, expected one`);
    const html = api.simulationHtml() ?? '';
    check(html.includes('id="decision">✗ DENY</div>'), `the panel does not show "✗ DENY":\n${html.slice(0, 600)}`);
    check(html.includes('id="save"'), 'the panel of a call offers no "Save as scenario" button');
    // The link leads to the policy's source: its range in the file covers the forbid with that @id.
    const link = policyLinks(html).find((l) => l.id === EMAIL_FORBID);
    check(link, `the panel has no link to ${EMAIL_FORBID}: ${policyLinks(html).map((l) => l.id).join(', ') || 'no links'}`);
    const policyDoc = await vscode.workspace.openTextDocument(vscode.Uri.parse(link.uri));
    const text = policyDoc.getText(link.range);
    check(text.startsWith(`@id("${EMAIL_FORBID}")`) && /\bforbid\s*\(/.test(text) && text.trimEnd().endsWith(';'),
      `the link's range ${relPath(policyDoc.uri)} ${link.range.start.line + 1}:${link.range.start.character + 1}-${link.range.end.line + 1}:${link.range.end.character + 1} covers:\n${text}`);
    // Why: the permits the call was in scope for, each with its finding, as the server explained them.
    const x = shown.explanation;
    check(x && x.examined === 'permit' && x.policies.length > 0, `the panel's call came without an explanation: ${JSON.stringify(x)?.slice(0, 300)}`);
    check(html.includes(`id="why-heading">`), 'the panel has no "Why" section');
    const whyLinks = policyLinks(html).map((l) => l.id);
    for (const p of x.policies) check(whyLinks.includes(p.id) && html.includes(`<li class="${p.status}">`), `the "Why" section does not list ${p.id} (${p.status})`);
    // The call and the Cedar request are in the panel.
    check(html.includes(EMAIL_CALL.args.to) && html.includes('&quot;data_class&quot;: &quot;confidential&quot;'), 'the panel does not show the call (arguments and context)');
    check(html.includes(`Action::\\&quot;${EMAIL_CALL.tool}\\&quot;`), 'the panel does not show the Cedar request\'s action');
  });

  it('"Save as scenario" appends the shown call to the manifest, and a lens shows its result', async () => {
    const api = await activateExtension();
    const doc = (await openExample(MANIFEST)).document;
    const original = doc.getText();
    const before = scenariosOf(doc);
    try {
      await vscode.commands.executeCommand('agentPolicy.simulate', { manifestUri: doc.uri.toString(), ...EMAIL_CALL });
      await waitFor(() => api.shownSimulation()?.tool === EMAIL_CALL.tool, { message: () => 'the panel to show the call' });
      const name = `e2e: ${EMAIL_CALL.agent} may not email confidential data`;
      check(await api.saveShownAsScenario(name, 'deny'), 'saveShownAsScenario returned false');
      await waitFor(() => doc.getText() !== original, { message: () => `${MANIFEST} to change` });
      check(!doc.isDirty, `${MANIFEST} is left unsaved after "Save as scenario"`);
      check(doc.getText().startsWith(original.replace(/\n*$/, '')), `"Save as scenario" changed ${MANIFEST} before its end`);
      const after = scenariosOf(doc);
      check(after.length === before.length + 1, `${MANIFEST} has ${after.length} scenarios after saving, expected ${before.length + 1}`);
      const saved = after.at(-1)!;
      const want = { name, agent: EMAIL_CALL.agent, tool: EMAIL_CALL.tool, args: EMAIL_CALL.args, context: EMAIL_CALL.context, expect: 'deny' };
      const got = { name: saved.name, agent: saved.agent, tool: saved.tool, args: saved.args, context: saved.context, expect: saved.expect };
      check(JSON.stringify(got) === JSON.stringify(want), `the saved scenario is ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
      const lenses = await waitForScenarioLenses(doc, after);
      const title = lenses.get(saved.index)!.result!.command!.title;
      check(title.startsWith(`✓ deny — ${EMAIL_FORBID}`), `the saved scenario's lens says "${title}", expected "✓ deny — ${EMAIL_FORBID}"`);
      await waitForTableState(rows); // it passes: no new scenario-failed
    } finally {
      // Put the manifest back as it was (the command saved it to disk).
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
      await vscode.workspace.applyEdit(edit);
      await doc.save();
    }
    check(doc.getText() === original && !doc.isDirty, `${MANIFEST} could not be restored`);
    await waitForScenarioLenses(doc, before);
  });
});
