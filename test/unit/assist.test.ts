import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { completeAt, hoverAt } from '../../server/src/core/cedar/assist';
import { completeManifestAt } from '../../server/src/core/manifest/assist';
import { LineIndex } from '../../server/src/core/text';
import { assistCases, cursor, type CompletionCase } from '../helpers/assistCases';
import { MemoryHost, REPO } from '../helpers/memoryHost';

const cases = assistCases();

/** The labels are the case's, and each item replaces a span around the cursor: the case's `replaced` text. */
function assertOffered(c: CompletionCase, items: { label: string; replace: { start: number; end: number } }[], text: string, offset: number) {
  assert.deepEqual(items.map((i) => i.label).sort(), [...c.labels].sort());
  for (const i of items) {
    assert.ok(i.replace.start <= offset && offset <= i.replace.end, `${i.label}: the replaced span contains the cursor`);
    if (c.replaced !== undefined) assert.equal(text.slice(i.replace.start, i.replace.end), c.replaced, `${i.label}: replaced text`);
  }
}

describe('completion and hover in policy files (core), from test/fixtures/assist/cases.yaml', () => {
  const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
  const project = new Project(host);
  const manifest = project.coveringManifest('/ws/policies/new.cedar')?.manifest;

  it('the examples manifest covers the cases, and there are cases of every kind', () => {
    assert.ok(manifest, 'examples/acme.agents.yaml covers policies/new.cedar');
    assert.ok(cases.completion.length >= 15 && cases.hover.length >= 6);
    assert.ok(cases.completion.some((c) => c.labels.length === 0), 'cases where nothing is offered');
    assert.ok(cases.hover.some((c) => c.range === null), 'a case with no hover');
  });

  for (const c of cases.completion) {
    it(`completion: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const items = completeAt(text, offset, manifest);
      assertOffered(c, items, text, offset);
      for (const [label, detail] of Object.entries(c.detail ?? {})) {
        const item = items.find((i) => i.label === label);
        assert.ok(item?.detail?.includes(detail), `${label}: detail ${JSON.stringify(item?.detail)} should include ${JSON.stringify(detail)}`);
      }
    });
  }

  for (const c of cases.hover) {
    it(`hover: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const h = hoverAt(text, offset, manifest);
      if (c.range === null) return assert.equal(h, undefined);
      assert.ok(h, 'a hover');
      assert.equal(text.slice(h.span.start, h.span.end), c.range);
      for (const s of c.contains ?? []) assert.ok(h.markdown.includes(s), `the hover should include ${JSON.stringify(s)}:\n${h.markdown}`);
    });
  }

  it('offers properties and enum values in the order the schema declares them', () => {
    const order = (t: string) => {
      const { text, offset } = cursor(t);
      return completeAt(text, offset, manifest).sort((a, b) => (a.sortText ?? '').localeCompare(b.sortText ?? '')).map((i) => i.label);
    };
    assert.deepEqual(order('permit (principal, action, resource) when { context.session.purpose == "|" };'), ['support', 'billing', 'ops', 'incident']);
    assert.deepEqual(order('permit (principal, action == Acme::Action::"issue_refund", resource) when { context.input.| };'), ['order_id', 'amount', 'currency', 'reason']);
  });

  it('non-ASCII text before the cursor: the replaced range in line/character counts UTF-16 code units', () => {
    const { text, offset } = cursor('// 🇩🇪 “x”\npermit (principal, action, resource) when { context.session.purp| };');
    const [item] = completeAt(text, offset, manifest).filter((i) => i.label === 'purpose');
    assert.ok(item);
    const lines = new LineIndex(text);
    assert.deepEqual(lines.positionAt(item.replace.start), { line: 1, character: text.split('\n')[1]!.indexOf('purp') });
  });

  it('never throws, whatever the text and offset, and offers nothing without a manifest', () => {
    const texts = ['', '\n', '\npermit (principal, action, resource) when { context.', '"', 'permit (principal == Acme::Agent::"', 'context.', '.', '::"', 'when { context.input.', '\u0000\uffff🙂"\\', 'permit (principal in [', 'has'];
    for (const t of texts) {
      for (let o = -1; o <= t.length + 1; o++) {
        completeAt(t, o, manifest);
        hoverAt(t, o, manifest);
        assert.deepEqual(completeAt(t, o, undefined), []);
        assert.equal(hoverAt(t, o, undefined), undefined);
      }
    }
  });
});

describe('completion in agent manifests (core), from test/fixtures/assist/cases.yaml', () => {
  const project = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
  const manifest = project.manifest('/ws/acme.agents.yaml')?.manifest;

  it('has cases, including some where nothing is offered', () => {
    assert.ok(manifest && cases.manifest.length >= 12 && cases.manifest.some((c) => c.labels.length === 0));
  });

  for (const c of cases.manifest) {
    it(c.name, () => {
      const { text, offset } = cursor(c.text);
      assertOffered(c, completeManifestAt(text, offset, manifest), text, offset);
    });
  }

  it('never throws, whatever the text and offset', () => {
    const texts = ['', ':', '- ', 'scenarios:\n- agent: ', 'agents:\n  x:\n    identity: { kind: ', '\n\n  - \n', '"\u0000🙂: [', '#', 'a: {b: [c, '];
    for (const t of texts) for (let o = -1; o <= t.length + 1; o++) completeManifestAt(t, o, manifest);
    assert.deepEqual(completeManifestAt('scenarios:\n  - agent: ', 22, undefined), []);
  });
});
