// Entry point of the extension-host integration tests (VS Code's `extensionTestsPath`): runs every
// `*.test.js` next to this file with mocha, inside the extension host, with the full `vscode` API.
// Used by the code-server harness (scripts/e2e/run.mjs) and by @vscode/test-electron (test/e2e/electron.ts).
// To add a suite, drop a `something.test.ts` into this folder; share code through ./helpers.
//
// Environment: AGENT_POLICY_E2E_RESULTS (where to write the JSON summary; default: next to the workspace),
// AGENT_POLICY_E2E_GREP (run only the tests whose title matches).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha = require('mocha');
import * as vscode from 'vscode';
import { SummaryReporter } from '../support/summaryReporter';
import { checkSuiteCount } from '../support/suiteCount';

export async function run(): Promise<void> {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const output = process.env.AGENT_POLICY_E2E_RESULTS || (ws ? path.join(path.dirname(ws), `${path.basename(ws)}.ext-host-results.json`) : undefined);
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    timeout: 60_000,
    reporter: SummaryReporter,
    reporterOptions: { output },
  });
  if (process.env.AGENT_POLICY_E2E_GREP) mocha.grep(process.env.AGENT_POLICY_E2E_GREP);
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  checkSuiteCount(files);
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  console.log(`extension-host tests: ${files.length} suite file(s) in ${__dirname}; workspace ${ws ?? '(none)'}; VS Code ${vscode.version}, ${vscode.env.appHost}/${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'}`);
  await new Promise<void>((resolve, reject) => {
    try {
      mocha.run((failures) => (failures ? reject(new Error(`${failures} extension-host test(s) failed`)) : resolve()));
    } catch (e) {
      reject(e);
    }
  });
}
