import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { sampleValue } from '../../server/src/core/sampleValues';
import { redactValue } from '../../server/src/core/redact';
import { decimalText } from '../../server/src/core/cedar/values';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { assertCall, simulationTable } from '../helpers/simulationTable';

describe('simulation (core): the table of calls over the examples', () => {
  const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
  const project = new Project(host);
  const { manifest, calls } = simulationTable();
  it('has at least 40 calls covering every kind of outcome', () => {
    assert.ok(calls.length >= 40);
    assert.ok(calls.some((c) => c.expect.decision === 'allow'));
    assert.ok(calls.some((c) => c.expect.decision === 'deny' && c.expect.determining.length > 0), 'denied by a forbid');
    assert.ok(calls.some((c) => c.expect.decision === 'deny' && c.expect.determining.length === 0 && !c.expect.requestError), 'no permit applies');
    assert.ok(calls.some((c) => c.expect.requestError), 'invalid requests');
    assert.ok(calls.some((c) => c.via?.length), 'delegation');
    assert.ok(calls.some((c) => c.expect.decision === 'allow' && c.expect.failOpenRisk), 'allowed with fail-open risk');
  });
  for (const c of calls) {
    it(c.name, () => {
      const r = project.simulate(`/ws/${manifest}`, c);
      assertCall(c, { decision: r.decision, determining: r.determining.map((d) => d.id), failOpenRisk: r.failOpenRisk, requestErrors: r.requestErrors, notes: r.notes });
    });
  }

  it('reports the determining policies with their file and span, and the exact Cedar request', () => {
    const r = project.simulate('/ws/acme.agents.yaml', { agent: 'support-bot', tool: 'issue_refund', args: { order_id: 'o-1', amount: 50 }, context: { task_id: 't', purpose: 'support' } });
    assert.equal(r.determining[0]!.file, '/ws/policies/support.cedar');
    const text = host.readFile('/ws/policies/support.cedar')!;
    assert.match(text.slice(r.determining[0]!.span.start, r.determining[0]!.span.end), /^@id\("support-refund-small"\)\npermit/);
    assert.deepEqual(r.request, {
      principal: 'Acme::Agent::"support-bot"',
      action: 'Acme::Action::"issue_refund"',
      resource: 'Acme::McpServer::"default"',
      context: { input: { order_id: 'o-1', amount: 50 }, session: { task_id: 't', purpose: 'support' } },
    });
    assert.deepEqual(r.errors.map((e) => e.id), ['refund-large-needs-approval']);
  });

  it('does not re-parse an unchanged policy set between simulations', () => {
    const before = project.cache.parses;
    for (let i = 0; i < 20; i++) project.simulate('/ws/acme.agents.yaml', calls[i % calls.length]!);
    assert.equal(project.cache.parses, before);
  });

  it('denies, with the reason, when there is no manifest or it is broken', () => {
    const p = new Project(MemoryHost.of({ 'x.agents.yaml': 'version: 1\nagents: [\n' }));
    const r = p.simulate('/ws/x.agents.yaml', { agent: 'a', tool: 't' });
    assert.equal(r.decision, 'deny');
    assert.match(r.requestErrors[0]!, /errors that prevent generating the Cedar schema/);
    const none = new Project(MemoryHost.of({})).simulate(undefined, { agent: 'a', tool: 't' });
    assert.equal(none.decision, 'deny');
  });

  it('denies every call when a forbid of the set does not parse', () => {
    const files = { ...Object.fromEntries([...host.files].map(([k, v]) => [k.slice(4), v])) };
    files['policies/guardrails.cedar'] += '\n@id("broken-forbid")\nforbid (principal, action, resource) when { ;\n';
    const p = new Project(MemoryHost.of(files));
    const r = p.simulate('/ws/acme.agents.yaml', { agent: 'support-bot', tool: 'get_order', args: { order_id: 'o' }, context: { task_id: 't', purpose: 'support' } });
    assert.equal(r.decision, 'deny');
    assert.match(r.requestErrors.join('\n'), /forbid `broken-forbid`.*does not parse/);
  });
});

describe('simulation helpers', () => {
  it('makes valid example arguments from input schemas', () => {
    const schema = { type: 'object', properties: { to: { type: 'string', format: 'email' }, n: { type: 'integer', minimum: 3 }, c: { type: 'string', enum: ['USD', 'EUR'] }, tags: { type: 'array', items: { type: 'string' } } }, required: ['to', 'n'] };
    assert.deepEqual(sampleValue(schema), { to: 'jane@example.com', n: 3, c: 'USD', tags: ['example'] });
  });

  it('redacts writeOnly and x-sensitive fields in the decision log', () => {
    const schema = { type: 'object', properties: { card: { type: 'string', writeOnly: true }, note: { type: 'string' }, auth: { type: 'object', properties: { token: { type: 'string', 'x-sensitive': true } } } } };
    assert.deepEqual(redactValue({ card: '4111', note: 'hi', auth: { token: 'abc' } }, schema).value, { card: '[redacted]', note: 'hi', auth: { token: '[redacted]' } });
  });

  it("shows an agent's sensitive attributes redacted in every simulation's entities, the first and the next", () => {
    const manifest = [
      'version: 1',
      'namespace: S',
      'agent_attributes:',
      '  type: object',
      '  properties:',
      '    team: { type: string }',
      '    api_key: { type: string, x-sensitive: true }',
      'agents:',
      '  a: { attributes: { team: red, api_key: sk-live-0000aaaa } }',
      '  b: { attributes: { team: blue, api_key: sk-live-1111bbbb } }',
      'tools:',
      '  - name: t',
      '    inputSchema: { type: object }',
      '',
    ].join('\n');
    const p = new Project(MemoryHost.of({ 's.agents.yaml': manifest, 'p.cedar': 'permit (principal, action, resource) when { principal.team == "red" };\n' }));
    for (const [agent, decision] of [['a', 'allow'], ['b', 'deny'], ['a', 'allow'], ['b', 'deny']] as const) {
      const r = p.simulate('/ws/s.agents.yaml', { agent, tool: 't', args: {} });
      assert.equal(r.decision, decision, `${agent}: ${r.reason}`);
      const shown = JSON.stringify(r);
      assert.doesNotMatch(shown, /sk-live/, `${agent}: a secret attribute left the core`);
      const agents = (r.entities ?? []).filter((e) => (e.uid as { type: string }).type === 'S::Agent');
      assert.deepEqual(
        agents.map((e) => [(e.uid as { id: string }).id, e.attrs]),
        [
          ['a', { team: 'red', api_key: '[redacted]' }],
          ['b', { team: 'blue', api_key: '[redacted]' }],
        ],
      );
    }
  });

  it('converts numbers to Cedar decimals only when exact', () => {
    assert.equal(decimalText(1.5), '1.5');
    assert.equal(decimalText(2), '2.0');
    assert.equal(decimalText(0.12345), undefined);
    assert.equal(decimalText(1e21), undefined);
  });
});
