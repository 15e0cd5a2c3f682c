import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { completeFromSchema, hoverFromSchema } from '../../server/src/core/cedar/schemaAssist';
import { builtinAt } from '../../server/src/core/cedar/builtins';
import { Project } from '../../server/src/core/project';
import { cursor, type CompletionCase, type HoverCase } from '../helpers/assistCases';
import { FIXTURES, MemoryHost, REPO } from '../helpers/memoryHost';

/** Completion and hover from a plain Cedar project's own schema: test/fixtures/assist/plain-cases.yaml over examples/plain-cedar/. */
const cases = parse(fs.readFileSync(path.join(FIXTURES, 'assist', 'plain-cases.yaml'), 'utf8')) as { completion: CompletionCase[]; hover: HoverCase[] };

describe('completion and hover in plain Cedar projects (core), from test/fixtures/assist/plain-cases.yaml', () => {
  const project = new Project(MemoryHost.fromDir(path.join(REPO, 'examples')));
  const choice = project.plainSchemaFor('/ws/plain-cedar/new.cedar');
  const schema = 'file' in choice ? choice.schema?.resolved : undefined;

  it('examples/plain-cedar has its schema, no manifest covers it, and there are cases of every kind', () => {
    assert.equal(project.coveringManifest('/ws/plain-cedar/new.cedar'), undefined);
    assert.ok('file' in choice && choice.file === '/ws/plain-cedar/policies.cedarschema' && schema);
    assert.ok(cases.completion.length >= 8 && cases.hover.length >= 4);
    assert.ok(cases.completion.some((c) => c.labels.length === 0) && cases.hover.some((c) => c.range === null));
  });

  for (const c of cases.completion) {
    it(`completion: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const items = completeFromSchema(text, offset, schema);
      assert.deepEqual(items.map((i) => i.label).sort(), [...c.labels].sort());
      for (const i of items) {
        assert.ok(i.replace.start <= offset && offset <= i.replace.end, `${i.label}: the replaced span contains the cursor`);
        if (c.replaced !== undefined) assert.equal(text.slice(i.replace.start, i.replace.end), c.replaced);
      }
      for (const [label, detail] of Object.entries(c.detail ?? {})) {
        const item = items.find((i) => i.label === label);
        assert.ok(item?.detail?.includes(detail), `${label}: detail ${JSON.stringify(item?.detail)} should include ${JSON.stringify(detail)}`);
      }
    });
  }

  for (const c of cases.hover) {
    it(`hover: ${c.name}`, () => {
      const { text, offset } = cursor(c.text);
      const h = hoverFromSchema(text, offset, schema);
      if (c.range === null) return assert.equal(h, undefined);
      assert.ok(h, 'a hover');
      assert.equal(text.slice(h.span.start, h.span.end), c.range);
      for (const s of c.contains ?? []) assert.ok(h.markdown.includes(s), `the hover should include ${JSON.stringify(s)}:\n${h.markdown}`);
    });
  }

  it('never throws, whatever the text and the offset', () => {
    const text = fs.readFileSync(path.join(REPO, 'examples', 'plain-cedar', 'policies.cedar'), 'utf8');
    for (let o = -1; o <= text.length + 1; o += 7) {
      completeFromSchema(text, o, schema);
      hoverFromSchema(text, o, schema);
    }
    assert.deepEqual(completeFromSchema(text, 10, undefined), []);
  });
});

describe('built-in hover in plain Cedar projects', () => {
  it('describes principal, action, resource and context in Cedar\'s words, not as agents, tools and servers', () => {
    const text = 'permit (principal, action, resource) when { context has x };';
    for (const word of ['principal', 'action', 'resource', 'context']) {
      const offset = text.indexOf(word) + 1;
      const plain = builtinAt(text, offset, true);
      const agents = builtinAt(text, offset);
      assert.ok(plain && agents, word);
      assert.doesNotMatch(plain.builtin.doc, /agent|tool|MCP/i, `${word}: ${plain.builtin.doc}`);
      assert.match(agents.builtin.doc, /agent|tool|MCP/i, `${word} under a manifest keeps its agent wording`);
    }
  });
});
