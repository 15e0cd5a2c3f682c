/**
 * Scenario coverage of a manifest: which policies decided at least one of its scenarios (and which), which policies
 * no scenario exercises, which tools no scenario calls, and which destructive tools no scenario expects to be denied.
 * Pure: the manifest, its policy set and the scenarios' outcomes in, data out (`agent-policy test --coverage`, the
 * coverage code lenses).
 */
import { CALL_TOOL } from '../cedar/schemaGen';
import type { ManifestEntry } from '../project';
import type { ScenarioOutcome } from '../scenarios';
import type { PolicySetInput } from '../simulate';
import type { Span } from '../types';

/** A scenario, as coverage names it: its name and its index in the manifest's `scenarios`. */
export interface ScenarioRef {
  name: string;
  index: number;
}

export interface PolicyCoverage {
  id: string;
  file: string;
  /** The policy's body (as the simulator's determining policies give it). */
  span: Span;
  effect?: 'permit' | 'forbid';
  /** The scenarios this policy determined (it was among their determining policies), in manifest order. */
  scenarios: ScenarioRef[];
  /** The scenarios in which it errored (Cedar skipped it), in manifest order. */
  errored: ScenarioRef[];
}

export interface ToolCoverage {
  /** The tool's action id (the name scenarios use). */
  tool: string;
  server: string;
  destructive: boolean;
  /** The scenarios that call it, in manifest order. */
  scenarios: ScenarioRef[];
  /** Those of them that expect `deny`. */
  denyScenarios: ScenarioRef[];
}

export interface ScenarioCoverage {
  manifest: string;
  /** How many scenarios the manifest has (all of them count, passing or not). */
  scenarioCount: number;
  /** Every policy of the files the manifest covers, by file then position. */
  policies: PolicyCoverage[];
  /** The policies that determined at least one scenario (a subset of `policies`, same order). */
  exercised: PolicyCoverage[];
  /** The policies that determined no scenario (a subset of `policies`, same order; some may have errored in one). */
  unexercised: PolicyCoverage[];
  /** Every tool of the manifest, in manifest order. */
  tools: ToolCoverage[];
  /** The tools no scenario calls. */
  toolsWithoutScenario: ToolCoverage[];
  /** The destructive tools no scenario expects to be denied. */
  destructiveWithoutDeny: ToolCoverage[];
}

/**
 * The scenario coverage of a manifest. `set` is the manifest's policy set (every policy file it covers, analysed) and
 * `outcomes` its scenarios' outcomes (`Project.runScenarios`). A policy that does not parse, or a template, is listed
 * like any other: no scenario can exercise it. Never throws.
 */
export function scenarioCoverage(entry: ManifestEntry, set: PolicySetInput, outcomes: readonly ScenarioOutcome[]): ScenarioCoverage {
  const files = [...set.files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const policies: PolicyCoverage[] = [];
  const bySpan = new Map<string, PolicyCoverage>();
  const byId = new Map<string, PolicyCoverage>();
  for (const f of files) {
    const list = [...f.policies].sort((a, b) => a.slice.bodySpan.start - b.slice.bodySpan.start);
    for (const p of list) {
      const c: PolicyCoverage = { id: p.id, file: f.file, span: p.slice.bodySpan, scenarios: [], errored: [] };
      if (p.slice.effect) c.effect = p.slice.effect;
      policies.push(c);
      bySpan.set(`${f.file}\u0000${p.slice.bodySpan.start}`, c);
      // Ids are unique per set (duplicates are reported elsewhere): the first one stands for its id.
      const idKey = `${f.file}\u0000${p.id}`;
      if (!byId.has(idKey)) byId.set(idKey, c);
    }
  }
  const ordered = [...outcomes].sort((a, b) => a.scenario.index - b.scenario.index);
  for (const o of ordered) {
    const ref: ScenarioRef = { name: o.scenario.name, index: o.scenario.index };
    const find = (d: { id: string; file: string; span: Span }) => bySpan.get(`${d.file}\u0000${d.span.start}`) ?? byId.get(`${d.file}\u0000${d.id}`);
    for (const c of new Set(o.result.determining.map(find))) c?.scenarios.push(ref);
    for (const c of new Set(o.result.errors.map(find))) c?.errored.push(ref);
  }
  const tools: ToolCoverage[] = (entry.manifest?.tools ?? [])
    .filter((t) => t.action !== CALL_TOOL)
    .map((t) => ({ tool: t.action, server: t.server, destructive: t.destructive, scenarios: [], denyScenarios: [] }));
  const toolByName = new Map<string, ToolCoverage>();
  for (const t of tools) if (!toolByName.has(t.tool)) toolByName.set(t.tool, t);
  for (const o of ordered) {
    const t = toolByName.get(o.scenario.tool);
    if (!t) continue;
    const ref: ScenarioRef = { name: o.scenario.name, index: o.scenario.index };
    t.scenarios.push(ref);
    if (o.scenario.expect === 'deny') t.denyScenarios.push(ref);
  }
  return {
    manifest: entry.file,
    scenarioCount: outcomes.length,
    policies,
    exercised: policies.filter((p) => p.scenarios.length > 0),
    unexercised: policies.filter((p) => p.scenarios.length === 0),
    tools,
    toolsWithoutScenario: tools.filter((t) => t.scenarios.length === 0),
    destructiveWithoutDeny: tools.filter((t) => t.destructive && t.denyScenarios.length === 0),
  };
}

/**
 * What the editor and the report show on a policy: "decided 3 scenarios", "decided 1 scenario", "no scenario exercises
 * this policy", and when it errored in some: "decided no scenario: errored in 2 (skipped, fail-open)".
 */
export function coverageLabel(p: PolicyCoverage): string {
  const n = p.scenarios.length;
  const e = p.errored.length;
  if (n === 0 && e === 0) return 'no scenario exercises this policy';
  const decided = n === 0 ? 'decided no scenario' : `decided ${n} scenario${n === 1 ? '' : 's'}`;
  return e === 0 ? decided : `${decided}: errored in ${e} (skipped, fail-open)`;
}
