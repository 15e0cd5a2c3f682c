import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { accessMap, cellView, summarizeAgent, type AccessCell, type AccessMap } from '../../server/src/core/analysis/access';
import { Prng } from '../fuzz/prng';
import { and, conjuncts, not, printCondition, simplify, type Expr } from '../../server/src/core/analysis/condition';
import { parsePolicy } from '../../server/src/core/cedar/engine';
import { runToEnd } from '../../server/src/core/cedar/policyCheck';
import { generateWorkspace } from '../../bench/generate';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { checkCell } from '../helpers/accessCheck';

function mapOf(project: Project, manifest: string, options?: Parameters<typeof accessMap>[2]) {
  const entry = project.manifest(manifest)!;
  const set = runToEnd(project.policySetSteps(entry));
  return { entry, set, map: accessMap(entry, set, options) };
}

function checkAll(project: Project, manifest: string, cells?: (m: AccessMap) => AccessCell[], options?: Parameters<typeof accessMap>[2]) {
  const { entry, set, map } = mapOf(project, manifest, options);
  const totals = { samples: 0, allowed: 0, denied: 0, conditionErrors: 0, mismatches: [] as string[], cells: 0 };
  for (const [i, cell] of (cells ? cells(map) : map.cells).entries()) {
    const r = checkCell(entry, set, cell, i + 1);
    totals.cells++;
    totals.samples += r.samples;
    totals.allowed += r.allowed;
    totals.denied += r.denied;
    totals.conditionErrors += r.conditionErrors;
    totals.mismatches.push(...r.mismatches);
  }
  return { map, totals };
}

const examples = () => new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
const MANIFESTS = ['/ws/acme.agents.yaml', '/ws/helpdesk/helpdesk.agents.yaml', '/ws/sandbox/lab.agents.yaml'];

describe('access map (core)', () => {
  describe('agrees with the simulator on every cell of the examples', () => {
    for (const manifest of MANIFESTS) {
      it(path.basename(manifest), () => {
        const { map, totals } = checkAll(examples(), manifest);
        assert.deepEqual(totals.mismatches, []);
        assert.ok(map.cells.length > 0);
        // Not vacuous: every cell got samples.
        assert.ok(totals.samples >= map.cells.length * 2, `${totals.samples} samples for ${map.cells.length} cells`);
      });
    }
  });

  it('the examples hold every kind of cell, and conditional cells that both allow and deny', () => {
    const p = examples();
    const all = MANIFESTS.flatMap((f) => mapOf(p, f).map.cells);
    for (const a of ['always', 'conditional', 'never'] as const) assert.ok(all.some((c) => c.access === a), a);
    assert.ok(all.some((c) => c.via), 'delegated cells');
    assert.ok(all.some((c) => c.failOpenRisk), 'fail-open risk');
    const { totals } = checkAll(p, '/ws/acme.agents.yaml', (m) => m.cells.filter((c) => c.access === 'conditional'));
    assert.ok(totals.allowed > 0 && totals.denied > 0, JSON.stringify(totals));
  });

  it('names the cells of the acme example as the policies say', () => {
    const { map } = mapOf(examples(), '/ws/acme.agents.yaml');
    const cell = (agent: string, tool: string, via?: string) => map.cells.find((c) => c.agent === agent && c.tool === tool && c.via === via)!;
    assert.equal(cell('ops-agent', 'delete_customer').access, 'never');
    assert.deepEqual(cell('ops-agent', 'delete_customer').forbids.map((f) => f.id), ['never-delete-customers']);
    const refund = cell('support-bot', 'issue_refund');
    assert.equal(refund.access, 'conditional');
    assert.deepEqual(refund.permits.map((p) => p.id), ['support-refund-small']);
    assert.ok(refund.destructive);
    // The forbid reads `amout`, which is not an argument: it errors, and Cedar skips it.
    assert.ok(refund.failOpenRisk);
    assert.match(refund.condition!, /context\.input\.amount <= 50/);
    // `has` guards are shown once, and no `true &&` is left.
    const email = cell('support-bot', 'send_email');
    assert.doesNotMatch(email.condition!, /\btrue\b/);
    assert.doesNotMatch(email.condition!, /unknown\(/);
    // Delegation: support-bot hands lookups to refund-agent, but their purposes exclude each other.
    assert.equal(cell('refund-agent', 'lookup_customer', 'support-bot').access, 'never');
    assert.equal(cell('refund-agent', 'issue_refund', 'support-bot').access, 'never');
  });

  it('fails closed: a policy set the simulator cannot evaluate is never allowed, with the reason', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const f = '/ws/policies/guardrails.cedar';
    host.files.set(f, `${host.files.get(f)}\nforbid (principal, action, resource) when { context.session.purpose == };\n`);
    const { map } = mapOf(new Project(host), '/ws/acme.agents.yaml');
    assert.ok(map.blocking.length > 0);
    assert.ok(map.cells.every((c) => c.access === 'never' && c.reason));
  });

  it('hover summary counts an agent\'s direct cells', () => {
    const { map } = mapOf(examples(), '/ws/sandbox/lab.agents.yaml');
    assert.match(summarizeAgent(map, 'scraper-bot'), /^3 tools: 3 always, 0 conditional, 0 never — 1 destructive always$/);
  });

  describe('a deliberately broken simplifier is caught by the sampled calls', () => {
    const broken: Record<string, (e: Expr) => Expr> = {
      'drops the last conjunct (a forbid)': (e) => {
        const s = simplify(e);
        const cs = conjuncts(s);
        return cs.length > 1 ? and(...cs.slice(0, -1)) : s;
      },
      'drops a negation': (e) => {
        const s = simplify(e);
        return and(...conjuncts(s).map((c) => (typeof c === 'object' && c !== null && '!' in c ? (c as { '!': { arg: Expr } })['!'].arg : c)));
      },
      'negates the whole condition': (e) => not(simplify(e)),
    };
    for (const [name, simplifier] of Object.entries(broken)) {
      it(name, () => {
        const p = examples();
        const { totals } = checkAll(p, '/ws/acme.agents.yaml', (m) => m.cells.filter((c) => c.access === 'conditional'), { simplify: simplifier });
        assert.ok(totals.mismatches.length > 0, `${name}: no mismatch found in ${totals.samples} samples`);
      });
    }
  });

  describe('agrees with the simulator on generated policy sets', () => {
    for (const seed of [1, 2, 3]) {
      it(`seed ${seed}`, function () {
        this.timeout(180_000);
        const ws = generateWorkspace({ policies: 40, files: 1, seed });
        const host = MemoryHost.of(Object.fromEntries(ws.files));
        const project = new Project(host);
        // Every cell that can allow, and a seeded share of the others (the full map is 120 tools × 30 agents).
        const { map, totals } = checkAll(project, `/ws/${ws.manifest}`, (m) => {
          const live = m.cells.filter((c) => c.access !== 'never');
          const dead = m.cells.filter((c, i) => c.access === 'never' && i % 97 === seed);
          return [...live.slice(0, 50), ...dead];
        });
        assert.deepEqual(totals.mismatches, []);
        assert.ok(map.cells.some((c) => c.access === 'conditional'), 'conditional cells');
        assert.ok(totals.allowed > 0 && totals.denied > 0, JSON.stringify({ ...totals, mismatches: undefined }));
      });
    }
  });
});

