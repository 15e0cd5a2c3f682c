import * as assert from 'node:assert/strict';
import { Project } from '../../server/src/core/project';
import { MemoryHost } from '../helpers/memoryHost';

const MANIFEST = `version: 1
namespace: Big
agents:
  a: {}
tools:
  - name: t
    inputSchema: { type: object, properties: { n: { type: integer } }, required: [n] }
`;

function policy(i: number, broken: 'syntax' | 'validation' | 'none'): string {
  const cond = broken === 'validation' ? 'context.input.nn < 5' : 'context.input.n < 5';
  const scope = broken === 'syntax' ? 'principal action' : 'principal';
  return `@id("p${i}")\npermit (${scope}, action == Big::Action::"t", resource)\nwhen { ${cond} };\n`;
}

describe('a file of 1,000 policies', () => {
  const build = (edit?: number) =>
    Array.from({ length: 1000 }, (_, i) => policy(i === edit ? -1 : i, i === 499 ? 'syntax' : i === 998 ? 'validation' : 'none')).join('\n');

  it('reports exactly the broken ones, at their lines, and re-checks only the edited policy', () => {
    const host = MemoryHost.of({ 'big.agents.yaml': MANIFEST, 'big.cedar': build() });
    const project = new Project(host);
    const ds = project.check('/ws/big.cedar', { lint: false }).diagnostics;
    // Each policy takes 3 lines plus a blank line: policy i starts on 0-based line 4 * i.
    assert.deepEqual(
      ds.map((d) => [d.code, d.range.start.line, d.range.start.character, d.policyId]),
      [
        ['cedar-syntax', 4 * 499 + 1, 18, 'p499'],
        ['cedar-validation', 4 * 998 + 2, 7, 'p998'],
      ],
    );
    const parses = project.cache.parses;
    const validations = project.cache.validations;
    // Edit one policy (its id): one parse and one validation more, not a thousand.
    host.files.set('/ws/big.cedar', build(10));
    const again = project.check('/ws/big.cedar', { lint: false }).diagnostics;
    assert.equal(again.length, 2);
    assert.equal(project.cache.parses - parses, 1);
    assert.equal(project.cache.validations - validations, 1);
  });
});
