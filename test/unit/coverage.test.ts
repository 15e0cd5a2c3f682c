import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { coverageLabel, scenarioCoverage, type ScenarioCoverage } from '../../server/src/core/analysis/coverage';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { MemoryHost, REPO } from '../helpers/memoryHost';

const examples = () => new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
const EXAMPLE_MANIFESTS = ['/ws/acme.agents.yaml', '/ws/helpdesk/helpdesk.agents.yaml', '/ws/sandbox/lab.agents.yaml'];

/** Coverage as names: what each policy decided and errored in, and the tools' lists (what the assertions compare). */
function named(c: ScenarioCoverage) {
  const ids = (list: { id: string }[]) => list.map((p) => p.id);
  return {
    decided: Object.fromEntries(c.exercised.map((p) => [p.id, p.scenarios.map((s) => s.name)])),
    errored: Object.fromEntries(c.policies.filter((p) => p.errored.length).map((p) => [p.id, p.errored.map((s) => s.name)])),
    unexercised: ids(c.unexercised),
    toolsWithoutScenario: c.toolsWithoutScenario.map((t) => t.tool),
    destructiveWithoutDeny: c.destructiveWithoutDeny.map((t) => t.tool),
  };
}

describe('scenario coverage (core)', () => {
  describe('agrees with simulating each scenario on its own, for every example manifest', () => {
    for (const file of EXAMPLE_MANIFESTS) {
      it(path.relative('/ws', file), () => {
        const project = examples();
        const entry = project.manifest(file)!;
        const c = project.scenarioCoverage(entry);
        const m = entry.manifest;
        const scenarios = m?.scenarios ?? [];
        // The oracle: a fresh simulation of each scenario (not the outcomes the coverage was computed from).
        const decided = new Map<string, string[]>();
        for (const s of scenarios) {
          const r = project.simulate(file, { agent: s.agent, tool: s.tool, args: s.args, context: s.context, via: s.via });
          for (const id of new Set(r.determining.map((d) => `${d.file}\u0000${d.id}`))) decided.set(id, [...(decided.get(id) ?? []), s.name]);
        }
        for (const p of c.policies) assert.deepEqual(p.scenarios.map((s) => s.name), decided.get(`${p.file}\u0000${p.id}`) ?? [], `${p.id}: the scenarios it decided`);
        // Every policy of the files the manifest covers, once, by file then position; exercised and unexercised split them.
        const files = project.policyFilesOf(entry);
        const expected = files.flatMap((f) => runToEnd(project.policySetSteps(entry)).files.find((x) => x.file === f)!.policies.map((p) => `${f}:${p.slice.bodySpan.start}`));
        assert.deepEqual(c.policies.map((p) => `${p.file}:${p.span.start}`), expected);
        assert.deepEqual([...c.exercised, ...c.unexercised].sort((a, b) => c.policies.indexOf(a) - c.policies.indexOf(b)), c.policies);
        assert.ok(c.exercised.every((p) => p.scenarios.length > 0) && c.unexercised.every((p) => p.scenarios.length === 0));
        // Tools: from the manifest and its scenarios directly.
        const tools = (m?.tools ?? []).filter((t) => t.action !== 'call_tool');
        assert.deepEqual(c.toolsWithoutScenario.map((t) => t.tool), tools.filter((t) => !scenarios.some((s) => s.tool === t.action)).map((t) => t.action));
        assert.deepEqual(c.destructiveWithoutDeny.map((t) => t.tool), tools.filter((t) => t.destructive && !scenarios.some((s) => s.tool === t.action && s.expect === 'deny')).map((t) => t.action));
        assert.equal(c.scenarioCount, scenarios.length);
      });
    }
  });

  it('names what the acme example leaves untested', () => {
    const project = examples();
    const c = named(project.scenarioCoverage(project.manifest('/ws/acme.agents.yaml')!));
    assert.deepEqual(c.decided, {
      'no-confidential-email': ['no confidential data by email'],
      'never-delete-customers': ['support cannot delete customers'],
      'ops-restart-staging': ['ops restarts staging'],
      'billing-refund': ['billing refunds up to its limit', 'refunds above 1,000 need an approver'],
      'support-refund-small': ['support may refund small amounts'],
    });
    // The deliberate mistake of the examples: the approval forbid errors (and is skipped) on every refund.
    assert.deepEqual(c.errored, {
      'refund-large-needs-approval': ['support may refund small amounts', 'support may not refund large amounts', 'billing refunds up to its limit', 'refunds above 1,000 need an approver'],
    });
    assert.ok(c.unexercised.includes('no-external-destination') && c.unexercised.includes('refund-large-needs-approval'));
    assert.deepEqual(c.destructiveWithoutDeny, ['restart_service', 'scale-deployment']);
    assert.ok(c.toolsWithoutScenario.includes('lookup_customer'));
  });

  describe('a small project', () => {
    const MANIFEST = (scenarios: string) => `version: 1
namespace: Shop
agents:
  bot: {}
  admin: {}
servers:
  s:
    tools:
      - name: read
        inputSchema: { type: object }
        annotations: { readOnlyHint: true }
      - name: wipe
        inputSchema: { type: object }
      - name: unused
        inputSchema: { type: object }
        annotations: { readOnlyHint: true }
${scenarios}`;
    const POLICIES = {
      'a.cedar': '@id("bot-reads")\npermit (principal == Shop::Agent::"bot", action == Shop::Action::"read", resource);\n\n@id("anyone-reads")\npermit (principal, action == Shop::Action::"read", resource);\n',
      'b.cedar': '@id("no-wipe")\nforbid (principal, action == Shop::Action::"wipe", resource);\n\n@id("admin-all")\npermit (principal == Shop::Agent::"admin", action, resource);\n',
    };
    const READ = '  - { name: bot reads, agent: bot, tool: read, expect: allow }\n';
    const WIPE_DENIED = '  - { name: admin cannot wipe, agent: admin, tool: wipe, expect: deny }\n';

    interface Case {
      name: string;
      scenarios: string;
      files?: Record<string, string>;
      want: Partial<ReturnType<typeof named>>;
    }
    const cases: Case[] = [
      {
        name: 'no scenarios: nothing is exercised',
        scenarios: '',
        want: { decided: {}, unexercised: ['bot-reads', 'anyone-reads', 'no-wipe', 'admin-all'], toolsWithoutScenario: ['read', 'wipe', 'unused'], destructiveWithoutDeny: ['wipe'] },
      },
      {
        name: 'a scenario two permits decide counts for both',
        scenarios: `scenarios:\n${READ}`,
        want: { decided: { 'bot-reads': ['bot reads'], 'anyone-reads': ['bot reads'] }, unexercised: ['no-wipe', 'admin-all'], toolsWithoutScenario: ['wipe', 'unused'], destructiveWithoutDeny: ['wipe'] },
      },
      {
        name: 'a deny scenario covers the destructive tool, and the forbid that decides it',
        scenarios: `scenarios:\n${READ}${WIPE_DENIED}`,
        want: { decided: { 'bot-reads': ['bot reads'], 'anyone-reads': ['bot reads'], 'no-wipe': ['admin cannot wipe'] }, unexercised: ['admin-all'], toolsWithoutScenario: ['unused'], destructiveWithoutDeny: [] },
      },
      {
        name: 'an allow scenario of a destructive tool does not count as its deny scenario',
        scenarios: 'scenarios:\n  - { name: admin wipes, agent: admin, tool: wipe, expect: allow }\n',
        want: { decided: { 'no-wipe': ['admin wipes'] }, toolsWithoutScenario: ['read', 'unused'], destructiveWithoutDeny: ['wipe'] },
      },
      {
        name: 'a failing scenario still exercises the policies that decided it',
        scenarios: 'scenarios:\n  - { name: wrong expectation, agent: bot, tool: read, expect: deny }\n',
        want: { decided: { 'bot-reads': ['wrong expectation'], 'anyone-reads': ['wrong expectation'] } },
      },
      {
        name: 'a scenario of an unknown tool covers no tool',
        scenarios: 'scenarios:\n  - { name: ghost, agent: bot, tool: nope, expect: deny }\n',
        want: { decided: {}, toolsWithoutScenario: ['read', 'wipe', 'unused'] },
      },
      {
        name: 'policies in a file listed first by name come first, whatever the order of the files',
        scenarios: `scenarios:\n${READ}`,
        files: { 'z.cedar': '@id("z-first")\npermit (principal, action == Shop::Action::"unused", resource);\n', 'a.cedar': POLICIES['a.cedar'], 'b.cedar': POLICIES['b.cedar'] },
        want: { unexercised: ['no-wipe', 'admin-all', 'z-first'] },
      },
      {
        name: 'a permit that does not parse is listed, not exercised (the others decide as before)',
        scenarios: `scenarios:\n${READ}`,
        files: { ...POLICIES, 'c.cedar': '@id("broken")\npermit (principal, action, resource) when { ;\n' },
        want: { decided: { 'bot-reads': ['bot reads'], 'anyone-reads': ['bot reads'] }, unexercised: ['no-wipe', 'admin-all', 'broken'] },
      },
      {
        name: 'a forbid that does not parse blocks the set: no policy decides, nothing throws',
        scenarios: `scenarios:\n${READ}`,
        files: { ...POLICIES, 'c.cedar': '@id("broken")\nforbid (principal, action, resource) when { ;\n' },
        want: { decided: {}, unexercised: ['bot-reads', 'anyone-reads', 'no-wipe', 'admin-all', 'broken'], toolsWithoutScenario: ['wipe', 'unused'] },
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const project = new Project(MemoryHost.of({ 'shop.agents.yaml': MANIFEST(c.scenarios), ...(c.files ?? POLICIES) }));
        const got = named(project.scenarioCoverage(project.manifest('/ws/shop.agents.yaml')!));
        for (const [k, v] of Object.entries(c.want)) assert.deepEqual(got[k as keyof typeof got], v, k);
      });
    }

    it('is the same whatever order the outcomes come in, and is computed again only when they change', () => {
      const project = new Project(MemoryHost.of({ 'shop.agents.yaml': MANIFEST(`scenarios:\n${WIPE_DENIED}${READ}`), ...POLICIES }));
      const entry = project.manifest('/ws/shop.agents.yaml')!;
      const outcomes = project.runScenarios(entry);
      const set = runToEnd(project.policySetSteps(entry));
      assert.deepEqual(scenarioCoverage(entry, set, [...outcomes].reverse()), scenarioCoverage(entry, set, outcomes));
      assert.equal(project.scenarioCoverage(entry), project.scenarioCoverage(entry));
    });
  });

  it('labels a policy as the editor shows it', () => {
    const ref = (name: string, index: number) => ({ name, index });
    const base = { id: 'p', file: '/ws/a.cedar', span: { start: 0, end: 1 } };
    const table: [number, number, string][] = [
      [0, 0, 'no scenario exercises this policy'],
      [1, 0, 'decided 1 scenario'],
      [3, 0, 'decided 3 scenarios'],
      [0, 2, 'decided no scenario: errored in 2 (skipped, fail-open)'],
      [2, 1, 'decided 2 scenarios: errored in 1 (skipped, fail-open)'],
    ];
    for (const [decided, errored, label] of table) {
      const p = { ...base, scenarios: Array.from({ length: decided }, (_, i) => ref(`s${i}`, i)), errored: Array.from({ length: errored }, (_, i) => ref(`e${i}`, i)) };
      assert.equal(coverageLabel(p), label);
    }
  });
});
