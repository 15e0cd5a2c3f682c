import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { policyFolds, yamlFolds } from '../../server/src/core/navigation/folding';
import { inlayHints } from '../../server/src/core/navigation/inlayHints';
import { policyFileFacts } from '../../server/src/core/navigation/policyFacts';
import { policySelection, yamlSelection } from '../../server/src/core/navigation/selectionRange';
import { fuzzyMatch, manifestSymbols, policySymbols, workspaceSymbols, type DocSymbol } from '../../server/src/core/navigation/symbols';
import { Project } from '../../server/src/core/project';
import { LineIndex } from '../../server/src/core/text';
import type { Span } from '../../server/src/core/types';
import { parseYaml } from '../../server/src/core/yamlDoc';
import { MemoryHost, REPO } from '../helpers/memoryHost';

const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
const project = new Project(host);
const text = (rel: string) => host.readFile(`/ws/${rel}`)!;
const contains = (outer: Span, inner: Span) => outer.start <= inner.start && inner.end <= outer.end;

/** Every symbol's name range is inside its range, and every child inside its parent (what breadcrumbs need). */
function assertNested(symbols: DocSymbol[], parent?: DocSymbol) {
  for (const s of symbols) {
    assert.ok(contains(s.span, s.selection), `${s.name}: the selection is inside the range`);
    if (parent) assert.ok(contains(parent.span, s.span), `${s.name} is inside ${parent.name}`);
    assertNested(s.children, s);
  }
}

describe('document symbols (core)', () => {
  it('a policy file: one symbol per policy, named by @id, with the effect and scope as detail and the conditions as children', () => {
    const t = text('policies/refunds.cedar');
    const symbols = policySymbols(policyFileFacts(t));
    assert.deepEqual(
      symbols.map((s) => [s.name, s.kind, s.detail, s.children.map((c) => c.name)]),
      [
        ['billing-refund', 'permit', 'permit (principal in Role::"billing", action == Action::"issue_refund", resource)', ['when']],
        ['billing-read-orders', 'permit', 'permit (principal in Role::"billing", action in [Action::"get_order", Action::"lookup_customer"], resource == McpServer::"crm")', ['when']],
        ['refund-large-needs-approval', 'forbid', 'forbid (principal, action == Action::"issue_refund", resource)', ['when', 'unless']],
      ],
    );
    assert.equal(symbols[2]!.children[1]!.detail, 'context.session has approved_by');
    assert.equal(t.slice(symbols[0]!.selection.start, symbols[0]!.selection.end), '"billing-refund"');
    assertNested(symbols);
  });

  it('a policy without @id is named as Cedar names it; one that does not parse says so', () => {
    const symbols = policySymbols(policyFileFacts('permit (principal, action, resource);\nfrobnicate;\n@id("t") permit (principal == ?principal, action, resource);'));
    assert.deepEqual(symbols.map((s) => [s.name, s.detail]), [
      ['policy0', 'permit (principal, action, resource)'],
      ['policy1', 'does not parse'],
      ['t', 'template permit (principal == ?principal, action, resource)'],
    ]);
  });

  it('a manifest: its sections, with agents, roles, servers and their tools, tools and their arguments, scenarios', () => {
    const symbols = manifestSymbols(parseYaml(text('acme.agents.yaml'), 'x').source);
    const byName = (name: string) => symbols.find((s) => s.name === name)!;
    assert.deepEqual(symbols.map((s) => s.name), ['version', 'namespace', 'policies', 'context', 'agent_attributes', 'roles', 'agents', 'servers', 'tools', 'scenarios']);
    assert.deepEqual(byName('agents').children.map((c) => [c.name, c.kind]), [['support-bot', 'agent'], ['refund-agent', 'agent'], ['ops-agent', 'agent']]);
    assert.equal(byName('agents').children[0]!.detail, 'roles: support · Answers customer tickets in the help desk');
    assert.deepEqual(byName('roles').children.map((c) => c.name), ['support', 'billing', 'ops']);
    assert.deepEqual(byName('servers').children.map((c) => [c.name, c.detail, c.children.map((t) => t.name)]), [
      ['crm', 'tools from mcp/crm.tools.json', []],
      ['infra', '3 tools', ['read_logs', 'restart_service', 'scale-deployment']],
    ]);
    assert.deepEqual(byName('tools').children[0]!.children.map((a) => [a.name, a.detail]), [['order_id', 'string, required'], ['amount', 'integer, required'], ['currency', 'string'], ['reason', 'string']]);
    assert.equal(byName('scenarios').children.length, 7);
    assert.equal(byName('scenarios').children[3]!.detail, 'support-bot → send_email: expect deny');
    assertNested(symbols);
  });

  it('a manifest that does not parse as a whole still gives what it can, and never throws', () => {
    for (const t of ['', 'agents: [', 'version: 1\nagents:\n  a:\n    roles: [x\n', '- 1\n- 2', 'scenarios:\n  - 3\n  - name: x\n']) manifestSymbols(parseYaml(t, 'x').source);
    assert.deepEqual(manifestSymbols(parseYaml('roles: [a, b]\n', 'x').source)[0]!.children.map((c) => c.name), ['a', 'b']);
  });
});

