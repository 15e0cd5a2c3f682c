import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
// The reference: the raw engine, on the request the simulation sent, with the explanation's own printed text.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cedar = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');
import { Project } from '../../server/src/core/project';
import type { SimulationInput, SimulationResult } from '../../server/src/core/simulate';
import { sampleValue } from '../../server/src/core/sampleValues';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { Prng } from '../fuzz/prng';
import { generatedSet } from '../helpers/generatedSet';

interface Case {
  name: string;
  call: SimulationInput;
  decision: 'allow' | 'deny';
  examined: 'permit' | 'forbid';
  policies: { id: string; status: string; text?: string; values?: Record<string, string>; nearest?: { change: string; allows: boolean }; misses?: string[] }[];
}

const MANIFEST = '/ws/acme.agents.yaml';

describe('explanations of simulated decisions', function () {
  this.timeout(120000);

  const cases = parse(fs.readFileSync(path.join(REPO, 'test/fixtures/explain/cases.yaml'), 'utf8')) as Case[];
  for (const c of cases) {
    it(`explains: ${c.name}`, () => {
      const project = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
      const r = project.simulate(MANIFEST, { ...c.call, explain: true });
      assert.equal(r.decision, c.decision, r.reason);
      const x = r.explanation!;
      assert.ok(x, 'an explanation');
      assert.equal(x.examined, c.examined);
      assert.deepEqual(
        x.policies.map((p) => ({
          id: p.id,
          status: p.status,
          ...(p.blocking ? { text: p.blocking.text, values: Object.fromEntries(p.blocking.values.map((v) => [v.path, v.value])) } : {}),
          ...(p.nearest ? { nearest: { change: p.nearest.change, allows: p.nearest.allows } } : {}),
          ...(p.scopeMisses ? { misses: p.scopeMisses } : {}),
        })),
        c.policies,
      );
    });
  }

  it('never shows a sensitive value: the values it quotes are the redacted ones, in conditions and in errors', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'test/fixtures/jsondata'));
    // A permit that compares the sensitive session token (x-sensitive in the manifest's context schema), and one that
    // errors on it (a string is not a Long): neither the quoted value nor the message may carry the token.
    host.files.set('/ws/policies/vault.cedar', '@id("token-check")\npermit (principal, action == Vault::Action::"set_option", resource) when { context.session.session_token == "expected" };\n@id("token-error")\npermit (principal, action == Vault::Action::"set_option", resource) when { context.session.session_token like "x*" && context.session.session_token.lessThan(decimal("1.0")) };\n');
    const project = new Project(host);
    const secret = 'tok-3f9a-very-secret';
    const r = project.simulate('/ws/vault.agents.yaml', { agent: 'ops-bot', tool: 'set_option', args: { name: 'n' }, context: { purpose: 'p', session_token: secret }, explain: true });
    const p = r.explanation?.policies.find((q) => q.id === 'token-check');
    assert.ok(p?.blocking, JSON.stringify(r.explanation));
    assert.deepEqual(p.blocking.values, [{ path: 'context.session.session_token', value: '"[redacted]"' }]);
    assert.ok(!JSON.stringify(r).includes(secret), `the secret is nowhere in the result: ${JSON.stringify(r.explanation)}`);
  });

  /**
   * Random calls on random policy sets: every claim of an explanation is checked by the engine itself, with the text
   * the explanation printed — the condition evaluates as claimed on the simulation's request, each quoted value is the
   * call's, an out-of-scope policy's scope does not match, the nearest change decides as claimed, and every examined
   * policy whose scope matches is listed.
   */
  it('claims only what the engine confirms, on random calls and policy sets', () => {
    const rng = new Prng(4242);
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const base = new Project(host);
    const m = base.manifest(MANIFEST)!.manifest!;
    const set = generatedSet(rng, m.tools.map((t) => t.name), m.roles.map((r) => r.name), m.agents.map((a) => a.id), m.servers.map((s) => s.name), 120);
    for (const f of [...host.files.keys()]) if (f.endsWith('.cedar')) host.files.delete(f);
    // Numeric thresholds too, so that some explanations carry a nearest change.
    const thresholds = Array.from({ length: 20 }, (_, i) => `@id("amount-${i}")\npermit (principal in Acme::Role::"${rng.pick(m.roles).name}", action == Acme::Action::"issue_refund", resource) when { context.input.amount <= ${rng.int(500)} };`);
    host.files.set('/ws/policies/generated.cedar', [...set.map((p) => p.text), ...thresholds].join('\n\n'));
    const project = new Project(host);
    const schema = project.manifest(MANIFEST)!.model!.schema;
    const byId = new Map([...set.map((p) => [p.id, p.text] as const), ...thresholds.map((t) => [/"(amount-\d+)"/.exec(t)![1]!, t] as const)]);
    const counts = { calls: 0, conditions: 0, values: 0, outOfScope: 0, nearest: 0, errored: 0 };
    for (let i = 0; i < 120; i++) {
      const tool = rng.chance(0.3) ? m.tools.find((t) => t.name === 'issue_refund')! : rng.pick(m.tools);
      const args = (sampleValue(tool.inputSchema) ?? {}) as Record<string, unknown>;
      if (tool.name === 'issue_refund') args.amount = rng.int(600);
      const context: Record<string, unknown> = { task_id: `t-${i}`, purpose: rng.pick(['support', 'billing', 'ops', 'incident']) };
      if (rng.chance(0.5)) context.destination = rng.pick(['evil.example', 'ok.example']);
      const call = { agent: rng.pick(m.agents).id, tool: tool.name, args, context };
      const r = project.simulate(MANIFEST, { ...call, explain: true });
      if (!r.request || r.cannotEvaluate) continue;
      counts.calls++;
      const x = r.explanation!;
      assert.ok(x && !x.unavailable, `call ${i}: an explanation (${x?.unavailable})`);
      const evalPolicy = (text: string) => rawEval(r, tool.name, tool.server, text, schema);
      for (const p of x.policies) {
        const label = `call ${i} ${JSON.stringify(call)}: ${p.id}`;
        if (p.status === 'out-of-scope') {
          counts.outOfScope++;
          const scopeOnly = byId.get(p.id)!.replace(/^(@id\("[^"]+"\)\n)(permit|forbid)/, '$1permit').replace(/\)( when| unless) \{[\s\S]*\};$/, ');');
          assert.equal(evalPolicy(scopeOnly), 'false', `${label}: its scope does not match`);
          continue;
        }
        if (!p.blocking) continue;
        const got = evalPolicy(`permit (principal, action, resource) when { ${p.blocking.text} };`);
        if (p.status === 'errored') {
          counts.errored++;
          assert.equal(got, 'error', `${label}: \`${p.blocking.text}\` errors`);
        } else {
          counts.conditions++;
          assert.equal(got, p.blocking.clause === 'when' ? 'false' : 'true', `${label}: \`${p.blocking.text}\` is as claimed`);
        }
        for (const v of p.blocking.values) {
          if (v.value === 'absent') continue;
          counts.values++;
          assert.equal(evalPolicy(`permit (principal, action, resource) when { ${v.path} == ${v.value} };`), 'true', `${label}: ${v.path} = ${v.value}`);
        }
        if (p.nearest) {
          counts.nearest++;
          const [, part, name] = p.nearest.path.split('.');
          const changed = part === 'input' ? { ...call, args: { ...args, [name!]: p.nearest.value } } : { ...call, context: { ...context, [name!]: p.nearest.value } };
          assert.equal(project.simulate(MANIFEST, changed).decision === 'allow', p.nearest.allows, `${label}: with ${p.nearest.change}`);
        }
      }
      // Complete: every examined policy whose scope matches the call is listed as in scope.
      const listed = new Set(x.policies.filter((p) => p.status !== 'out-of-scope').map((p) => p.id));
      for (const [id, text] of byId) {
        if (!text.includes(`${x.examined} (`)) continue;
        const scopeOnly = text.replace(/^(@id\("[^"]+"\)\n)(permit|forbid)/, '$1permit').replace(/\)( when| unless) \{[\s\S]*\};$/, ');');
        if (evalPolicy(scopeOnly) === 'true') assert.ok(listed.has(id), `call ${i}: ${id} is in scope and listed`);
      }
    }
    console.log(`      explain: ${JSON.stringify(counts)}`);
    assert.ok(counts.calls > 80 && counts.conditions > 50 && counts.values > 20 && counts.outOfScope > 50 && counts.nearest > 3 && counts.errored > 3, JSON.stringify(counts));
  });
});

/** One policy, evaluated by the raw engine on the request the simulation sent: 'true' (it applies), 'false', 'error'. */
function rawEval(r: SimulationResult, tool: string, server: string, text: string, schema: unknown): 'true' | 'false' | 'error' {
  const a = cedar.isAuthorized({
    principal: { type: 'Acme::Agent', id: JSON.parse(r.request!.principal.slice('Acme::Agent::'.length)) as string },
    action: { type: 'Acme::Action', id: tool },
    resource: { type: 'Acme::McpServer', id: server },
    context: r.request!.context as never,
    entities: r.entities!,
    policies: { staticPolicies: { x: text } },
    schema: schema as never,
    validateRequest: true,
  });
  if (a.type !== 'success') throw new Error(`the engine refused: ${JSON.stringify(a.errors)} for ${text}`);
  if (a.response.diagnostics.errors.length) return 'error';
  return a.response.decision === 'allow' ? 'true' : 'false';
}
