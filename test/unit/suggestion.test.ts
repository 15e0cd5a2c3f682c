import * as assert from 'node:assert/strict';
import { validatePolicies } from '../../server/src/core/cedar/engine';
import { Project } from '../../server/src/core/project';
import { MemoryHost } from '../helpers/memoryHost';

const MANIFEST = `version: 1
namespace: Shop
agents:
  bot: {}
tools:
  - name: read_logs
    inputSchema: { type: object, properties: { service: { type: string } } }
  - name: issue_refund
    inputSchema: { type: object, properties: { amount: { type: integer } } }
`;

describe('"did you mean" for an unrecognized action', () => {
  it('is the same on every validation (Cedar picks among near candidates in hash-map order), and the closest id', () => {
    const project = new Project(MemoryHost.of({ 'shop.agents.yaml': MANIFEST }));
    const schema = project.manifest('/ws/shop.agents.yaml')!.model!.schema;
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 40; i++) {
      const r = validatePolicies(schema, { p: 'permit (principal, action == Shop::Action::"send_email", resource);' }, {});
      seen.add(r.errors.get('p')?.[0]?.help);
    }
    // `read_logs` is 7 edits from `send_email`, `call_tool` (the group every tool is in) 8.
    assert.deepEqual([...seen], ['did you mean `Shop::Action::"read_logs"`?']);
  });
});

describe('"did you mean" for an unrecognized entity type', () => {
  it('is the same on every validation, and the closest type of the schema (ties in alphabetical order)', () => {
    const project = new Project(MemoryHost.of({ 'shop.agents.yaml': MANIFEST }));
    const schema = project.manifest('/ws/shop.agents.yaml')!.model!.schema;
    for (const [wrong, want] of [
      ['Shop::Agen', 'Shop::Agent'],
      ['Shop::Rol', 'Shop::Role'],
    ] as const) {
      const seen = new Set<string | undefined>();
      for (let i = 0; i < 40; i++) {
        const r = validatePolicies(schema, { p: `permit (principal in ${wrong}::"x", action, resource);` }, {});
        seen.add(r.errors.get('p')?.[0]?.help);
      }
      assert.deepEqual([...seen], [`did you mean \`${want}\`?`], wrong);
    }
    // Equally far from several types: always the same one.
    const far = new Set<string | undefined>();
    for (let i = 0; i < 40; i++) far.add(validatePolicies(schema, { p: 'permit (principal in Shop::Qq::"x", action, resource);' }, {}).errors.get('p')?.[0]?.help);
    assert.equal(far.size, 1, [...far].join(' | '));
  });
});
