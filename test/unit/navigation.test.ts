import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { parsePolicy } from '../../server/src/core/cedar/engine';
import { declarations, occurrences, prepareRename, rename, targetAt, type NavSet } from '../../server/src/core/navigation/navigate';
import { Project } from '../../server/src/core/project';
import { LineIndex } from '../../server/src/core/text';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { applyEdits, caseOffset, navigationCases, navSetOf, placeText } from '../helpers/navigation';

const ROOT = '/ws';

function examples() {
  const host = MemoryHost.fromDir(path.join(REPO, 'examples'), ROOT);
  return { host, project: new Project(host) };
}

/** The diagnostics of every file, as `file code line:col` (what a rename must not change, besides the renamed text). */
function diagnosticsOf(project: Project): string[] {
  return project.host
    .listFiles()
    .flatMap((f) => project.check(f).diagnostics.map((d) => `${f} ${d.code} ${d.severity}`))
    .sort();
}

function scenarioOutcomes(project: Project): string[] {
  return project.allManifests().flatMap((m) => project.runScenarios(m).map((o) => `${o.scenario.name}: ${o.result.decision} ${o.passed ? 'pass' : 'FAIL'} [${o.result.determining.map((d) => d.id).join(',')}]`));
}

describe('navigation (core): definition and references, from test/fixtures/navigation/cases.yaml', () => {
  const { host, project } = examples();
  const cases = navigationCases();

  it('there are cases for policies, the manifest and the tool list, and cases with no definition', () => {
    assert.ok(cases.length >= 12);
    for (const f of ['policies/', 'acme.agents.yaml', 'mcp/crm.tools.json']) assert.ok(cases.some((c) => c.at.file.startsWith(f)), f);
    assert.ok(cases.some((c) => c.definition.length === 0));
  });

  for (const c of cases) {
    it(c.name, () => {
      const file = `${ROOT}/${c.at.file}`;
      const text = host.readFile(file)!;
      const set = navSetOf(project, file);
      const hit = targetAt(set, file, caseOffset(text, c.at.text));
      assert.ok(hit, 'a target under the cursor');
      const place = (o: { file: string; span: { start: number; end: number } }) => placeText(ROOT, o.file, host.readFile(o.file)!, o.span);
      assert.deepEqual(declarations(set, hit.target).map(place), c.definition, 'definition');
      assert.deepEqual(occurrences(set, hit.target).map(place), c.references, 'references');
    });
  }

  it('nothing is under the cursor on keywords, punctuation, comments and call_tool', () => {
    const host2 = MemoryHost.of({
      'a.agents.yaml': 'version: 1\nnamespace: Acme\nroles: [r]\nagents: { a: { roles: [r] } }\ntools: [{ name: t }]\n',
      'p.cedar': '// context.input.x and Acme::Role::"r"\npermit (principal, action in Acme::Action::"call_tool", resource) when { true };\n',
    });
    const p = new Project(host2);
    const file = `${ROOT}/p.cedar`;
    const text = host2.readFile(file)!;
    const set = navSetOf(p, file);
    for (const needle of ['context.input', 'Role::"r"', 'permit', 'call_tool', '{ true', ';']) {
      assert.equal(targetAt(set, file, text.indexOf(needle) + 2), undefined, needle);
    }
  });
});

