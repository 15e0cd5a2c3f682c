import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NewScenario } from '../../server/src/core/scenarioEdit';
import { FIXTURES } from './memoryHost';

/** A call of the table: a scenario whose expectation says more than the decision. */
export interface TableCall extends Omit<NewScenario, 'expect'> {
  expect: { decision: 'allow' | 'deny'; determining: string[]; failOpenRisk?: boolean; requestError?: string; note?: string };
}

/** The table of tool calls over the examples (test/fixtures/simulation/examples-calls.json), run through every path. */
export function simulationTable(): { manifest: string; calls: TableCall[] } {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, 'simulation', 'examples-calls.json'), 'utf8')) as { manifest: string; calls: TableCall[] };
}

/** What every path reports, reduced to what the table asserts. */
export interface Observed {
  decision: string;
  determining: string[];
  failOpenRisk: boolean;
  requestErrors: string[];
  notes?: string[];
}

export function assertCall(c: TableCall, o: Observed): void {
  const label = `${c.name}: ${JSON.stringify(o)}`;
  assert.equal(o.decision, c.expect.decision, label);
  assert.deepEqual([...o.determining].sort(), [...c.expect.determining].sort(), label);
  if (c.expect.failOpenRisk !== undefined) assert.equal(o.failOpenRisk, c.expect.failOpenRisk, label);
  if (c.expect.requestError) assert.ok(o.requestErrors.some((e) => e.includes(c.expect.requestError!)), label);
  else assert.deepEqual(o.requestErrors, [], label);
  if (c.expect.note && o.notes) assert.ok(o.notes.some((n) => n.includes(c.expect.note!)), label);
  // Deny under uncertainty: a request error is never an allow.
  if (o.requestErrors.length) assert.equal(o.decision, 'deny', label);
}
