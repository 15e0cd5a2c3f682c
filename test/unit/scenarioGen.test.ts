import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { Project } from '../../server/src/core/project';
import { appendScenariosEdit } from '../../server/src/core/scenarioEdit';
import { generateScenarios, type GenerateResult } from '../../server/src/core/scenarioGen';
import { judgeScenario } from '../../server/src/core/scenarios';
import { simulate } from '../../server/src/core/simulate';
import { FIXTURES, MemoryHost, REPO } from '../helpers/memoryHost';
import { SECRETS } from '../helpers/jsondata';

/** Generates for a tool of a manifest in `dir` (a copy in memory, `edit` applied to its files first). */
function generate(dir: string, manifest: string, tool: string, options: Parameters<typeof generateScenarios>[3] = {}, edit?: (host: MemoryHost) => void) {
  const host = MemoryHost.fromDir(dir);
  edit?.(host);
  const project = new Project(host);
  const entry = project.manifest(`/ws/${manifest}`)!;
  const set = runToEnd(project.policySetSteps(entry));
  return { host, project, entry, set, result: generateScenarios(entry, set, tool, options) };
}

/** Writes the scenarios into the manifest with the one edit path, reloads it, and runs every generated scenario. */
function writeAndRun(g: ReturnType<typeof generate>, manifest: string) {
  const file = `/ws/${manifest}`;
  const text = g.host.readFile(file)!;
  const e = appendScenariosEdit(file, text, g.result.scenarios, g.entry.manifest);
  assert.ok(e, 'the manifest can be edited');
  const written = text.slice(0, e.span.start) + e.newText + text.slice(e.span.end);
  assert.equal(parseDocument(written).errors.length, 0, written);
  g.host.files.set(file, written);
  const project = new Project(g.host);
  const entry = project.manifest(file)!;
  const set = runToEnd(project.policySetSteps(entry));
  const names = new Set(g.result.scenarios.map((s) => s.name));
  const mine = entry.manifest!.scenarios.filter((s) => names.has(s.name));
  assert.equal(mine.length, g.result.scenarios.length, 'every generated scenario is in the manifest');
  return { written, outcomes: mine.map((s) => judgeScenario(s, simulate(entry, set, { agent: s.agent, tool: s.tool, args: s.args, context: s.context, via: s.via }))) };
}

const EXAMPLES = path.join(REPO, 'examples');