describe('rename (core)', () => {
  const at = (project: Project, file: string, snippet: string) => {
    const f = `${ROOT}/${file}`;
    return { file: f, offset: caseOffset(project.host.readFile(f)!, snippet), set: navSetOf(project, f) };
  };
  const renamed = (project: Project, host: MemoryHost, file: string, snippet: string, newName: string) => {
    const { file: f, offset, set } = at(project, file, snippet);
    const r = rename(set, f, offset, newName);
    assert.ok(r && 'edits' in r, JSON.stringify(r));
    applyEdits(host.files, r.edits);
    return r.edits;
  };

  it('an agent, from a policy: the manifest key, the scenarios and the policy change, and nothing else does', () => {
    const { host, project } = examples();
    const before = diagnosticsOf(project);
    const outcomes = scenarioOutcomes(project);
    const edits = renamed(project, host, 'policies/support.cedar', 'Agent::"support-b|ot"', 'helpdesk-bot');
    assert.equal(edits.length, 6);
    const after = new Project(host);
    assert.deepEqual(diagnosticsOf(after), before);
    assert.deepEqual(scenarioOutcomes(after), outcomes);
    assert.ok(after.allManifests()[0]!.manifest!.agents.some((a) => a.id === 'helpdesk-bot'));
    assert.ok(!host.files.get(`${ROOT}/policies/support.cedar`)!.includes('support-bot'));
  });

  it('a role, from the manifest: the roles list, the agents and the policies', () => {
    const { host, project } = examples();
    const before = diagnosticsOf(project);
    const outcomes = scenarioOutcomes(project);
    renamed(project, host, 'acme.agents.yaml', 'roles: [support, bil|ling, ops]', 'payments');
    const after = new Project(host);
    assert.deepEqual(diagnosticsOf(after), before);
    assert.deepEqual(scenarioOutcomes(after), outcomes);
    assert.match(host.files.get(`${ROOT}/policies/refunds.cedar`)!, /Acme::Role::"payments"/);
  });

  it('a policy id: the @id and the scenarios that expect it, with non-ASCII text', () => {
    const { host, project } = examples();
    const outcomes = scenarioOutcomes(project);
    renamed(project, host, 'acme.agents.yaml', 'reasons: [support-refund-s|mall]', 'support-refund-≤50 🙂');
    const after = new Project(host);
    assert.deepEqual(scenarioOutcomes(after), outcomes.map((o) => o.replace('support-refund-small', 'support-refund-≤50 🙂')));
    assert.match(host.files.get(`${ROOT}/acme.agents.yaml`)!, /reasons: \["support-refund-≤50 🙂"\]/);
  });

  it('an inline tool and a server: declarations, scenarios and policies', () => {
    const { host, project } = examples();
    const before = diagnosticsOf(project);
    const outcomes = scenarioOutcomes(project);
    renamed(project, host, 'policies/refunds.cedar', 'refund")\npermit (\n  principal in Acme::Role::"billing",\n  action == Acme::Action::"issue|_refund"', 'refund_order');
    renamed(new Project(host), host, 'acme.agents.yaml', '  inf|ra:', 'infrastructure');
    const after = new Project(host);
    assert.deepEqual(diagnosticsOf(after), before);
    assert.deepEqual(scenarioOutcomes(after), outcomes);
    const m = after.allManifests()[0]!.manifest!;
    assert.ok(m.tools.some((t) => t.name === 'refund_order') && !m.tools.some((t) => t.name === 'issue_refund'));
    assert.ok(m.servers.some((s) => s.name === 'infrastructure'));
    assert.match(host.files.get(`${ROOT}/policies/ops.cedar`)!, /McpServer::"infrastructure"/);
  });

  it('a name that YAML must quote and Cedar must escape is written so that both read it back exactly', () => {
    const { host, project } = examples();
    const name = 'help desk: "bot" \\ é';
    renamed(project, host, 'acme.agents.yaml', '  support-b|ot:', name);
    const after = new Project(host);
    assert.ok(after.allManifests()[0]!.manifest!.agents.some((a) => a.id === name));
    const text = host.files.get(`${ROOT}/policies/support.cedar`)!;
    const start = text.indexOf('@id("support-email-customers")');
    const parsed = parsePolicy(text.slice(start, text.indexOf(';', start) + 1), false);
    assert.ok('json' in parsed);
    assert.deepEqual(parsed.json.principal, { op: '==', entity: { type: 'Acme::Agent', id: name } });
  });

  it('refuses with a reason: an imported tool, an argument, a session field, an undeclared name, a clash, a control character', () => {
    const { project } = examples();
    const refusal = (file: string, snippet: string) => {
      const { file: f, offset, set } = at(project, file, snippet);
      const r = prepareRename(set, f, offset);
      assert.ok(r && 'error' in r, `${snippet}: ${JSON.stringify(r)}`);
      return r.error;
    };
    assert.match(refusal('policies/support.cedar', 'Action::"lookup_cust|omer"'), /`lookup_customer` is a tool of the MCP server `crm`, imported from mcp\/crm\.tools\.json: its name belongs to the server/);
    assert.match(refusal('mcp/crm.tools.json', '"name": "get_or|der"'), /belongs to the server/);
    assert.match(refusal('policies/refunds.cedar', 'context.input.am|ount <='), /argument of `issue_refund`/);
    assert.match(refusal('policies/support.cedar', 'context.session has tick|et_id &&\n  context.input'), /field of the shared context/);
    assert.match(refusal('acme.agents.yaml', 'delegates_to: [supo|rt-bot]'), /declares no agent `suport-bot`/);
    const { file, offset, set } = at(project, 'policies/support.cedar', 'Agent::"support-b|ot"');
    assert.deepEqual(prepareRename(set, file, offset), { span: { start: offset - 9, end: offset + 2 }, placeholder: 'support-bot' });
    assert.match(JSON.stringify(rename(set, file, offset, 'ops-agent')), /an agent `ops-agent` already exists/);
    assert.match(JSON.stringify(rename(set, file, offset, 'a\nb')), /control characters/);
    assert.deepEqual(rename(set, file, offset, 'support-bot'), { edits: [] });
  });
});