describe('workspace symbols (core)', () => {
  const all = project.host.listFiles().filter((f) => f.endsWith('.cedar')).map((f) => ({ file: f, facts: policyFileFacts(host.readFile(f)!) }));
  const manifests = project.allManifests().map((m) => ({ file: m.file, manifest: m.manifest!, sources: m.result.sources }));

  it('finds policies, agents, tools (also imported ones, in their tool list) and scenarios by a fuzzy query', () => {
    const names = (q: string) => workspaceSymbols(all, manifests, q).map((s) => `${s.kind} ${s.name} ${s.file.slice(4)}`);
    assert.deepEqual(names('refund-small'), ['permit support-refund-small policies/support.cedar']);
    assert.deepEqual(names('lookupcust'), ['tool lookup_customer mcp/crm.tools.json']);
    assert.ok(names('support-bot').includes('agent support-bot acme.agents.yaml'));
    assert.ok(names('').length > 40);
    assert.equal(workspaceSymbols(all, manifests, '', 5).length, 5);
    assert.ok(fuzzyMatch('SRS', 'support-refund-small') && !fuzzyMatch('srx', 'support-refund-small'));
  });
});

describe('folding and selection ranges (core)', () => {
  it('folds each policy, its scope and its condition blocks, keeping the closing line visible, and comment runs', () => {
    const t = text('policies/support.cedar');
    const folds = policyFolds(policyFileFacts(t));
    const lines = t.split('\n');
    const shown = folds.map((f) => `${f.startLine + 1}-${f.endLine + 1}${f.kind ? ` ${f.kind}` : ''}: ${lines[f.startLine]!.trim()}`);
    assert.ok(shown.includes('1-2 comment: // Support: the help-desk agent answers tickets. It reads customer data, updates the ticket it works on,'), shown.join('\n'));
    assert.ok(shown.includes('4-10: @id("support-read-crm")'), shown.join('\n'));
    assert.ok(shown.includes('5-8: permit ('), shown.join('\n'));
    assert.ok(shown.includes('19-22: when {'), shown.join('\n'));
    for (const f of folds) assert.ok(f.endLine > f.startLine && f.endLine < lines.length);
  });

  it('folds every multi-line block of a manifest from its key, and comment runs', () => {
    const t = text('acme.agents.yaml');
    const lines = t.split('\n');
    const shown = yamlFolds(parseYaml(t, 'x').source).map((f) => `${f.startLine + 1}-${f.endLine + 1}${f.kind ? ` ${f.kind}` : ''}: ${lines[f.startLine]!.trim()}`);
    for (const want of ['1-2 comment: # Acme\'s customer-operations agents and the tools they may call.', '8-17: context:', '29-49: agents:', '30-36: support-bot:', '101-146: scenarios:', '102-108: - name: support may refund small amounts']) {
      assert.ok(shown.includes(want), `${want}\nin\n${shown.join('\n')}`);
    }
  });

  it('expands from a name to its path, the comparison, the condition, the block, the policy and the file, each containing the last', () => {
    const t = text('policies/refunds.cedar');
    const spans = policySelection(policyFileFacts(t), t.indexOf('amount <='));
    const texts = spans.map((s) => t.slice(s.start, s.end));
    assert.deepEqual(texts.slice(0, 4), ['amount', 'context.input.amount', 'context.input.amount <= principal.max_refund', 'context.session.purpose == "billing" &&\n  principal has max_refund &&\n  context.input.amount <= principal.max_refund']);
    assert.ok(texts.includes('when {\n  context.session.purpose == "billing" &&\n  principal has max_refund &&\n  context.input.amount <= principal.max_refund\n}'));
    assert.equal(texts[texts.length - 1], t);
    for (let i = 1; i < spans.length; i++) assert.ok(contains(spans[i]!, spans[i - 1]!) && (spans[i]!.start < spans[i - 1]!.start || spans[i]!.end > spans[i - 1]!.end));
  });

  it('in a manifest: the scalar, the pair, the block, up to the document', () => {
    const t = text('acme.agents.yaml');
    const spans = yamlSelection(parseYaml(t, 'x').source, t.indexOf('ops-agent:') + 2);
    const texts = spans.map((s) => t.slice(s.start, s.end));
    assert.equal(texts[0], 'ops-agent');
    assert.ok(texts[1]!.startsWith('ops-agent:\n    description:'));
    assert.ok(texts.some((x) => x.startsWith('agents:\n  support-bot:')));
    assert.equal(texts[texts.length - 1], t);
  });

  it('never throw, at any offset of odd texts', () => {
    for (const t of ['', '(', 'permit (principal, action, resource) when { [1, (2 }', '@id("x"', '"\n"', 'when { a && || b }', '🙂(']) {
      const facts = policyFileFacts(t);
      policyFolds(facts);
      policySymbols(facts);
      for (let o = -1; o <= t.length + 1; o++) policySelection(facts, o);
    }
    for (const t of ['', 'a: [', '- - -', 'a:\n  b:\n    - c: {d: [e', '{"a": 1']) {
      const source = parseYaml(t, 'x').source;
      yamlFolds(source);
      for (let o = -1; o <= t.length + 1; o++) yamlSelection(source, o);
    }
  });
});

