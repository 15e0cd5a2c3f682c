/** Code lenses on a manifest's scenarios: "▶ Simulate" and the scenario's current outcome. */
import type { CodeLens } from 'vscode-languageserver/node';
import { explanationHeading, policyFinding } from '../../core/explain';
import type { Project } from '../../core/project';
import type { ScenarioOutcome } from '../../core/scenarios';
import { isManifestFile } from '../../core/manifest/model';
import { uriToPath } from '../uris';
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

export const codeLensFeature: Feature = {
  name: 'code lenses',
  capabilities: () => ({ codeLensProvider: { resolveProvider: false } }),
  register({ state }) {
    state.connection.onCodeLens((params): CodeLens[] => {
      const file = uriToPath(params.textDocument.uri);
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
