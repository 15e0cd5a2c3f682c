import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES } from '../../server/src/core/rules';
import { REPO } from '../helpers/memoryHost';

interface Pkg {
  contributes: { configuration: { properties: Record<string, { properties?: Record<string, { markdownDescription?: string; anyOf?: unknown[] }> }> }; commands: { command: string }[] };
}

describe('package.json settings follow the rule metadata', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as Pkg;
  const props = pkg.contributes.configuration.properties;

  it('agentPolicy.rules lists every rule with its default level and options (npm run sync-rules)', () => {
    const rules = props['agentPolicy.rules']!.properties!;
    assert.deepEqual(Object.keys(rules).sort(), RULES.map((r) => r.id).sort());
    for (const r of RULES) {
      assert.ok(rules[r.id]!.markdownDescription!.includes(`(default: \`${r.defaultLevel}\`)`), `${r.id}: default level`);
      const objectForm = rules[r.id]!.anyOf![1] as { properties: Record<string, unknown> };
      assert.deepEqual(Object.keys(objectForm.properties).sort(), ['level', ...Object.keys(r.options ?? {})].sort(), `${r.id}: options`);
    }
  });

  it('every setting the extension declares is read by the client or the server', () => {
    const sources = ['client/src/extension.ts', 'server/src/lsp/features/settings.ts'].map((f) => fs.readFileSync(path.join(REPO, f), 'utf8')).join('\n');
    for (const key of Object.keys(props)) {
      const [, ...rest] = key.split('.');
      // trace.server is read by vscode-languageclient itself (its id is "agentPolicy").
      if (key === 'agentPolicy.trace.server') continue;
      const leaf = rest[rest.length - 1]!;
      assert.ok(sources.includes(leaf), `${key} is declared but nothing reads "${leaf}"`);
    }
  });

  it('every command in package.json has a handler', () => {
    const client = fs.readFileSync(path.join(REPO, 'client/src/extension.ts'), 'utf8');
    for (const c of pkg.contributes.commands) assert.ok(client.includes(`'${c.command}'`), `${c.command} has no registerCommand`);
  });
});
