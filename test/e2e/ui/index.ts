// Runs the UI suites (every `*.test.js` next to this file) with mocha in plain Node; the harness
// (scripts/e2e/run.mjs) starts code-server and passes the workbench URL and workspace through the environment.
// Exit code: 0 when all passed. AGENT_POLICY_E2E_RESULTS: where to write the JSON summary.
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha = require('mocha');
import { SummaryReporter } from '../support/summaryReporter';
import { checkSuiteCount } from '../support/suiteCount';

const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: SummaryReporter, reporterOptions: { output: process.env.AGENT_POLICY_E2E_RESULTS } });
if (process.env.AGENT_POLICY_E2E_GREP) mocha.grep(process.env.AGENT_POLICY_E2E_GREP);
const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
checkSuiteCount(files);
for (const f of files) mocha.addFile(path.join(__dirname, f));
mocha.run((failures) => {
  process.exitCode = failures ? 1 : 0;
});
