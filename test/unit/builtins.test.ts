import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { attributeTypesAt } from '../../server/src/core/cedar/assist';
import { BUILTINS, builtinAt, builtinMarkdown, methodCompletionsAt, signatureAt, signatureLabel } from '../../server/src/core/cedar/builtins';
import { Project } from '../../server/src/core/project';
import { cursor } from '../helpers/assistCases';
import { builtinCases } from '../helpers/builtinCases';
import { MemoryHost, REPO } from '../helpers/memoryHost';

const cedar = require('@cedar-policy/cedar-wasm/nodejs') as typeof import('@cedar-policy/cedar-wasm/nodejs');

/** What the raw engine makes of `expr` as the condition of a permit: true (allow), false (deny), or an error. */
function evaluate(expr: string): 'true' | 'false' | 'error' | string {
  const r = cedar.isAuthorized({
    principal: { type: 'User', id: 'alice' },
    action: { type: 'Action', id: 'call' },
    resource: { type: 'Server', id: 's' },
    context: {},
    policies: { staticPolicies: `permit (principal, action, resource) when { ${expr} };` },
    entities: [{ uid: { type: 'User', id: 'alice' }, attrs: { level: 3 }, parents: [{ type: 'Group', id: 'staff' }], tags: { team: 'sre' } }],
  });
  if (r.type !== 'success') return `does not parse: ${r.errors.map((e) => e.message).join('; ')}`;
  if (r.response.decision === 'allow') return 'true';
  return r.response.diagnostics.errors.length ? 'error' : 'false';
}

describe('Cedar built-ins: the table', () => {
  it('has every operator, function and method the issue lists, each with its usage and its doc', () => {
    const wanted = ['like', 'has', 'is', 'in', 'contains', 'containsAll', 'containsAny', 'isEmpty', 'getTag', 'hasTag', 'ip', 'isIpv4', 'isIpv6', 'isLoopback', 'isMulticast', 'isInRange', 'decimal', 'lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual', 'datetime', 'duration', 'offset', 'durationSince', 'toDate', 'toTime', 'toDays', 'toHours', 'toMinutes', 'toSeconds', 'toMilliseconds'];
    const names = new Set(BUILTINS.map((b) => b.name));
    assert.deepEqual(wanted.filter((w) => !names.has(w)), []);
    for (const b of BUILTINS) {
      assert.ok(b.usage && b.doc.length > 20, `${b.name}: usage and doc`);
      if (b.kind === 'method') assert.ok(b.receiver && b.params && b.returns, `${b.name}: receiver, parameters and result`);
      if (b.kind === 'function') assert.ok(b.params?.length === 1 && b.returns, `${b.name}: parameter and result`);
      if (b.kind === 'method' || b.kind === 'function' || b.kind === 'operator') assert.ok(b.examples.length > 0, `${b.name}: examples`);
    }
  });

  it('every example evaluates, in the real engine, to what the table says', () => {
    const wrong: string[] = [];
    for (const b of BUILTINS) for (const e of b.examples) {
      const got = evaluate(e.expr);
      if (got !== e.result) wrong.push(`${b.name}: ${e.expr} gives ${got}, the table says ${e.result}`);
    }
    assert.deepEqual(wrong, []);
  });

  it('a wrong claim in the table would be caught', () => {
    assert.equal(evaluate('decimal("1.5") < decimal("2.0")'), 'error');
    assert.equal(evaluate('duration("-90m").toHours() == -2'), 'false');
  });
});

describe('Cedar built-ins: hover, methods after `.`, signature help (core), from test/fixtures/builtins/cases.yaml', () => {
  const cases = builtinCases();
  const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
  const manifest = new Project(host).coveringManifest('/ws/policies/new.cedar')!.manifest!;

  for (const c of cases.hover) {
    it(`hover: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const h = builtinAt(text, offset);
      if (c.range === null) return assert.equal(h, undefined);
      assert.ok(h, 'a hover');
      assert.equal(text.slice(h.span.start, h.span.end), c.range);
      const md = builtinMarkdown(h.builtin);
      for (const s of c.contains ?? []) assert.ok(md.includes(s), `${JSON.stringify(s)} in\n${md}`);
    });
  }

  for (const c of cases.methods) {
    it(`methods: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const r = methodCompletionsAt(text, offset, (p) => attributeTypesAt(text, offset, p, manifest));
      const all = BUILTINS.filter((b) => b.kind === 'method').map((b) => b.name);
      assert.deepEqual((r?.methods ?? []).map((b) => b.name).sort(), [...(c.methods === 'all' ? all : c.methods)].sort());
      if (r) assert.ok(r.replace.start <= offset && offset <= r.replace.end);
    });
  }

  for (const c of cases.signature) {
    it(`signature: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const s = signatureAt(text, offset);
      if (c.label === null) return assert.equal(s, undefined);
      assert.ok(s, 'a signature');
      assert.equal(signatureLabel(s.builtin), c.label);
      assert.equal(s.activeParameter, c.active ?? 0);
    });
  }

  it('a partly typed method is replaced whole, and without a manifest the tags of principal are offered', () => {
    const { text, offset } = cursor('permit (principal, action, resource) when { [1].conta|ins(1) };');
    const r = methodCompletionsAt(text, offset)!;
    assert.equal(text.slice(r.replace.start, r.replace.end), 'contains');
    const p = cursor('permit (principal, action, resource) when { principal.| };');
    assert.deepEqual(methodCompletionsAt(p.text, p.offset)?.methods.map((b) => b.name), ['getTag', 'hasTag']);
  });

  it('never throws, whatever the text and offset', () => {
    const texts = ['', '.', '(', ')', '"', 'ip(', '.isInRange(', 'when { [1,2].containsAll([', ')))).', '🙂.contains(', 'a.b.c.d(e, f, g', '// (\n.', 'if then else'];
    for (const t of texts) {
      for (let o = -1; o <= t.length + 1; o++) {
        builtinAt(t, o);
        signatureAt(t, o);
        methodCompletionsAt(t, o);
        methodCompletionsAt(t, o, (p) => attributeTypesAt(t, o, p, manifest));
      }
    }
  });
});
