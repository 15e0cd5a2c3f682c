// Scenario coverage in a real VS Code: "Agent Policy: Toggle Scenario Coverage" turns on a code lens on each policy
// ("decided N scenarios" / "no scenario exercises this policy"); a click on a decided one simulates a scenario it
// decided; the command again turns them off. Expectations come from the manifest's scenarios (their `reasons`).
import * as vscode from 'vscode';
import { readScenarios } from '../support/scenarios';
import { activateExtension, check, openExample, relPath, resetEditors, waitFor } from './helpers';

const MANIFEST = 'acme.agents.yaml';
const POLICY = 'policies/support.cedar';
const COVERAGE_TITLE = /^[◉○] (decided \d+ scenarios?|decided no scenario|no scenario exercises this policy)/;

/** The coverage lenses of a document, by the 0-based line they sit on. */
async function coverageLenses(uri: vscode.Uri): Promise<Map<number, vscode.CodeLens>> {
  const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return new Map(lenses.filter((l) => COVERAGE_TITLE.test(l.command?.title ?? '')).map((l) => [l.range.start.line, l]));
}

/** The policies of a Cedar text: their `@id` and the line it is on. */
function policiesOf(text: string): { id: string; line: number }[] {
  return text.split('\n').flatMap((l, line) => {
    const m = /^@id\("([^"]+)"\)/.exec(l);
    return m ? [{ id: m[1]!, line }] : [];
  });
}

describe('scenario coverage', () => {
  let on = false;

  before(async () => {
    await activateExtension();
  });

  after(async () => {
    // The UI suites that follow expect the default: no coverage lenses.
    if (on) await vscode.commands.executeCommand('agentPolicy.toggleCoverage');
    await resetEditors();
  });

  it('"Toggle Scenario Coverage" shows on each policy the scenarios it decided, and a click simulates one', async () => {
    const api = await activateExtension();
    const manifest = (await openExample(MANIFEST)).document;
    const scenarios = readScenarios(manifest.getText(), relPath(manifest.uri));
    const doc = (await openExample(POLICY)).document;
    const policies = policiesOf(doc.getText());
    check(policies.length > 0, `no @id policy in ${POLICY}`);
    check((await coverageLenses(doc.uri)).size === 0, 'coverage lenses are shown before the command turned them on');

    await vscode.commands.executeCommand('agentPolicy.toggleCoverage');
    on = true;
    let seen = '';
    const lenses = await waitFor(async () => {
      const byLine = await coverageLenses(doc.uri);
      seen = [...byLine].map(([line, l]) => `  line ${line + 1}: "${l.command!.title}"`).join('\n') || '  (none)';
      return policies.every((p) => byLine.has(p.line)) ? byLine : undefined;
    }, { timeoutMs: 30_000, message: () => `a coverage lens on the @id line of each policy of ${POLICY} (${policies.map((p) => p.line + 1).join(', ')}); seen:\n${seen}` });

    const problems: string[] = [];
    let clicked: { policy: string; lens: vscode.CodeLens } | undefined;
    for (const p of policies) {
      const lens = lenses.get(p.line)!;
      const title = lens.command!.title;
      // Every scenario that names the policy among its reasons was decided by it (the suites of simulate check that).
      const named = scenarios.filter((s) => s.reasons?.includes(p.id)).length;
      const decided = Number(/decided (\d+)/.exec(title)?.[1] ?? 0);
      if (decided < named) problems.push(`${p.id}: "${title}", but ${named} scenario(s) name it among their reasons`);
      if (decided > 0) {
        if (lens.command!.command !== 'agentPolicy.simulateScenario') problems.push(`${p.id}: "${title}" runs "${lens.command!.command}", expected agentPolicy.simulateScenario`);
        clicked ??= { policy: p.id, lens };
      } else if (title !== '○ no scenario exercises this policy' && !title.startsWith('○ decided no scenario: errored in')) {
        problems.push(`${p.id}: "${title}"`);
      }
    }
    check(problems.length === 0, `coverage lenses of ${POLICY}:\n${problems.join('\n')}`);
    check(clicked, `no policy of ${POLICY} decided a scenario:\n${seen}`);

    await vscode.commands.executeCommand(clicked.lens.command!.command, ...(clicked.lens.command!.arguments ?? []));
    const shown = await waitFor(() => (api.shownSimulation()?.scenario ? api.shownSimulation() : undefined), { message: () => 'the lens to show a scenario\'s simulation' });
    check(shown.determining.some((d) => d.id === clicked!.policy), `the lens of ${clicked.policy} simulated "${shown.scenario?.name}", decided by ${shown.determining.map((d) => d.id).join(', ') || 'no policy'}`);
  });

  it('"Toggle Scenario Coverage" again hides them, and leaves the scenario lenses of the manifest', async () => {
    check(on, 'the lenses were not turned on by the test before');
    const doc = (await openExample(POLICY)).document;
    await vscode.commands.executeCommand('agentPolicy.toggleCoverage');
    on = false;
    await waitFor(async () => (await coverageLenses(doc.uri)).size === 0, { timeoutMs: 30_000, message: () => `the coverage lenses of ${POLICY} to go` });
    const manifest = (await openExample(MANIFEST)).document;
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', manifest.uri)) ?? [];
    check(lenses.some((l) => l.command?.title === '▶ Simulate'), `the manifest lost its scenario lenses: ${lenses.map((l) => l.command?.title).join(', ')}`);
  });

  it('changing the setting `agentPolicy.coverage.showLenses` ends the command\'s flip', async () => {
    const doc = (await openExample(POLICY)).document;
    const config = () => vscode.workspace.getConfiguration('agentPolicy');
    const lensCount = async () => (await coverageLenses(doc.uri)).size;
    await vscode.commands.executeCommand('agentPolicy.toggleCoverage');
    on = true;
    await waitFor(async () => (await lensCount()) > 0, { timeoutMs: 30_000, message: () => 'the lenses after the command' });
    try {
      // The user's setting (not the workspace's: nothing is written into it) turns them on, and the flip is dropped...
      await config().update('coverage.showLenses', true, vscode.ConfigurationTarget.Global);
      await waitFor(async () => (await lensCount()) > 0, { timeoutMs: 30_000, message: () => 'the lenses with the setting on' });
    } finally {
      // ...so that removing the setting again turns them off (the flip would keep them).
      await config().update('coverage.showLenses', undefined, vscode.ConfigurationTarget.Global);
    }
    on = false;
    await waitFor(async () => (await lensCount()) === 0, { timeoutMs: 30_000, message: () => 'the lenses to go once the setting is back to its default' });
  });
});
