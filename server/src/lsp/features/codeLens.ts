/**
 * Code lenses on a manifest's scenarios: "▶ Simulate" and the scenario's current outcome; and, with
 * `agentPolicy.coverage.showLenses`, on each policy the scenarios it decided ("decided 3 scenarios" / "no scenario
 * exercises this policy").
 */
import type { CodeLens } from 'vscode-languageserver/node';
import { explanationHeading, policyFinding } from '../../core/explain';
import type { Project } from '../../core/project';
import type { ScenarioOutcome } from '../../core/scenarios';
import { coverageLabel, type PolicyCoverage } from '../../core/analysis/coverage';
import { basename } from '../../core/text';
import { isManifestFile, isPolicyFile } from '../../core/manifest/model';
import { pathToUri, uriToPath } from '../uris';
import type { WorkerState } from '../workspace';
import type { Feature } from './feature';

/** The hover text of a scenario's result lens: for a failing one, why, clause by clause (once per outcome: outcomes are kept while nothing changes). */
const tooltips = new WeakMap<ScenarioOutcome, string>();
const SHOWN = 6;

function tooltipOf(project: Project, manifest: string, o: ScenarioOutcome): string {
  let t = tooltips.get(o);
  if (t !== undefined) return t;
  // Only a failing scenario is explained: an explanation costs a few engine calls over its slice (hundreds of
  // milliseconds at 10,000 policies), and the lenses are asked for again after every change. "▶ Simulate" explains any.
  if (o.passed) {
    t = `${o.summary}\n\n▶ Simulate shows why, clause by clause`;
    tooltips.set(o, t);
    return t;
  }
  const s = o.scenario;
  const r = project.simulate(manifest, { agent: s.agent, tool: s.tool, args: s.args, context: s.context, via: s.via, explain: true });
  const x = r.explanation;
  const lines = [o.summary];
  if (x) {
    lines.push('', `Why: ${explanationHeading(x)}`);
    for (const p of x.policies.slice(0, SHOWN)) lines.push(`• ${p.effect ?? 'policy'} ${p.id}: ${policyFinding(p)}`);
    if (x.policies.length > SHOWN) lines.push(`• … ${x.policies.length - SHOWN} more (▶ Simulate shows them all)`);
  } else {
    lines.push('', `Why: ${r.cannotEvaluate ? 'the call could not be evaluated, so it is denied' : 'the call was refused before any policy'} — ${r.reason}`);
  }
  t = lines.join('\n');
  tooltips.set(o, t);
  return t;
}

/** The coverage lens of each policy of a policy file (its manifest's scenarios; none when no manifest with a schema covers it). */
function coverageLenses(state: WorkerState, file: string): CodeLens[] {
  const pr = state.projectOf(file);
  const entry = pr?.project.coveringManifest(file);
  if (!pr || !entry?.manifest || !entry.model) return [];
  const coverage = pr.project.scenarioCoverage(entry);
  const ix = state.lineIndexOf(file, pr.host.readFile(file) ?? '');
  const manifest = basename(entry.file);
  return coverage.policies
    .filter((p) => p.file === file)
    .map((p) => {
      const range = ix.range({ start: p.span.start, end: p.span.start });
      const title = `${p.scenarios.length ? '◉' : '○'} ${coverageLabel(p)}`;
      const first = p.scenarios[0];
      // A click simulates the first scenario it decided; a policy no scenario decides has a label only.
      if (!first) return { range, command: { title, command: '', tooltip: coverageTooltip(p, manifest) } };
      return { range, command: { title, command: 'agentPolicy.simulateScenario', arguments: [pathToUri(entry.file), first.index], tooltip: coverageTooltip(p, manifest) } };
    });
}

function coverageTooltip(p: PolicyCoverage, manifest: string): string {
  const list = (refs: { name: string }[]) => refs.slice(0, SHOWN).map((s) => `• ${s.name}`).concat(refs.length > SHOWN ? [`• … ${refs.length - SHOWN} more`] : []);
  const lines: string[] = [];
  if (p.scenarios.length) lines.push(`Scenarios of ${manifest} that ${p.id} decided:`, ...list(p.scenarios), '', `Click to simulate "${p.scenarios[0]!.name}"`);
  else lines.push(`No scenario of ${manifest} is decided by ${p.id}: add one to its \`scenarios\` to test this policy`);
  if (p.errored.length) lines.push('', `It errored (and Cedar skipped it) in:`, ...list(p.errored));
  return lines.join('\n');
}

export const codeLensFeature: Feature = {
  name: 'code lenses',
  capabilities: () => ({ codeLensProvider: { resolveProvider: false } }),
  register({ state }) {
    state.connection.onCodeLens((params): CodeLens[] => {
      const file = uriToPath(params.textDocument.uri);
      if (file && isPolicyFile(file)) return state.settings.coverageLenses ? coverageLenses(state, file) : [];
      if (!file || !isManifestFile(file)) return [];
      const pr = state.projectOf(file);
      const entry = pr?.project.manifest(file);
      if (!pr || !entry?.manifest || !entry.model) return [];
      const ix = state.lineIndexOf(file, pr.host.readFile(file) ?? '');
      const outcomes = pr.project.runScenarios(entry);
      return outcomes.flatMap((o) => {
        const range = ix.range(o.scenario.nameSpan);
        const args = [params.textDocument.uri, o.scenario.index];
        return [
          { range, command: { title: '▶ Simulate', command: 'agentPolicy.simulateScenario', arguments: args } },
          { range, command: { title: o.summary, command: 'agentPolicy.simulateScenario', arguments: args, tooltip: tooltipOf(pr.project, entry.file, o) } },
        ];
      });
    });
  },
};
