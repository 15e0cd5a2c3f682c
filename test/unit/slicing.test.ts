import * as assert from 'node:assert/strict';
import * as path from 'node:path';
// The reference: the raw engine on the WHOLE set, for the very request the simulator sent to its slice.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cedar = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');
import { preparsedIdCount, preparsedSetCount } from '../../server/src/core/cedar/engine';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { Project } from '../../server/src/core/project';
import { CHUNKING } from '../../server/src/core/simulate';
import { sampleValue } from '../../server/src/core/sampleValues';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { Prng } from '../fuzz/prng';
import { generatedSet } from '../helpers/generatedSet';

describe('simulation evaluates only the slice of policies that can apply to the tool', function () {
  this.timeout(120000);

  /** Random calls, each decided by the simulator (on its groups) and by the raw engine on the whole set: all must agree. */
  function differential(seed: number) {
    const rng = new Prng(seed);
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const m = project.manifest('/ws/acme.agents.yaml')!.manifest!;
    const tools = m.tools.map((t) => t.name);
    const set = generatedSet(rng, tools, m.roles.map((r) => r.name), m.agents.map((a) => a.id), m.servers.map((x) => x.name), 150);
    // The generated set replaces the examples' policies.
    for (const f of [...host.files.keys()]) if (f.endsWith('.cedar')) host.files.delete(f);
    host.files.set('/ws/policies/generated.cedar', set.map((p) => p.text).join('\n\n'));
    const project2 = new Project(host);
    const whole = Object.fromEntries(set.map((p) => [p.id, p.text]));
    let compared = 0;
    let allows = 0;
    let errored = 0;
    for (let i = 0; i < 200; i++) {
      const tool = rng.pick(m.tools);
      const context: Record<string, unknown> = { task_id: `t-${i}`, purpose: rng.pick(['support', 'billing', 'ops', 'incident']) };
      if (rng.chance(0.5)) context.destination = rng.pick(['evil.example', 'ok.example']);
      const r = project2.simulate('/ws/acme.agents.yaml', { agent: rng.pick(m.agents).id, tool: tool.name, args: sampleValue(tool.inputSchema) ?? {}, context });
      assert.ok(r.request && r.entities, `the call reached the engine: ${r.reason}`);
      const raw = cedar.isAuthorized({
        principal: { type: 'Acme::Agent', id: JSON.parse(r.request.principal.slice('Acme::Agent::'.length)) as string },
        action: { type: 'Acme::Action', id: tool.name },
        resource: { type: 'Acme::McpServer', id: tool.server },
        context: r.request.context as never,
        entities: r.entities,
        policies: { staticPolicies: whole },
        // The schema gives the action hierarchy (`action in Action::"call_tool"`), as it does for the simulator.
        schema: project2.manifest('/ws/acme.agents.yaml')!.model!.schema,
        validateRequest: true,
      });
      assert.equal(raw.type, 'success');
      if (raw.type !== 'success') continue;
      const label = `call ${i}: ${tool.name}`;
      assert.equal(r.decision, raw.response.decision, label);
      assert.deepEqual(r.determining.map((d) => d.id).sort(), [...raw.response.diagnostics.reason].sort(), label);
      // With the messages: an entity the slice's request left out would change "attribute not found" into "does not exist".
      assert.deepEqual([...new Set(r.errors.map((e) => `${e.id}: ${e.message}`))].sort(), [...new Set(raw.response.diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`))].sort(), label);
      compared++;
      if (r.decision === 'allow') allows++;
      if (r.errors.length) errored++;
    }
    assert.equal(compared, 200);
    assert.ok(allows > 10 && allows < 190, `both decisions are exercised (${allows} allows)`);
    assert.ok(errored > 10, `errored policies are exercised (${errored})`);
  }

  it('decides random calls exactly as the raw engine on the whole set: decision, determining policies and errors', () => {
    differential(20261202);
  });

  it('decides the same when the shared policies are cut into many small chunks (one engine call each, combined as Cedar does)', () => {
    const saved = { ...CHUNKING };
    Object.assign(CHUNKING, { min: 2, average: 4, max: 8 });
    try {
      differential(7);
    } finally {
      Object.assign(CHUNKING, saved);
    }
  });

  it('reads an argument named like a Cedar escape (`__extn`) by its schema in every engine call, not by its shape', () => {
    // The engine calls after a simulation's first go without the schema when that reads the same; here it would not:
    // without the schema `{"__extn": {fn, arg}}` is a decimal, not the record the tool declares.
    const host = MemoryHost.of({
      'm.agents.yaml': [
        'version: 1',
        'namespace: N',
        'policies: [p.cedar]',
        'roles: [r]',
        'agents:',
        '  a: { roles: [r] }',
        'servers:',
        '  s:',
        '    tools:',
        '      - name: wrap',
        '        inputSchema:',
        '          type: object',
        '          properties:',
        '            __extn: { type: object, properties: { fn: { type: string }, arg: { type: string } }, required: [fn, arg] }',
        '          required: [__extn]',
        '',
      ].join('\n'),
      'p.cedar': [
        '@id("wrap-decimal")',
        'permit (principal, action == N::Action::"wrap", resource) when { context.input["__extn"].fn == "decimal" };',
        '@id("role-no-two")',
        'forbid (principal in N::Role::"r", action, resource) when { context.input["__extn"].arg == "2.0" };',
        '',
      ].join('\n'),
    });
    const project = new Project(host);
    const call = (arg: string) => project.simulate('/ws/m.agents.yaml', { agent: 'a', tool: 'wrap', args: { __extn: { fn: 'decimal', arg } }, context: {} });
    const one = call('1.0');
    assert.deepEqual([one.decision, one.determining.map((d) => d.id), one.errors.length], ['allow', ['wrap-decimal'], 0], one.reason);
    const two = call('2.0');
    assert.deepEqual([two.decision, two.determining.map((d) => d.id), two.errors.length], ['deny', ['role-no-two'], 0], two.reason);
  });

  it('gives the engine calls made without the schema the actions the policies name as literals, with their groups', () => {
    // The role's group goes first (with the schema); the tool's group goes without it, and its permit asks whether
    // another action is in `call_tool`: true with the schema, false if that action's entity were not sent.
    const host = MemoryHost.of({
      'm.agents.yaml': ['version: 1', 'namespace: N', 'policies: [p.cedar]', 'roles: [r]', 'agents:', '  a: { roles: [r] }', '  b: {}', 'servers:', '  s:', '    tools:', '      - { name: wrap }', '      - { name: other }', ''].join('\n'),
      'p.cedar': [
        '@id("other-in-group")',
        'permit (principal, action == N::Action::"wrap", resource) when { N::Action::"other" in N::Action::"call_tool" };',
        '@id("role-never")',
        'forbid (principal in N::Role::"r", action, resource) when { principal == N::Agent::"b" };',
        '',
      ].join('\n'),
    });
    const r = new Project(host).simulate('/ws/m.agents.yaml', { agent: 'a', tool: 'wrap', args: {}, context: {} });
    assert.deepEqual([r.decision, r.determining.map((d) => d.id), r.errors.length], ['allow', ['other-in-group'], 0], r.reason);
  });

  it('keeps the schema on every engine call when a policy names an action of another namespace (a hand-written schema)', () => {
    const host = MemoryHost.of({
      'm.agents.yaml': ['version: 1', 'namespace: N', 'schema: [ext.cedarschema]', 'policies: [p.cedar]', 'roles: [r]', 'agents:', '  a: { roles: [r] }', '  b: {}', 'servers:', '  s:', '    tools:', '      - { name: wrap }', ''].join('\n'),
      'ext.cedarschema': 'namespace Ext {\n  action "grp";\n  action "y" in ["grp"];\n}\n',
      'p.cedar': [
        '@id("ext-in-group")',
        'permit (principal, action == N::Action::"wrap", resource) when { Ext::Action::"y" in Ext::Action::"grp" };',
        '@id("role-never")',
        'forbid (principal in N::Role::"r", action, resource) when { principal == N::Agent::"b" };',
        '',
      ].join('\n'),
    });
    const project = new Project(host);
    assert.ok(project.manifest('/ws/m.agents.yaml')?.model, 'the manifest and its hand-written schema make a model');
    const r = project.simulate('/ws/m.agents.yaml', { agent: 'a', tool: 'wrap', args: {}, context: {} });
    assert.deepEqual([r.decision, r.determining.map((d) => d.id), r.errors.length], ['allow', ['ext-in-group'], 0], r.reason);
  });

  it('keeps a bounded set of engine ids over hundreds of edits and simulations (memory stays flat)', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const m = project.manifest('/ws/acme.agents.yaml')!.manifest!;
    const file = '/ws/policies/support.cedar';
    const original = host.files.get(file)!;
    const before = preparsedIdCount();
    for (let i = 0; i < 300; i++) {
      // Each edit changes the policy set's content (a new comment-free literal), so every simulation needs a new preparse.
      host.files.set(file, `${original}\n@id("edit-${i}")\nforbid (principal, action == Acme::Action::"get_order", resource) when { context.session.task_id == "t-${i}" };\n`);
      const tool = m.tools[i % m.tools.length]!;
      const r = project.simulate('/ws/acme.agents.yaml', { agent: 'support-bot', tool: tool.name, args: sampleValue(tool.inputSchema) ?? {}, context: { task_id: 't', purpose: 'support' } });
      assert.ok(r.reason.length > 0);
    }
    const grown = preparsedIdCount() - before;
    // One id per tool, server, agent and role, one per chunk of the shared policies (one here), the schema's and the empty set's, whatever the number of edits.
    const bound = m.tools.length + m.servers.length + m.agents.length + m.roles.length + 3;
    assert.ok(grown <= bound, `${grown} new engine ids after 300 edits (at most ${bound} expected)`);
  });

  it('warms up every group ahead of the simulations, and after an edit only the group it changed', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const entry = () => project.manifest('/ws/acme.agents.yaml')!;
    const m = entry().manifest!;
    const simulateAll = () => {
      const before = preparsedSetCount();
      for (const a of m.agents) for (const t of m.tools) project.simulate('/ws/acme.agents.yaml', { agent: a.id, tool: t.action, args: sampleValue(t.inputSchema) ?? {}, context: { task_id: 't', purpose: 'support' } });
      return preparsedSetCount() - before;
    };
    runToEnd(project.warmSimulationSteps(entry()));
    assert.equal(simulateAll(), 0, 'no simulation of any agent and tool preparses after the warm-up');
    assert.equal(runToEnd(project.warmSimulationSteps(entry())), 0, 'a second warm-up finds everything held');
    // An edit of one tool's policy: the warm-up preparses that tool's group alone, and the simulations nothing more.
    const file = '/ws/policies/support.cedar';
    host.files.set(file, `${host.files.get(file)}\n@id("warm-edit")\nforbid (principal, action == Acme::Action::"get_order", resource) when { context.session.task_id == "t-warm" };\n`);
    assert.equal(runToEnd(project.warmSimulationSteps(entry())), 1, 'one group changed');
    assert.equal(simulateAll(), 0, 'nothing left to preparse after the edit');
    // The control: without the warm-up, the simulations preparse the changed group themselves.
    host.files.set(file, `${host.files.get(file)}\n@id("cold-edit")\nforbid (principal, action == Acme::Action::"get_order", resource) when { context.session.task_id == "t-cold" };\n`);
    assert.equal(simulateAll(), 1, 'the simulations preparse the changed group once');
  });
});
