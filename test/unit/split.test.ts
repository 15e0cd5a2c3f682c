import * as assert from 'node:assert/strict';
import { splitPolicies, tokenize, unescapeCedarString } from '../../server/src/core/cedar/split';

const texts = (src: string) => splitPolicies(src).map((p) => src.slice(p.span.start, p.span.end));

describe('policy splitting', () => {
  it('does not split at ; inside strings or comments', () => {
    const src = '// a; b\npermit(principal, action, resource) when { context.x == "a;b\\";" }; // c;\nforbid(principal, action, resource);';
    const parts = texts(src);
    assert.equal(parts.length, 2);
    assert.ok(parts[0]!.startsWith('// a; b\npermit'));
    assert.ok(parts[0]!.endsWith('"a;b\\";" };'));
    assert.equal(parts[1], 'forbid(principal, action, resource);');
  });

  it('gives annotations and directly preceding comments to the policy; a blank line detaches comments', () => {
    const src = '// file header\n\n// about p1\n// more\n@id("p1")\n@advice("x")\npermit(principal, action, resource);';
    const [p] = splitPolicies(src);
    assert.deepEqual(p!.leadingComments.map((c) => c.text), ['// about p1', '// more']);
    assert.equal(p!.id?.value, 'p1');
    assert.deepEqual(p!.annotations.map((a) => a.name), ['id', 'advice']);
    assert.equal(src.slice(p!.bodySpan.start, p!.bodySpan.start + 4), '@id(');
  });

  it('starts a new policy at a top-level effect or annotation when a ; is missing, and at any ; inside brackets', () => {
    const src = 'permit(principal, action, resource) when { true }\n@id("b") forbid(principal, action, resource);\npermit(principal, action, resource) when { (1 ;\npermit(principal, action, resource);';
    const parts = splitPolicies(src);
    assert.equal(parts.length, 4);
    assert.equal(parts[0]!.terminated, false);
    assert.equal(parts[1]!.id?.value, 'b');
    assert.equal(parts[2]!.terminated, true);
    assert.equal(parts[3]!.effect, 'permit');
  });

  // An unclosed `(`, `{` or `[` used to run on to the next `;`, taking the next policy with it.
  const resync: { name: string; src: string; ids: (string | undefined)[]; terminated: boolean[] }[] = [
    {
      name: '@id( at the start of a line after an unclosed {',
      src: '@id("a") permit (principal, action, resource) when { context.x == "y"\n@id("f") forbid (principal, action, resource);',
      ids: ['a', 'f'],
      terminated: [false, true],
    },
    {
      name: 'forbid ( at the start of a line after an unclosed (',
      src: 'permit (principal,\n  action, resource\n  forbid (principal, action, resource);',
      ids: [undefined, undefined],
      terminated: [false, true],
    },
    {
      name: 'permit ( at the start of an indented line after an unclosed [',
      src: 'forbid (principal, action in [A::Action::"x",\n\t permit (principal, action, resource);',
      ids: [undefined, undefined],
      terminated: [false, true],
    },
  ];
  for (const c of resync) {
    it(`starts a new policy at ${c.name}`, () => {
      const parts = splitPolicies(c.src);
      assert.deepEqual(parts.map((p) => p.id?.value), c.ids);
      assert.deepEqual(parts.map((p) => p.terminated), c.terminated);
    });
  }

  it('does not start a new policy inside brackets in the middle of a line or after a dot', () => {
    assert.equal(splitPolicies('permit (principal, action, resource) when { context.x @id("f") forbid (principal, action, resource);').length, 1);
    assert.equal(splitPolicies('permit (principal, action, resource) when { context.\nforbid (1) };').length, 1);
    assert.equal(splitPolicies('permit (principal, action, resource) when { context.x == "\n@id(\\"f\\") forbid (" };').length, 1);
  });

  it('does not treat an attribute named permit as an effect', () => {
    assert.equal(splitPolicies('permit(principal, action, resource) when { context.permit == 1 };').length, 1);
  });

  it('finds the scope elements and whether conditions follow', () => {
    const src = 'permit (\n  principal in A::Role::"r",\n  action in [A::Action::"x", A::Action::"y"],\n  resource\n) when { true };';
    const [p] = splitPolicies(src);
    assert.equal(src.slice(p!.scope!.principal.start, p!.scope!.principal.end), 'principal in A::Role::"r"');
    assert.equal(src.slice(p!.scope!.action.start, p!.scope!.action.end), 'action in [A::Action::"x", A::Action::"y"]');
    assert.equal(src.slice(p!.scope!.resource.start, p!.scope!.resource.end), 'resource');
    assert.equal(p!.hasConditions, true);
    assert.equal(src.slice(p!.headSpan!.start, p!.headSpan!.end).endsWith(')'), true);
  });

  it('marks templates and tolerates any input', () => {
    assert.equal(splitPolicies('permit(principal == ?principal, action, resource);')[0]!.isTemplate, true);
    const junk = '\u0000\uFFFD😀"unterminated \\';
    assert.doesNotThrow(() => splitPolicies(junk));
    assert.ok(tokenize(junk).length > 0);
  });

  it('unescapes Cedar strings', () => {
    assert.equal(unescapeCedarString('a\\"b\\n\\u{1F600}'), 'a"b\n😀');
  });
});