describe('Generate Scenarios for Tool (core)', () => {
  let refund: ReturnType<typeof generate>;
  before(() => {
    refund = generate(EXAMPLES, 'acme.agents.yaml', 'issue_refund');
  });

  it('proposes boundary calls of a conditional tool, both allowed and denied, under readable unique names', () => {
    const r: GenerateResult = refund.result;
    assert.equal(r.error, undefined);
    assert.ok(r.scenarios.length >= 2 && r.scenarios.length <= 20, `${r.scenarios.length} scenarios`);
    assert.ok(r.scenarios.some((s) => s.expect === 'allow'), 'an allow');
    assert.ok(r.scenarios.some((s) => s.expect === 'deny'), 'a deny');
    const names = r.scenarios.map((s) => s.name);
    assert.equal(new Set(names).size, names.length, 'unique names');
    const existing = new Set(refund.entry.manifest!.scenarios.map((s) => s.name));
    assert.ok(names.every((n) => !existing.has(n)), 'no name of an existing scenario');
    assert.ok(names.every((n, i) => n.startsWith(`${r.scenarios[i]!.agent} issue_refund `)), names.join('\n'));
    // A threshold a policy draws (support-refund-small: amount <= 50) is probed on both sides.
    const at = (n: string) => r.scenarios.find((s) => s.name === n);
    assert.equal(at('support-bot issue_refund amount = 50 (a policy compares with it)')?.expect, 'allow', names.join('\n'));
    assert.equal(at('support-bot issue_refund amount = 51 (one above 50)')?.expect, 'deny', names.join('\n'));
    // The default agents: those a permit can reach the tool for.
    assert.deepEqual([...r.agents].sort(), [...r.reaching].sort());
    assert.ok(r.agents.includes('support-bot') && r.agents.includes('refund-agent') && !r.agents.includes('ops-agent'), r.agents.join(', '));
    for (const s of r.scenarios) assert.ok(s.expect === 'deny' || s.policies.length > 0, `${s.name}: an allow names its policies`);
  });

  it('every generated scenario passes when run from the manifest it was written into', () => {
    const { outcomes } = writeAndRun(refund, 'acme.agents.yaml');
    for (const o of outcomes) assert.ok(o.passed, `${o.scenario.name}: ${o.summary}`);
  });

  it('is deterministic, and the names stay unique against the scenarios already written', () => {
    const again = generate(EXAMPLES, 'acme.agents.yaml', 'issue_refund');
    assert.deepEqual(again.result.scenarios, refund.result.scenarios);
    const { written } = writeAndRun(again, 'acme.agents.yaml');
    // Generating once more against the written manifest: its calls are not proposed again.
    const third = generate(EXAMPLES, 'acme.agents.yaml', 'issue_refund', {}, (h) => h.files.set('/ws/acme.agents.yaml', written));
    const writtenCalls = new Set(again.result.scenarios.map((s) => JSON.stringify([s.agent, s.args, s.context])));
    assert.ok(third.result.scenarios.every((s) => !writtenCalls.has(JSON.stringify([s.agent, s.args, s.context]))));
  });

  it('takes the agents asked for, reports unknown ones, and keeps to the limit', () => {
    const r = generate(EXAMPLES, 'acme.agents.yaml', 'issue_refund', { agents: ['ops-agent', 'nobody'], limit: 3 }).result;
    assert.deepEqual(r.agents, ['ops-agent']);
    assert.ok(r.scenarios.length >= 1 && r.scenarios.length <= 3);
    assert.ok(r.scenarios.every((s) => s.agent === 'ops-agent' && s.expect === 'deny'));
    assert.ok(r.notes.some((n) => /unknown agent left out: nobody/.test(n)), r.notes.join('\n'));
  });

  it('an enum the policies test: every outcome of a tool restricted by environment', () => {
    const g = generate(EXAMPLES, 'acme.agents.yaml', 'restart_service');
    assert.equal(g.result.error, undefined);
    assert.ok(g.result.scenarios.some((s) => s.expect === 'allow'));
    for (const o of writeAndRun(g, 'acme.agents.yaml').outcomes) assert.ok(o.passed, `${o.scenario.name}: ${o.summary}`);
  });

  it('an unknown tool, or a manifest that cannot be read, is an error, never an exception', () => {
    assert.match(generate(EXAMPLES, 'acme.agents.yaml', 'issue_refnd').result.error ?? '', /unknown tool "issue_refnd" \(did you mean "issue_refund"\?\)/);
    assert.match(generateScenarios(undefined, { files: [] }, 'x').error ?? '', /cannot be read/);
  });

  it('never writes or shows a sensitive value: the schema sample is written and decided instead', () => {
    const dir = path.join(FIXTURES, 'jsondata');
    // A policy that compares sensitive fields with literals: the boundary values would be those literals.
    const g = generate(dir, 'vault.agents.yaml', 'login', { agents: ['ops-bot'] }, (h) => {
      const f = '/ws/policies/vault.cedar';
      h.files.set(f, `${h.readFile(f)}\n@id("pin-4321")\nforbid (principal, action == Vault::Action::"login", resource)\nwhen { context.input has pin && context.input.pin == 4321 && context.session has session_token && context.session.session_token == "sess-1234" };\n@id("pin-12")\nforbid (principal, action == Vault::Action::"login", resource)\nwhen { context.input has pin && context.input.pin > 12 };\n`);
    });
    assert.equal(g.result.error, undefined);
    assert.ok(g.result.scenarios.length > 0);
    const text = JSON.stringify(g.result);
    for (const s of [...SECRETS, '4321', '4320', '4322']) assert.ok(!text.includes(s), `the result shows ${s}`);
    assert.ok(g.result.scenarios.every((s) => !/pin = /.test(s.name) && !/session_token = /.test(s.name)), g.result.scenarios.map((s) => s.name).join('\n'));
    for (const s of g.result.scenarios) {
      const pin = (s.args as { pin?: unknown }).pin;
      assert.ok(pin === undefined || pin === 1, `${s.name}: pin ${String(pin)}`);
      assert.equal((s.shown.args as { pin?: unknown }).pin ?? '[redacted]', '[redacted]');
    }
    const { written, outcomes } = writeAndRun(g, 'vault.agents.yaml');
    for (const s of [...SECRETS, '4321']) assert.ok(!written.includes(s), `the manifest holds ${s}`);
    assert.ok(!written.includes('[redacted]'), 'no placeholder: the scenarios run as written');
    for (const o of outcomes) assert.ok(o.passed, `${o.scenario.name}: ${o.summary}`);
  });
});
