/**
 * `agent-policy test --coverage`: the scenario coverage of each manifest, as the test report's formats show it
 * (pretty, json, JUnit `<properties>`). Coverage is a report: it never changes the exit code.
 */
import { coverageLabel, type PolicyCoverage, type ScenarioCoverage, type ToolCoverage } from '../core/analysis/coverage';
import type { Range } from '../core/types';

/** Where a policy is, as the report shows it: its file relative to the current folder and its range. */
export type PolicyPlace = (p: PolicyCoverage) => { file: string; range: Range };

export interface CoverageJson {
  scenarios: number;
  policies: { total: number; exercised: number; unexercised: number };
  tools: { total: number; withoutScenario: number; destructiveWithoutDeny: number };
  exercised: { id: string; effect?: 'permit' | 'forbid'; file: string; range: Range; count: number; scenarios: string[] }[];
  unexercised: { id: string; effect?: 'permit' | 'forbid'; file: string; range: Range; errored?: string[] }[];
  toolsWithoutScenario: { tool: string; server: string; destructive: boolean }[];
  destructiveWithoutDeny: { tool: string; server: string }[];
}

export function coverageJson(c: ScenarioCoverage, place: PolicyPlace): CoverageJson {
  const head = (p: PolicyCoverage) => ({ id: p.id, ...(p.effect ? { effect: p.effect } : {}), ...place(p) });
  return {
    scenarios: c.scenarioCount,
    policies: { total: c.policies.length, exercised: c.exercised.length, unexercised: c.unexercised.length },
    tools: { total: c.tools.length, withoutScenario: c.toolsWithoutScenario.length, destructiveWithoutDeny: c.destructiveWithoutDeny.length },
    exercised: c.exercised.map((p) => ({ ...head(p), count: p.scenarios.length, scenarios: p.scenarios.map((s) => s.name) })),
    unexercised: c.unexercised.map((p) => ({ ...head(p), ...(p.errored.length ? { errored: p.errored.map((s) => s.name) } : {}) })),
    toolsWithoutScenario: c.toolsWithoutScenario.map((t) => ({ tool: t.tool, server: t.server, destructive: t.destructive })),
    destructiveWithoutDeny: c.destructiveWithoutDeny.map((t) => ({ tool: t.tool, server: t.server })),
  };
}

const SHOWN_NAMES = 3;

/** The coverage section of a manifest in the pretty report (indented under the manifest's name). */
export function coveragePretty(c: ScenarioCoverage, place: PolicyPlace, color: boolean): string[] {
  const paint = (code: number, s: string) => (color ? `\u001b[${code}m${s}\u001b[0m` : s);
  const lines = [`  coverage: ${summaryLine(c)}`];
  for (const p of c.policies) {
    const w = place(p);
    const at = paint(2, `${w.file}:${w.range.start.line + 1}:${w.range.start.character + 1}`);
    // The scenarios it decided, else those it errored in.
    const shown = p.scenarios.length ? p.scenarios : p.errored;
    const names = shown.slice(0, SHOWN_NAMES).map((s) => s.name).join(', ') + (shown.length > SHOWN_NAMES ? `, … ${shown.length - SHOWN_NAMES} more` : '');
    const mark = p.scenarios.length ? paint(32, '●') : paint(33, '○');
    lines.push(`    ${mark} ${p.effect ?? 'policy'} ${p.id}  ${at}  ${coverageLabel(p)}${names ? paint(2, ` (${names})`) : ''}`);
  }
  if (c.toolsWithoutScenario.length) lines.push(paint(33, `    tools without a scenario: ${toolNames(c.toolsWithoutScenario)}`));
  if (c.destructiveWithoutDeny.length) lines.push(paint(33, `    destructive tools without a deny scenario: ${toolNames(c.destructiveWithoutDeny)}`));
  return lines;
}

/** "6 of 10 policies decided a scenario; 2 of 8 tools without a scenario; 1 destructive tool without a deny scenario". */
export function summaryLine(c: ScenarioCoverage): string {
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return [
    `${c.exercised.length} of ${plural(c.policies.length, 'policy', 'policies')} decided a scenario`,
    `${c.toolsWithoutScenario.length} of ${plural(c.tools.length, 'tool', 'tools')} without a scenario`,
    `${plural(c.destructiveWithoutDeny.length, 'destructive tool', 'destructive tools')} without a deny scenario`,
  ].join('; ');
}

function toolNames(tools: ToolCoverage[]): string {
  return tools.map((t) => t.tool).join(', ');
}

/** The JUnit `<properties>` of a manifest's testsuite, as name and value: counts, and what no scenario exercises. */
export function coverageProperties(c: ScenarioCoverage, place: PolicyPlace): [string, string][] {
  const where = (p: PolicyCoverage) => {
    const w = place(p);
    return `${p.id} (${w.file}:${w.range.start.line + 1})`;
  };
  return [
    ['coverage.scenarios', String(c.scenarioCount)],
    ['coverage.policies', String(c.policies.length)],
    ['coverage.policies.exercised', String(c.exercised.length)],
    ['coverage.policies.unexercised', String(c.unexercised.length)],
    ['coverage.policies.unexercised.list', c.unexercised.map(where).join(', ')],
    ['coverage.tools', String(c.tools.length)],
    ['coverage.tools.withoutScenario', String(c.toolsWithoutScenario.length)],
    ['coverage.tools.withoutScenario.list', toolNames(c.toolsWithoutScenario)],
    ['coverage.tools.destructiveWithoutDeny', String(c.destructiveWithoutDeny.length)],
    ['coverage.tools.destructiveWithoutDeny.list', toolNames(c.destructiveWithoutDeny)],
  ];
}
