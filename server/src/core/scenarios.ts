import type { ScenarioDef } from './manifest/model';
import type { SimulationResult } from './simulate';
import type { Finding } from './types';

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
