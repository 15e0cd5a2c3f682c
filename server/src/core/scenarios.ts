import type { ScenarioDef } from './manifest/model';
import type { ManifestEntry } from './project';
import type { SimulationResult } from './simulate';
import type { Finding, Span } from './types';

export interface ScenarioOutcome {
  scenario: ScenarioDef;
  result: SimulationResult;
  passed: boolean;
  /** What the editor shows next to the scenario: `✓ allow — support-refund-small` or `✗ expected allow, got deny — no policy applied`. */
  summary: string;
}

/** Compares a scenario's expectation (decision, and the determining policies when `reasons` is given) with its simulation. */
export function judgeScenario(scenario: ScenarioDef, result: SimulationResult): ScenarioOutcome {
  const got = result.determining.map((d) => d.id).sort();
  const skipped = [...new Set(result.errors.filter((e) => e.effect === 'forbid').map((e) => e.id))];
  const risk = skipped.length ? ` ⚠ ${skipped.join(', ')} errored and was skipped (fail-open)` : '';
  const why = (result.determining.length ? got.join(', ') : result.reason) + risk;
  if (result.decision !== scenario.expect) {
    return { scenario, result, passed: false, summary: `✗ expected ${scenario.expect}, got ${result.decision} — ${why}` };
  }
  // A deny that no policy decided (the set cannot be evaluated, the engine failed) proves nothing: a scenario that cannot run fails.
  if (result.cannotEvaluate) {
    return { scenario, result, passed: false, summary: `✗ expected ${scenario.expect}, but the call could not be evaluated — ${why}` };
  }
  if (scenario.reasons) {
    const want = [...scenario.reasons].sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) {
      return { scenario, result, passed: false, summary: `✗ ${result.decision} as expected, but decided by ${got.length ? got.join(', ') : 'no policy'} instead of ${want.join(', ') || 'no policy'}` };
    }
  }
  return { scenario, result, passed: true, summary: `✓ ${result.decision} — ${why}` };
}

export function scenarioFinding(o: ScenarioOutcome): Finding | undefined {
  if (o.passed) return undefined;
  const more = o.result.requestErrors.filter((e) => !o.summary.includes(e));
  const details = more.length ? ` (${more.join('; ')})` : '';
  return { code: 'scenario-failed', message: `scenario "${o.scenario.name}": ${o.summary.replace(/^✗ /, '')}${details}`, span: o.scenario.nameSpan };
}

/** Why a manifest's scenarios cannot run as written. A suite that cannot run is a failed suite. */
export interface SuiteProblem {
  /** `load`: the manifest or a tool list it imports does not load cleanly (a scenario may be missing or changed); `schema`: no Cedar schema. */
  kind: 'load' | 'schema';
  /** The `manifest-invalid` errors, the first first (the manifest's own, then its imports'; by position). */
  errors: { file: string; span: Span }[];
}

/**
 * Whether a manifest can run its scenarios: it loads without a `manifest-invalid` error (invalid YAML or JSON,
 * too deep, an alias bomb, a broken scenario, an import that does not load...) and its Cedar schema can be
 * generated. Rule levels and suppressions do not matter here: they hide a diagnostic, not the problem.
 */
export function suiteProblem(entry: ManifestEntry): SuiteProblem | undefined {
  const errors: { file: string; span: Span }[] = [];
  const isError = (f: Finding) => f.code === 'manifest-invalid' && (f.severity ?? 'error') === 'error';
  for (const [file, list] of entry.result.findings) for (const f of list) if (isError(f)) errors.push({ file: f.file ?? file, span: f.span });
  for (const f of entry.modelFindings) if (isError(f)) errors.push({ file: f.file ?? entry.file, span: f.span });
  errors.sort((a, b) => (a.file === b.file ? a.span.start - b.span.start : a.file === entry.file ? -1 : b.file === entry.file ? 1 : a.file.localeCompare(b.file)));
  if (!entry.manifest || errors.length) return { kind: 'load', errors };
  if (!entry.model) return { kind: 'schema', errors };
  return undefined;
}