describe('inlay hints (core)', () => {
  const manifest = project.coveringManifest('/ws/policies/x.cedar')!.manifest!;
  const hints = (t: string) => {
    const ix = new LineIndex(t);
    return inlayHints(policyFileFacts(t), manifest).map((h) => `${ix.positionAt(h.offset).character}${h.label}`);
  };

  it('the type of a compared argument or session field, the agents of a role, the tools of call_tool and of a server', () => {
    const t = 'permit (principal in Acme::Role::"billing", action == Acme::Action::"issue_refund", resource) when { context.input.amount <= 100 && context.session.purpose == "billing" };';
    const after = (s: string) => t.indexOf(s) + s.length;
    assert.deepEqual(hints(t), [`${after('Role::"billing"')}⇒ refund-agent`, `${after('context.input.amount')}: Long`, `${after('context.session.purpose')}: String`]);
    const u = 'permit (principal, action in Acme::Action::"call_tool", resource == Acme::McpServer::"infra");';
    const afterU = (s: string) => u.indexOf(s) + s.length;
    assert.deepEqual(hints(u), [`${afterU('"call_tool"')}⇒ every tool (10)`, `${afterU('"infra"')}⇒ read_logs, restart_service, scale-deployment`]);
  });

  it('no type hint where the value is not compared, or is not known', () => {
    assert.deepEqual(hints('permit (principal, action, resource) when { context.session has ticket_id && [context.input.nothing] == [1] && context.input.nothing == 1 };'), []);
  });
});