/** What the simplifier and the printer make of residual-like conditions (each rewrite is checked for equivalence by the sampled tests above). */
describe('access map: readable conditions', () => {
  const cases: [string, string, string][] = [
    ['no `true &&`', 'true && (context.session.purpose == "a" && true)', 'context.session.purpose == "a"'],
    ['`has` guards once', 'context.session has x && context.session.x == "y" && !(context.session has x && context.session.x == "z")', 'context.session has x && context.session.x == "y"'],
    ['a repeated conjunct is dropped', 'context.input.n <= 5 && context.session.purpose == "a" && context.input.n <= 5', 'context.input.n <= 5 && context.session.purpose == "a"'],
    ['`!(a <= b)` reads as `a > b`', '!(context.input.n <= 5)', 'context.input.n > 5'],
    ['a common leading prefix is factored out', '(context.session.purpose == "a" && context.input.n <= 5) || (context.session.purpose == "a" && context.input.n >= 9)', 'context.session.purpose == "a" && (context.input.n <= 5 || context.input.n >= 9)'],
    ['`x == "a"` held, so `x == "b"` is false', 'context.session.purpose == "a" && context.session.purpose == "b"', 'context.session.purpose == "a" && false'],
    ['`X || true` stays when X might error', 'context.input.n <= 5 || true', 'context.input.n <= 5 || true'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const parsed = parsePolicy(`permit (principal, action, resource) when { ${input} };`, false);
      assert.ok('json' in parsed);
      const printed = printCondition(simplify(parsed.json.conditions[0]!.body));
      assert.deepEqual(printed, { text: expected });
    });
  }
});

