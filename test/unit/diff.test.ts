import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { Project } from '../../server/src/core/project';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { diff, diffSlice, parseRecordedCalls, type DiffResult, type DiffSide } from '../../server/src/core/analysis/diff';
import { boundaryCalls, policyAnchors, policyComparisons } from '../../server/src/core/analysis/boundary';
import { schemaProblems } from '../../server/src/core/simulate';
import { generateCalls, generateWorkspace } from '../../bench/generate';
import { Prng } from '../fuzz/prng';
import { simulate } from '../../server/src/core/simulate';
import { MemoryHost, REPO } from '../helpers/memoryHost';

interface Edit {
  file: string;
  replace?: string;
  with?: string;
  append?: string;
}
interface Case {
  name: string;
  edits: Edit[];
  expect: { policies: string[]; cells: string[]; scenarios: string[]; calls?: string[]; widening: number | string; narrowing: number | string; everything: boolean };
}

const MANIFEST = 'acme.agents.yaml';

/** The examples as committed (root /base) and with the case's edits (root /ws). */
export function sides(edits: Edit[], manifestEdit?: (text: string) => string): { base: DiffSide; current: DiffSide; baseProject: Project; currentProject: Project } {
  const baseHost = MemoryHost.fromDir(path.join(REPO, 'examples'), '/base');
  const curHost = MemoryHost.fromDir(path.join(REPO, 'examples'), '/ws');
  for (const e of edits) {
    const f = `/ws/${e.file}`;
    const text = curHost.files.get(f);
    assert.ok(text !== undefined, `no file ${e.file}`);
    if (e.replace !== undefined) {
      assert.ok(text.includes(e.replace), `${e.file} does not contain the text to replace`);
      curHost.files.set(f, text.replace(e.replace, e.with ?? ''));
    }
    if (e.append !== undefined) curHost.files.set(f, text + e.append);
  }
  if (manifestEdit) curHost.files.set(`/ws/${MANIFEST}`, manifestEdit(curHost.files.get(`/ws/${MANIFEST}`)!));
  const side = (project: Project, root: string): DiffSide => {
    const entry = project.manifest(`${root}/${MANIFEST}`)!;
    return { entry, set: runToEnd(project.policySetSteps(entry)), root };
  };
  const baseProject = new Project(baseHost);
  const currentProject = new Project(curHost);
  return { base: side(baseProject, '/base'), current: side(currentProject, '/ws'), baseProject, currentProject };
}

const cellText = (c: DiffResult['cells'][number]) => `${c.via ? `${c.via}>` : ''}${c.agent} ${c.tool} ${c.from}->${c.to} ${c.widening ? 'widening' : 'narrowing'}`;
const count = (n: number, want: number | string) => (want === '>0' ? n > 0 : n === want);

/** Every flip, decided again on each side by the simulator alone: the diff reports what the engine decides. */
function checkFlips(r: DiffResult, base: DiffSide, current: DiffSide, recorded: { args: unknown; context: unknown }[] = []) {
  for (const f of r.calls) {
    if (f.source === 'recorded') continue;
    const input = { agent: f.agent, tool: f.tool, args: f.args, context: f.context, via: f.via ?? [] };
    // Boundary and scenario calls of the examples carry no sensitive values: the shown call is the call.
    assert.equal(simulate(base.entry, base.set, input).decision, f.from, `base decision of ${JSON.stringify(f)}`);
    assert.equal(simulate(current.entry, current.set, input).decision, f.to, `current decision of ${JSON.stringify(f)}`);
    assert.equal(f.widening, f.from === 'deny' && f.to === 'allow');
  }
  void recorded;
}

