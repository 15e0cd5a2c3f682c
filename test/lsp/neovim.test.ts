import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { copyToTemp, documentedMistakes } from '../helpers/examples';
import { SERVER } from '../helpers/lspClient';
import { REPO } from '../helpers/memoryHost';

/**
 * The server with a second, independent LSP client: Neovim's built-in one (Debian's neovim; .ci/run
 * installs it). Neovim counts columns in bytes, the server in UTF-16 code units; the examples are ASCII.
 */
describe('language server with Neovim as the client', function () {
  this.timeout(60000);
  const nvim = spawnSync('nvim', ['--version'], { encoding: 'utf8' });

  it('shows the documented diagnostics of a policy file, at their ranges', function () {
    assert.equal(nvim.status, 0, 'neovim is not installed (apt-get install neovim); .ci/run installs it');
    const ws = copyToTemp();
    try {
      const rel = 'policies/refunds.cedar';
      const expected = documentedMistakes().filter((m) => m.file === rel);
      const out = path.join(ws, 'nvim-diagnostics.json');
      const r = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-c', `luafile ${path.join(REPO, 'test', 'nvim', 'diagnostics.lua')}`], {
        encoding: 'utf8',
        timeout: 50000,
        env: { ...process.env, APOL_SERVER: SERVER, APOL_NODE: process.execPath, APOL_ROOT: ws, APOL_FILE: path.join(ws, rel), APOL_EXPECT: String(expected.length), APOL_OUT: out },
      });
      assert.ok(fs.existsSync(out), `neovim wrote nothing: ${r.stderr}${r.stdout}`);
      const got = JSON.parse(fs.readFileSync(out, 'utf8')) as { ok: boolean; diagnostics: { line: number; col: number; end_line: number; end_col: number; code: string; source: string }[] };
      assert.ok(got.ok, `timed out waiting for ${expected.length} diagnostics: ${JSON.stringify(got.diagnostics)}`);
      const actual = got.diagnostics.map((d) => `${d.line + 1}:${d.col + 1}-${d.end_line + 1}:${d.end_col + 1} ${d.code}`).sort();
      assert.deepEqual(actual, expected.map((m) => `${m.range} ${m.code}`).sort());
      assert.ok(got.diagnostics.every((d) => d.source === 'agent-policy'));
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  });
});