describe('access rules: the cost budget (maxCells)', function () {
  this.timeout(120000);
  const accessCodes = ['overly-permissive', 'ineffective-policy', 'unreachable-agent-or-tool'];
  const findingsOf = (project: Project) =>
    project.host
      .listFiles()
      .filter((f) => /\.(cedar|agents\.yaml)$/.test(f))
      .flatMap((f) => project.check(f, { lint: true }).diagnostics.filter((d) => accessCodes.includes(d.code)).map((d) => ({ ...d, at: f })));

  it('computes the map under maxCells, and past it says so once per rule on the manifest without computing it', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const under = findingsOf(new Project(host));
    assert.ok(under.some((d) => d.severity !== 'info' || !/not computed/.test(d.message)), 'the examples have access findings under the default budget');
    host.files.set('/ws/.agent-policy.yaml', `rules:\n${accessCodes.map((c) => `  ${c}: { maxCells: 2 }`).join('\n')}\n`);
    const project = new Project(host);
    const over = findingsOf(project);
    const m = project.manifest('/ws/acme.agents.yaml')!.manifest!;
    const notes = over.filter((d) => d.at === '/ws/acme.agents.yaml');
    assert.deepEqual(notes.map((d) => d.code).sort(), [...accessCodes].sort());
    for (const d of notes) {
      assert.equal(d.severity, 'info');
      assert.equal(d.message, `not computed: ${m.agents.length} agents × ${m.tools.length} tools make ${m.agents.length * m.tools.length} cells, more than this rule's \`maxCells\` (2); raise it in the configuration, or run \`agent-policy access\``);
    }
    assert.ok(!over.some((d) => d.at.endsWith('.cedar') && !/not computed/.test(d.message)), 'no finding from a map that was not computed');
    assert.equal(project.cachedAccessMap(project.manifest('/ws/acme.agents.yaml')!), undefined, 'the map was not computed');
  });
});

describe('access map: an edit evaluates again only the cells it can affect', function () {
  this.timeout(300_000);
  const view = (m: AccessMap) => m.cells.map((c) => cellView(c, (r) => `${r.id}@${r.file}:${r.span.start}-${r.span.end}`));

  /** Edits a policy file, then compares the project's (incremental) map with a map computed from scratch. */
  function editAndCompare(host: MemoryHost, project: Project, manifest: string, file: string, edit: (text: string) => string) {
    host.files.set(file, edit(host.files.get(file)!));
    const entry = project.manifest(manifest)!;
    const incremental = project.accessMap(entry);
    const evaluated = project.lastAccessCellsEvaluated;
    const scratch = accessMap(entry, runToEnd(project.policySetSteps(entry)));
    assert.deepEqual(view(incremental), view(scratch));
    assert.deepEqual(incremental.policies, scratch.policies);
    return { evaluated, total: scratch.cells.length };
  }

  it('on the examples: a raised limit, a new forbid above other policies, a removed guardrail — same map as from scratch, fewer cells', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const manifest = '/ws/acme.agents.yaml';
    project.accessMap(project.manifest(manifest)!);
    const edits: [string, (t: string) => string][] = [
      ['/ws/policies/support.cedar', (t) => t.replace('context.input.amount <= 50 }', 'context.input.amount <= 500 }')],
      // Above every other policy of the file: the cells kept must point at the moved policies.
      ['/ws/policies/support.cedar', (t) => `@id("first")\nforbid (principal, action == Acme::Action::"send_email", resource) when { context.input.subject like "*urgent*" };\n\n${t}`],
      ['/ws/policies/guardrails.cedar', (t) => t.replace(/@id\("never-delete-customers"\)[^;]*;/, '')],
      ['/ws/policies/support.cedar', (t) => t.replace('// reformatted', '// reformatted again')],
    ];
    let evaluated = 0;
    let total = 0;
    for (const [file, edit] of edits) {
      const r = editAndCompare(host, project, manifest, file, edit);
      evaluated += r.evaluated;
      total += r.total;
    }
    assert.ok(evaluated < total / 3, `${evaluated} of ${total} cells evaluated`);
  });

  it('with duplicate policy ids (the sandbox example): an edit above them keeps each at its own place', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const manifest = '/ws/sandbox/lab.agents.yaml';
    project.accessMap(project.manifest(manifest)!);
    const file = '/ws/sandbox/drafts.cedar';
    editAndCompare(host, project, manifest, file, (t) => `// Suppress nothing: a comment that moves every policy down.\n${t}`);
    editAndCompare(host, project, manifest, file, (t) => t.replace('// Suppress nothing: a comment that moves every policy down.\n', ''));
  });

  it('on generated sets: random one-policy edits give the map from scratch', () => {
    for (const seed of [11, 12, 13]) {
      const ws = generateWorkspace({ policies: 40, files: 1, seed });
      const host = MemoryHost.of(Object.fromEntries(ws.files));
      const project = new Project(host);
      const manifest = `/ws/${ws.manifest}`;
      const file = '/ws/policies/all.cedar';
      project.accessMap(project.manifest(manifest)!);
      const r = new Prng(seed);
      for (let i = 0; i < 3; i++) {
        editAndCompare(host, project, manifest, file, (t) => {
          const chunks = t.split(/(?=@id\()/);
          const k = 1 + r.int(chunks.length - 1);
          const c = chunks[k]!;
          chunks[k] = [() => '', () => c.replace(/([<>]=?\s*)(\d+)/, (_m, op: string, n: string) => `${op}${Number(n) * 3 + 1}`), () => (c.includes('permit') ? c.replace('permit', 'forbid') : c.replace('forbid', 'permit'))][r.int(3)]!();
          return chunks.join('');
        });
      }
    }
  });
});