describe('change impact (diff, core)', () => {
  const cases = parse(fs.readFileSync(path.join(REPO, 'test/fixtures/impact/cases.yaml'), 'utf8')) as Case[];
  for (const c of cases) {
    it(c.name, () => {
      const { base, current } = sides(c.edits);
      const r = diff(base, current);
      const got = {
        policies: r.policies.map((p) => `${p.change} ${p.id}`).sort(),
        cells: r.cells.map(cellText).sort(),
        scenarios: r.scenarios.map((s) => `${s.name}: ${s.from}->${s.to}`).sort(),
      };
      if (process.env.PROBE) console.log(c.name, JSON.stringify({ ...got, summary: r.summary, compared: r.compared, calls: r.calls.map((x) => `${x.agent} ${x.tool} ${x.from}->${x.to} ${x.label}`) }, null, 1));
      assert.deepEqual(got.policies, [...c.expect.policies].sort());
      assert.deepEqual(got.cells, [...c.expect.cells].sort());
      assert.deepEqual(got.scenarios, [...c.expect.scenarios].sort());
      for (const want of c.expect.calls ?? []) {
        const [agent, tool, fromTo, ...label] = want.split(' ');
        assert.ok(
          r.calls.some((x) => x.agent === agent && x.tool === tool && `${x.from}->${x.to}` === fromTo && x.label.includes(label.join(' '))),
          `no flip ${want} among ${r.calls.map((x) => `${x.agent} ${x.tool} ${x.from}->${x.to} ${x.label}`).join(' | ')}`,
        );
      }
      assert.ok(count(r.summary.widening, c.expect.widening), `widening ${r.summary.widening}, want ${c.expect.widening}`);
      assert.ok(count(r.summary.narrowing, c.expect.narrowing), `narrowing ${r.summary.narrowing}, want ${c.expect.narrowing}`);
      assert.equal(r.compared.everything, c.expect.everything);
      checkFlips(r, base, current);
      // The slice loses nothing: comparing every tool and agent finds the same flips.
      const all = diff(base, current, { everything: true });
      const key = (x: DiffResult['calls'][number]) => JSON.stringify([x.agent, x.tool, x.via, x.args, x.context, x.from, x.to]);
      assert.deepEqual(r.calls.map(key).sort(), all.calls.map(key).sort());
      assert.deepEqual(r.cells.map(cellText).sort(), all.cells.map(cellText).sort());
    });
  }
});

describe('change impact: the slice loses nothing, on generated policy sets', () => {
  let flips = 0;
  let seedsWithFlips = 0;
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]) {
    it(`seed ${seed}: every call that flips is in the slice, and diff reports exactly those among recorded calls`, function () {
      this.timeout(300_000);
      const ws = generateWorkspace({ policies: 40, files: 1, seed });
      const r = new Prng(seed);
      const file = ws.files.has('policies/all.cedar') ? 'policies/all.cedar' : [...ws.files.keys()].find((f) => f.endsWith('.cedar'))!;
      const text = ws.files.get(file)!;
      const chunks = text.split(/(?=@id\()/);
      const i = 1 + r.int(chunks.length - 1);
      const victim = chunks[i]!;
      const mutations = [
        () => '',
        () => victim.replace(/([<>]=?\s*)(\d+)/, (_m, op: string, n: string) => `${op}${Number(n) * 3 + 1}`),
        () => (victim.includes('permit') ? victim.replace('permit', 'forbid') : victim.replace('forbid', 'permit')),
        () => victim.replace(/principal( in | == )[^,]+,/, 'principal,'),
      ];
      const kind = r.int(mutations.length);
      chunks[i] = mutations[kind]!();
      const side = (files: Map<string, string>, root: string): DiffSide => {
        const project = new Project(MemoryHost.of(Object.fromEntries(files), root));
        const entry = project.manifest(`${root}/${ws.manifest}`)!;
        return { entry, set: runToEnd(project.policySetSteps(entry)), root };
      };
      const base = side(ws.files, '/base');
      const current = side(new Map([...ws.files, [file, chunks.join('')]]), '/ws');
      const slice = diffSlice(base, current);
      // Calls of the tools the changed policy names (where flips are), with any agent, and calls of any tool.
      const named = new Set([...victim.matchAll(/Action::"([^"]+)"/g)].map((x) => x[1]!));
      const pool = generateCalls(ws, 6000, seed * 31);
      const calls = [...pool.filter((c) => named.has(c.tool)).slice(0, 300), ...pool.slice(0, 200)];
      const flipped = calls.filter((c) => simulate(base.entry, base.set, c).decision !== simulate(current.entry, current.set, c).decision);
      for (const c of flipped) assert.ok(slice.everything || (slice.toolSet.has(c.tool) && slice.agentIds.has(c.agent)), `${c.agent} × ${c.tool} flips outside the slice (mutation ${kind})`);
      const recorded = calls.map((c, n) => ({ line: n + 1, agent: c.agent, tool: c.tool, args: c.args, context: c.context ?? {}, via: [] as string[] }));
      // Only recorded calls here (the boundary calls of a wildcard change would cover all 120 tools): maxCells 0 skips the maps.
      const d = diff(base, current, { recorded, maxCells: 0, boundaryPerTool: 0 });
      flips += flipped.length;
      if (flipped.length) seedsWithFlips++;
      if (process.env.PROBE) console.log(`seed ${seed}: mutation ${kind}, ${flipped.length} flips`);
      const got = d.calls.filter((x) => x.source === 'recorded').map((x) => x.label).sort();
      const want = flipped.map((c) => `line ${calls.indexOf(c) + 1}`).sort();
      assert.deepEqual(got, want);
    });
  }
  it('the mutations flipped calls (the checks above are not vacuous)', () => assert.ok(flips >= 10 && seedsWithFlips >= 4, `${flips} flips in ${seedsWithFlips} seeds`));
});

