// "Agent Policy: Generate Scenarios for Tool…" in a real VS Code: run with arguments (no pickers, the review skipped),
// it adds the boundary scenarios of a tool to the manifest's document, unsaved; each gets its code lens, and every
// one of them passes (its `expect` is what the policies decide now).
import * as vscode from 'vscode';
import { readScenarios } from '../support/scenarios';
import { check, openExample, readMistakesTable, relPath, startEachTestFromDocumentedState, waitFor } from './helpers';

const MANIFEST = 'acme.agents.yaml';
const TOOL = 'issue_refund';

interface Outcome {
  manifestUri: string;
  added: string[];
}

describe('Generate Scenarios for Tool', function () {
  this.timeout(120_000);
  startEachTestFromDocumentedState(readMistakesTable());

  it('with arguments, adds the boundary scenarios of a tool to the manifest, unsaved, and they all pass', async () => {
    const doc = (await openExample(MANIFEST)).document;
    const original = doc.getText();
    try {
      await generateAndCheck(doc, original);
    } finally {
      // Put the manifest back as it was, saved: the manifest's access findings of the documented table are those of its last save.
      if (doc.getText() !== original) {
        await doc.save();
        const edit = new vscode.WorkspaceEdit();
        edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), original);
        await vscode.workspace.applyEdit(edit);
        await doc.save();
      }
    }
    check(doc.getText() === original && !doc.isDirty, `${MANIFEST} could not be restored`);
  });

  async function generateAndCheck(doc: vscode.TextDocument, original: string) {
    const before = readScenarios(original, relPath(doc.uri)).map((s) => s.name);
    const outcome = await vscode.commands.executeCommand<Outcome | undefined>('agentPolicy.generateScenarios', { manifestUri: doc.uri.toString(), tool: TOOL, agents: ['support-bot', 'refund-agent'], accept: 'all' });
    check(outcome && outcome.added.length >= 2, `agentPolicy.generateScenarios returned ${JSON.stringify(outcome)?.slice(0, 400)}, expected scenarios added`);
    const added = outcome.added;
    // The manifest's document gets them (polled: the edit reaches the document, then the server).
    const scenarios = await waitFor(
      () => {
        const all = readScenarios(doc.getText(), relPath(doc.uri));
        return added.every((n) => all.some((s) => s.name === n)) ? all : undefined;
      },
      { timeoutMs: 20_000, message: () => `the ${added.length} generated scenarios in ${MANIFEST}; it has: ${readScenarios(doc.getText()).map((s) => s.name).join(' | ')}` },
    );
    check(doc.isDirty, 'the manifest was saved: the user saves it after the review');
    check(scenarios.length === before.length + added.length, `${scenarios.length} scenarios, expected ${before.length} + ${added.length}`);
    const mine = scenarios.filter((s) => added.includes(s.name));
    check(mine.every((s) => s.tool === TOOL && (s.agent === 'support-bot' || s.agent === 'refund-agent')), `unexpected calls: ${JSON.stringify(mine.map((s) => [s.agent, s.tool]))}`);
    check(mine.some((s) => s.expect === 'allow') && mine.some((s) => s.expect === 'deny'), `expected both an allow and a deny: ${mine.map((s) => `${s.name}: ${s.expect}`).join(' | ')}`);
    // Each generated scenario passes: its result lens is a ✓.
    let seen = '';
    await waitFor(
      async () => {
        const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
        const results = lenses.filter((l) => l.command?.command === 'agentPolicy.simulateScenario' && l.command.title !== '▶ Simulate');
        const byLine = new Map(results.map((l) => [l.range.start.line, l.command!.title]));
        seen = mine.map((s) => `${s.name}: ${byLine.get(s.line) ?? '(no lens)'}`).join('\n');
        return mine.every((s) => byLine.get(s.line)?.startsWith(`✓ ${s.expect}`));
      },
      { timeoutMs: 30_000, message: () => `a ✓ lens on every generated scenario; seen:\n${seen}` },
    );
  }

  it('an unknown tool adds nothing', async () => {
    const doc = (await openExample(MANIFEST)).document;
    const text = doc.getText();
    const outcome = await vscode.commands.executeCommand<Outcome | undefined>('agentPolicy.generateScenarios', { manifestUri: doc.uri.toString(), tool: 'issue_refnd', accept: 'all' });
    check(outcome === undefined, `returned ${JSON.stringify(outcome)}`);
    check(doc.getText() === text && !doc.isDirty, 'the manifest changed');
  });
});
