import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatPolicies, parsePolicy } from '../../server/src/core/cedar/engine';
import { formatPolicyText, type FormatEdit } from '../../server/src/core/cedar/format';
import { splitPolicies, tokenize } from '../../server/src/core/cedar/split';
import { Project } from '../../server/src/core/project';
import { FIXTURES, MemoryHost, REPO } from '../helpers/memoryHost';

const DIR = path.join(FIXTURES, 'format');

function apply(text: string, edits: FormatEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.span.start - a.span.start)) out = out.slice(0, e.span.start) + e.newText + out.slice(e.span.end);
  return out;
}

function format(text: string): string {
  const r = formatPolicyText(text);
  assert.ok('edits' in r, JSON.stringify(r));
  return apply(text, r.edits);
}

const comments = (t: string) =>
  tokenize(t)
    .filter((x) => x.kind === 'comment')
    .map((x) => x.value.trimEnd());

const asts = (t: string) =>
  splitPolicies(t).map((s) => {
    const p = parsePolicy(t.slice(s.bodySpan.start, s.bodySpan.end), s.isTemplate);
    return 'json' in p ? JSON.stringify(p.json) : 'error';
  });

describe('formatting (core): Cedar\'s formatter, one policy at a time', () => {
  const inputs = fs.readdirSync(DIR).filter((f) => f.endsWith('.cedar') && !f.endsWith('.formatted.cedar'));

  it('has fixtures', () => assert.ok(inputs.length >= 1));

  for (const f of inputs) {
    const input = fs.readFileSync(path.join(DIR, f), 'utf8');
    const expected = fs.readFileSync(path.join(DIR, f.replace(/\.cedar$/, '.formatted.cedar')), 'utf8');

    it(`${f}: gives ${f.replace(/\.cedar$/, '.formatted.cedar')}, then nothing more to do`, () => {
      assert.equal(format(input), expected);
      assert.deepEqual(formatPolicyText(expected), { edits: [] });
    });

    it(`${f}: keeps every comment, in order, and every policy the same`, () => {
      assert.deepEqual(comments(format(input)), comments(input));
      assert.deepEqual(asts(format(input)), asts(input));
    });

    it(`${f}: keeps the lint's suppressions as they were (same findings before and after)`, () => {
      const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
      const file = '/ws/policies/formatted.cedar';
      const findings = () => new Project(host).check(file).diagnostics.map((d) => `${d.code} ${d.policyId ?? ''}`).sort();
      host.files.set(file, input);
      const before = findings();
      host.files.set(file, format(input));
      assert.deepEqual(findings(), before);
      assert.ok(before.length > 0, 'the fixture has findings to compare');
    });
  }

  it('why one policy at a time: given a whole file, the formatter removes the blank line that detaches a suppression', () => {
    const text = '// agent-policy-ignore wildcard-principal\n\n@id("a")\npermit (principal, action, resource);\n';
    const whole = formatPolicies(text);
    assert.ok('text' in whole);
    assert.ok(!whole.text.includes('principal\n\n@id'), `Cedar's formatter kept the blank line; the per-policy formatting may no longer be needed:\n${whole.text}`);
    assert.equal(format(text), text);
  });

  it('refuses a file with a policy that does not parse, saying which; nothing is edited', () => {
    const text = '@id("ok") permit(principal,action,resource);\n\n@id("broken")\npermit (principal, action, resource) when { context.x and true };\n';
    const r = formatPolicyText(text);
    assert.ok('error' in r);
    assert.match(r.error, /the policy at line 3 \(broken\) does not parse \(unexpected token `and`\)/);
    const unterminated = formatPolicyText('permit (principal, action, resource)');
    assert.ok('error' in unterminated && /does not end with `;`/.test(unterminated.error));
  });

  it('a range formats the policies it touches, and only those', () => {
    const text = '@id("a") permit(principal,action,resource);\n@id("b") permit(principal,action,resource);\n';
    const at = text.indexOf('"b"');
    const r = formatPolicyText(text, {}, { start: at, end: at });
    assert.ok('edits' in r);
    assert.equal(apply(text, r.edits), '@id("a") permit(principal,action,resource);\n@id("b")\npermit (principal, action, resource);\n');
  });

  it('keeps CRLF line breaks, the indentation of an indented policy, and the indent width asked for', () => {
    const crlf = '// c\r\n@id("a") permit(principal,action in [Acme::Action::"x"],resource) when { true };\r\n';
    const out = format(crlf);
    assert.ok(!/[^\r]\n/.test(out), JSON.stringify(out));
    const indented = '  @id("a") permit(principal,action,resource) when { context.a && context.b };\n';
    assert.match(format(indented), /^ {2}@id\("a"\)\n {2}permit/);
    const r = formatPolicyText('permit(principal in Acme::Role::"billing",action==Acme::Action::"issue_refund",resource);', { indentWidth: 4 });
    assert.ok('edits' in r && /\n {4}principal in/.test(r.edits[0]!.newText), JSON.stringify(r));
  });

  it('never throws, and never edits what it cannot parse', () => {
    for (const t of ['', ';', '"', '// only a comment', '@id("x")', 'permit', 'permit (', 'forbid (principal, action, resource) when { 🙂 };', '\u0000']) {
      const r = formatPolicyText(t);
      if ('edits' in r) assert.deepEqual(asts(apply(t, r.edits)), asts(t));
    }
  });
});