describe('change impact: boundary calls', () => {
  const project = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
  const entry = project.manifest('/ws/acme.agents.yaml')!;
  const set = runToEnd(project.policySetSteps(entry));
  const policies = set.files.flatMap((f) => f.policies).flatMap((p) => (p.json ? [p.json] : []));
  const tool = entry.manifest!.tools.find((t) => t.action === 'issue_refund')!;
  const context = entry.manifest!.context!;
  const gen = () => boundaryCalls(tool.inputSchema, context, policyComparisons(policies), 400, policyAnchors(policies));

  it('are valid, deterministic, and probe each threshold on both sides', () => {
    const calls = gen();
    assert.deepEqual(calls, gen());
    for (const c of calls) assert.deepEqual([...schemaProblems(tool.inputSchema, c.args, 'args'), ...schemaProblems(context, c.context, 'context')], []);
    const amounts = new Set(calls.map((c) => c.args.amount));
    for (const v of [49, 50, 51]) assert.ok(amounts.has(v), `amount ${v}`);
    for (const v of ['USD', 'EUR']) assert.ok(calls.some((c) => c.args.currency === v), v);
    assert.ok(calls.some((c) => !('currency' in c.args)), 'an optional argument absent');
    // A call each permit admits: both refund permits allow some boundary call.
    const decided = calls.map((c) => simulate(entry, set, { agent: 'support-bot', tool: 'issue_refund', args: c.args, context: c.context }));
    assert.ok(decided.some((d) => d.decision === 'allow') && decided.some((d) => d.decision === 'deny'));
  });

  it('never add an argument the schema does not declare', () => {
    // refund-large-needs-approval compares `context.input.amout` (a typo the examples keep on purpose).
    assert.ok(policyComparisons(policies).some((c) => c.path[0] === 'amout'));
    assert.ok(gen().every((c) => !('amout' in c.args)));
  });
});