describe('navigation (core): exact UTF-16 ranges after non-ASCII text', () => {
  const host = MemoryHost.of({
    'x.agents.yaml': '# Agents 🇩🇪 ünd Rollen — 信頼\nversion: 1\nnamespace: Acme\nroles: ["équipe-😀"]\nagents:\n  "bøt-😀": { roles: ["équipe-😀"] }\ntools: [{ name: t }]\n',
    'p.cedar': '// Vertrauensstufe ≥ 3 — 🙂\n@id("π-policy") permit (principal == Acme::Agent::"bøt-😀", action, resource) when { principal in Acme::Role::"équipe-😀" };\n',
  });
  const project = new Project(host);
  const file = `${ROOT}/p.cedar`;
  const text = host.readFile(file)!;
  const set: NavSet = navSetOf(project, file);

  it('the definition of an agent with an emoji in its id is at its key, in UTF-16 columns', () => {
    const hit = targetAt(set, file, text.indexOf('bøt') + 1)!;
    assert.deepEqual(hit.target, { kind: 'agent', id: 'bøt-😀' });
    assert.equal(text.slice(hit.span.start, hit.span.end), 'bøt-😀');
    const [d] = declarations(set, hit.target);
    const manifest = host.readFile(`${ROOT}/x.agents.yaml`)!;
    assert.deepEqual(new LineIndex(manifest).range(d!.span), { start: { line: 5, character: 3 }, end: { line: 5, character: 9 } });
    // The policy's own range: after the comment's emoji, in code units.
    const line1 = text.split('\n')[1]!;
    assert.deepEqual(new LineIndex(text).range(hit.span), { start: { line: 1, character: line1.indexOf('bøt') }, end: { line: 1, character: line1.indexOf('bøt') + 6 } });
  });

  it('references of a role with an emoji: the roles list, the agent and the policy', () => {
    const hit = targetAt(set, file, text.indexOf('équipe') + 2)!;
    const places = occurrences(set, hit.target).map((o) => placeText(ROOT, o.file, host.readFile(o.file)!, o.span));
    // Declarations first, then by file and position.
    assert.deepEqual(places, ['x.agents.yaml:4:10 équipe-😀', `p.cedar:2:${text.split('\n')[1]!.indexOf('équipe') + 1} équipe-😀`, 'x.agents.yaml:6:24 équipe-😀']);
  });
});

describe('navigation (core) never throws on user input', () => {
  it('at every offset of broken policies, broken manifests and tool lists', () => {
    const broken = MemoryHost.of({
      'm.agents.yaml': 'version: 1\nagents:\n  a: { roles: [r, "unterminated }\nscenarios:\n  - { name: x, agent: , tool: [1], reasons: [{}, 3] }\n  - 7\ncontext: { properties: { a: { $ref: "#/nowhere" } } }\ntools: [{ name: t, inputSchema: { properties: { p: { allOf: [{ $ref: "#/properties/p" }] } } } }]\n',
      'p.cedar': '@id("x" permit (principal == Acme::Agent::"a, action in [Acme::Action::"t", resource) when { context.input.p has q.r && principal["w"].v.contains( };\nforbid ( ;\n"',
      'q.cedar': '',
      'l.tools.json': '{"tools": [{"name": 3}, {"name": "u", "inputSchema": {"properties": {"z": {}}}}',
    });
    const project = new Project(broken);
    for (const f of broken.listFiles()) {
      const text = broken.readFile(f)!;
      const set = navSetOf(project, f);
      for (let o = -1; o <= text.length + 1; o++) {
        const hit = targetAt(set, f, o);
        if (hit) {
          occurrences(set, hit.target);
          declarations(set, hit.target);
        }
        prepareRename(set, f, o);
        rename(set, f, o, 'n');
      }
    }
  });
});
