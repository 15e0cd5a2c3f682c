import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../helpers/memoryHost';

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

const importsOf = (file: string) => [...fs.readFileSync(file, 'utf8').matchAll(/(?:from\s+|require\()\s*'([^']+)'/g)].map((m) => m[1]!);

describe('architecture', () => {
  it('the core imports nothing from VS Code, the language server, Node or the file system', () => {
    for (const f of sources(path.join(REPO, 'server', 'src', 'core'))) {
      for (const i of importsOf(f)) {
        assert.ok(!/^(vscode|vscode-languageserver|vscode-languageclient|fs|path|child_process|node:)/.test(i), `${path.relative(REPO, f)} imports ${i}`);
      }
    }
  });

  it('only cedar/engine.ts calls the Cedar engine', () => {
    const callers = [...sources(path.join(REPO, 'server', 'src')), ...sources(path.join(REPO, 'client', 'src'))].filter((f) => importsOf(f).some((i) => i.startsWith('@cedar-policy/cedar-wasm')));
    assert.deepEqual(callers.map((f) => path.relative(REPO, f).split(path.sep).join('/')), ['server/src/core/cedar/engine.ts']);
  });

  it('the client does no analysis: it imports only the protocol types from the server', () => {
    for (const f of sources(path.join(REPO, 'client', 'src'))) {
      for (const i of importsOf(f).filter((x) => x.includes('server/'))) assert.match(i, /server\/src\/protocol$/, `${path.relative(REPO, f)} imports ${i}`);
    }
  });
});