describe('change impact: recorded calls (decision log)', () => {
  it('reads calls and reports malformed lines by number, never fatal', () => {
    const text = [
      '{"agent":"support-bot","tool":"issue_refund","args":{"amount":10},"context":{"purpose":"support"},"decision":"allow"}',
      '',
      'not json {',
      '[1,2]',
      '{"agent":"support-bot"}',
      '{"agent":"a","tool":"t","via":"b"}',
      '{"agent":"a","tool":"t","decision":"maybe"}',
      '{"agent":"a","tool":"t","via":["b"],"time":"2026-12-02T10:00:00Z","manifest":"x.agents.yaml"}',
    ].join('\n');
    const r = parseRecordedCalls(text);
    assert.deepEqual(r.calls.map((c) => c.line), [1, 8]);
    assert.deepEqual(r.calls[1]!.via, ['b']);
    assert.deepEqual(r.problems.map((p) => p.line), [3, 4, 5, 6, 7]);
    // Messages never quote the line.
    for (const p of r.problems) assert.ok(!p.message.includes('not json {'));
  });

  it('an agent removed from the manifest: its calls that were allowed are denied now (narrowing), found though it is only at the base', () => {
    const { base, current } = sides([], (t) => t.replace(/  ops-agent:\n(    .*\n)+\n/, '\n').replace(/ops-agent/g, 'support-bot'));
    assert.ok(!current.entry!.manifest!.agents.some((a) => a.id === 'ops-agent'), 'the edit removed ops-agent');
    const r = diff(base, current, { maxCells: 0 });
    const ops = r.calls.filter((c) => c.agent === 'ops-agent');
    assert.ok(ops.length > 0 && ops.every((c) => c.from === 'allow' && c.to === 'deny' && !c.widening), JSON.stringify(ops.slice(0, 2)));
    checkFlips(r, base, current);
  });

  it('a flip whose call holds a sensitive value shows it redacted, says so, and keeps the call as decided only when asked', () => {
    // The refund limit rises, and the order id becomes sensitive (x-sensitive): the flips of issue_refund hold it.
    const edits = [{ file: 'policies/support.cedar', replace: 'context.input.amount <= 50', with: 'context.input.amount <= 500' }];
    const sensitive = (t: string) => t.replace('        order_id: { type: string }\n        amount', '        order_id: { type: string, x-sensitive: true }\n        amount');
    const { base, current } = sides(edits, sensitive);
    const shown = diff(base, current, { maxCells: 0 });
    const refunds = shown.calls.filter((c) => c.tool === 'issue_refund' && c.widening);
    assert.ok(refunds.length > 0, 'no widening refund call');
    for (const c of refunds) {
      assert.equal((c.args as Record<string, unknown>).order_id, '[redacted]', JSON.stringify(c.args));
      assert.equal(c.redacted, true);
      assert.equal(c.input, undefined, 'the call as decided is kept only with keepInputs');
    }
    assert.ok(!JSON.stringify(shown).includes('"o-1"'), 'a sensitive value left the core');
    const kept = diff(base, current, { maxCells: 0, keepInputs: true });
    assert.equal(kept.calls.length, shown.calls.length);
    for (const c of kept.calls.filter((x) => x.redacted)) {
      const input = c.input!;
      assert.notEqual((input.args as Record<string, unknown>).order_id, '[redacted]');
      // The call as decided decides as the flip says, on each side.
      assert.equal(simulate(base.entry, base.set, input).decision, c.from);
      assert.equal(simulate(current.entry, current.set, input).decision, c.to);
    }
    // A call without a sensitive value is not marked.
    assert.ok(kept.calls.filter((c) => c.tool !== 'issue_refund').every((c) => !c.redacted));
  });

  it('a manifest change compares every agent and tool, and recorded calls flip as the simulator decides', () => {
    // support-bot loses the support role: its support permits stop applying.
    const { base, current } = sides([], (t) => t.replace(/(support-bot:[\s\S]*?roles: \[)support\]/, '$1]'));
    const log = parseRecordedCalls(
      [
        '{"agent":"support-bot","tool":"issue_refund","args":{"order_id":"o-1","amount":10,"currency":"USD"},"context":{"task_id":"t","purpose":"support"},"decision":"allow"}',
        '{"agent":"ops-bot","tool":"restart_service","args":{"service":"api","environment":"staging"},"context":{"task_id":"t","purpose":"ops"}}',
      ].join('\n'),
    );
    const r = diff(base, current, { recorded: log.calls, maxCells: 0, boundaryPerTool: 0 });
    assert.equal(r.compared.everything, true);
    const flips = r.calls.filter((c) => c.source === 'recorded');
    assert.deepEqual(flips.map((c) => [c.label, c.from, c.to, c.widening]), [['line 1', 'allow', 'deny', false]]);
  });
});
