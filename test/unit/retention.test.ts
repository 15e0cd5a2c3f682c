import * as assert from 'node:assert/strict';
import { Project } from '../../server/src/core/project';
import { fullCollection } from '../../server/src/node/idleCollector';
import { MemoryHost } from '../helpers/memoryHost';

const MANIFEST = `version: 1
namespace: Big
agents:
  a: {}
tools:
  - name: t
    inputSchema: { type: object, properties: { n: { type: integer } }, required: [n] }
`;

/** A full garbage collection, without starting the process with --expose-gc. */
function collect(): void {
  const gc = fullCollection();
  assert.ok(gc, 'no full collection');
  gc();
}

describe('memory over edits of a large file', function () {
  this.timeout(120000);

  it('keeps no earlier version of the text alive (a policy or token cut from one would keep all of it)', () => {
    // About 2 MB of policies with long names (a token or a policy text of 13+ characters is a view into its version).
    const policy = (i: number) => `@id("a-rather-long-policy-identifier-${i}")\npermit (principal, action == Big::Action::"t", resource)\nwhen { context.input.n < ${i % 97} && "a string literal long enough to be a slice" like "*" };\n`;
    let text = Array.from({ length: 8000 }, (_, i) => policy(i)).join('\n');
    const host = MemoryHost.of({ 'big.agents.yaml': MANIFEST, 'big.cedar': text });
    const project = new Project(host);
    project.check('/ws/big.cedar', { lint: false });
    collect();
    const base = process.memoryUsage().heapUsed;
    const edits = 30;
    for (let i = 0; i < edits; i++) {
      // An edit of one policy at a different place each time, as an editor sends it: a new string for the whole text.
      const at = text.indexOf('@id(', Math.floor((text.length * i) / edits));
      text = `${text.slice(0, at)}// edit ${i}\n${text.slice(at)}`;
      host.files.set('/ws/big.cedar', text);
      project.check('/ws/big.cedar', { lint: false });
    }
    collect();
    const grown = process.memoryUsage().heapUsed - base;
    // Each version kept alive would cost the whole text (2 × ~2 MB as UTF-16 once flattened): 30 of them over 60 MB.
    const perVersion = 2 * text.length;
    assert.ok(grown < 5 * perVersion, `the heap grew by ${(grown / 1e6).toFixed(1)} MB over ${edits} edits (${(perVersion / 1e6).toFixed(1)} MB per version kept)`);
  });
});
