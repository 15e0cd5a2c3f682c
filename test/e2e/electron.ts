// `npm run test:electron`: the same extension-host suites (test/e2e/suite) in desktop VS Code, downloaded by
// @vscode/test-electron (needs internet: update.code.visualstudio.com). Where VS Code cannot be downloaded, use
// `npm run test:e2e`, which runs them in code-server from the npm registry.
//
// Environment: VSCODE_VERSION (default 'stable'), VSCODE_EXECUTABLE (an installed VS Code to use instead of a download).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests, TestRunFailedError } from '@vscode/test-electron';
import type { Summary } from './support/summaryReporter';

async function main(): Promise<number> {
  const repo = path.resolve(__dirname, '..', '..', '..');
  const run = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-policy-electron-'));
  const workspace = path.join(run, 'examples');
  fs.cpSync(path.join(repo, 'examples'), workspace, { recursive: true }); // never the committed folder
  const results = path.join(run, 'ext-host-results.json');
  let keep = false;
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      vscodeExecutablePath: process.env.VSCODE_EXECUTABLE || undefined,
      extensionDevelopmentPath: repo,
      extensionTestsPath: path.join(__dirname, 'suite', 'index'),
      extensionTestsEnv: { AGENT_POLICY_E2E_RESULTS: results, AGENT_POLICY_E2E_EXPECT_EXTENSION_PATH: repo },
      launchArgs: [
        workspace,
        '--disable-extensions', // other installed extensions; the one under test still loads
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        '--user-data-dir', path.join(run, 'user-data'),
      ],
      timeout: 30_000,
    });
  } catch (e) {
    const summary = readSummary(results);
    if (e instanceof TestRunFailedError || summary) {
      console.error(`\nextension-host tests failed in desktop VS Code${summary ? `: ${summary.failures} failed, ${summary.passes} passed` : ` (${String(e)})`}; run folder: ${run}`);
      keep = true;
    } else {
      console.error(`\ntest:electron: could not download or start VS Code: ${e instanceof Error ? e.message : String(e)}
@vscode/test-electron downloads VS Code from the internet (update.code.visualstudio.com). Without internet access,
run the same suites in code-server from the npm registry instead:  npm run test:e2e
(or point VSCODE_EXECUTABLE at an installed VS Code).`);
    }
    return 1;
  } finally {
    if (!keep) fs.rmSync(run, { recursive: true, force: true });
  }
  const s = readSummary(results);
  console.log(s ? `test:electron: ${s.passes} passed, ${s.failures} failed, ${s.pending} skipped` : 'test:electron: no results written');
  return s && s.failures === 0 ? 0 : 1;
}

function readSummary(file: string): Summary | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
  } catch {
    return undefined;
  }
}

main().then((code) => process.exit(code));
