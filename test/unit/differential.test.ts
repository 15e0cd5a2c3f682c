import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
// The reference path calls the engine directly, with a request the test builds on its own.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cedar = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');
import { Project } from '../../server/src/core/project';
import { rng } from '../fuzz/prng';
import { MemoryHost } from '../helpers/memoryHost';
import { EXAMPLES, randomCall, rawIsAuthorized } from '../helpers/exampleCalls';



describe('simulation: differential test against a direct engine call', function () {
  this.timeout(120000);
  const dir = EXAMPLES;
  // The policies, split independently: the examples put a blank line between policies; keep what parses.
  const policies: Record<string, string> = {};
  const idOf = new Map<string, string>();
  let n = 0;
  for (const f of fs.readdirSync(path.join(dir, 'policies')).sort()) {
    for (const chunk of fs.readFileSync(path.join(dir, 'policies', f), 'utf8').split(/\n\s*\n/)) {
      const text = chunk.split('\n').filter((l) => !l.trim().startsWith('//')).join('\n').trim();
      if (!text || cedar.policyToJson(text).type !== 'success') continue;
      const key = `k${n++}`;
      policies[key] = text;
      idOf.set(key, /@id\("([^"]+)"\)/.exec(text)?.[1] ?? key);
    }
  }
  const project = new Project(MemoryHost.fromDir(dir));
  const schema = project.manifest('/ws/acme.agents.yaml')!.model!.schema;

  it('decides 1,000 random valid calls exactly as the engine does, with the same determining policies', () => {
    const rand = rng(20261130);
    let allows = 0;
    for (let i = 0; i < 1000; i++) {
      const c = randomCall(rand);
      const ours = project.simulate('/ws/acme.agents.yaml', { agent: c.agent, tool: c.tool.name, args: c.args, context: c.session });
      const ref = rawIsAuthorized(c, schema, policies);
      assert.equal(ref.type, 'success', `call ${i} ${JSON.stringify(c)}: ${JSON.stringify(ref)}`);
      if (ref.type !== 'success') continue;
      const label = `call ${i}: ${JSON.stringify({ ...c, tool: c.tool.name })}\nours: ${ours.decision} ${ours.reason} ${ours.requestErrors.join('; ')}`;
      assert.deepEqual(ours.requestErrors, [], label);
      assert.equal(ours.decision, ref.response.decision, label);
      assert.deepEqual(ours.determining.map((d) => d.id).sort(), ref.response.diagnostics.reason.map((k) => idOf.get(k)!).sort(), label);
      assert.equal(ours.failOpenRisk, ref.response.diagnostics.errors.some((e) => policies[e.policyId]!.includes('forbid')), label);
      if (ours.decision === 'allow') allows++;
    }
    // The generator must exercise both outcomes, or the comparison proves little.
    assert.ok(allows > 50 && allows < 950, `${allows} allows in 1,000 calls`);
  });
});
