// Mocha's spec reporter, plus a JSON summary written where the harness reads it (reporterOptions.output):
// { passes, failures, pending, tests, failed: [{ title, error }] }.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha = require('mocha');

export interface Summary {
  passes: number;
  failures: number;
  pending: number;
  tests: number;
  durationMs: number;
  failed: { title: string; error: string }[];
}

export class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options: Mocha.MochaOptions) {
    super(runner, options);
    const output: string | undefined = options.reporterOptions?.output;
    const failed: Summary['failed'] = [];
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test, err: Error) => {
      failed.push({ title: test.fullTitle(), error: String(err?.message ?? err) });
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      if (!output) return;
      const s = this.stats;
      const summary: Summary = { passes: s.passes, failures: s.failures, pending: s.pending, tests: s.tests, durationMs: s.duration ?? 0, failed };
      fs.mkdirSync(path.dirname(output), { recursive: true });
      fs.writeFileSync(output, JSON.stringify(summary, null, 2));
    });
  }
}


