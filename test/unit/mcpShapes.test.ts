import * as assert from 'node:assert/strict';
import { Project } from '../../server/src/core/project';
import { tidySchemaText } from '../../server/src/core/cedar/schemaGen';
import { MemoryHost } from '../helpers/memoryHost';

/** The shapes real MCP servers give their tools (issue 10): one manifest, several servers, every schema form. */

const STORE = `version: 1
namespace: Store
agents:
  bot: { roles: [] }
tools:
  - name: order
    inputSchema:
      type: object
      properties:
        filter: { type: object, properties: { state: { type: string, enum: [open, closed] } } }
        items: { type: array, items: { type: object, properties: { sku: { type: string } }, required: [sku] } }
        flags: { type: object }
        counts: { type: array, items: { type: integer } }
  - name: ping
    inputSchema: { type: object }
`;
const ALLOW_ALL = '@id("all")\npermit (principal == Store::Agent::"bot", action in [Store::Action::"order", Store::Action::"ping"], resource);\n';

describe('generated Cedar schema text', () => {
  it('writes an empty record as `{}`, whatever the indentation', () => {
    const project = new Project(MemoryHost.of({ 'store.agents.yaml': STORE }));
    const text = project.manifest('/ws/store.agents.yaml')!.model!.text;
    assert.match(text, /^ {2}type Session = \{\};$/m);
    assert.match(text, /^ {8}flags\?: \{\},$/m);
    assert.match(text, /^ {6}input: \{\},$/m);
    assert.doesNotMatch(text, /\{\s+\}/);
  });

  it('leaves quoted names as they are', () => {
    assert.equal(tidySchemaText('action "a{  }b" appliesTo { context: {   } };'), 'action "a{  }b" appliesTo { context: {} };');
    assert.equal(tidySchemaText('x: __cedar::String, "__cedar::y": {\n  }'), 'x: String, "__cedar::y": {}');
  });
});

describe('request errors: one path style', () => {
  const project = new Project(MemoryHost.of({ 'store.agents.yaml': STORE, 'p.cedar': ALLOW_ALL }));
  const errors = (args: unknown) => project.simulate('/ws/store.agents.yaml', { agent: 'bot', tool: 'order', args, context: {} }).requestErrors;

  it('names nested values `args.a.b` and array items `args.items[0]`, from the JSON Schema and from the conversion to Cedar', () => {
    assert.deepEqual(errors({ filter: { state: 'gone' } }), ['args.filter.state: must be one of "open", "closed"']);
    assert.deepEqual(errors({ items: [{ sku: 'a' }, {}] }), ['args.items[1]: is missing the required property `sku`']);
    assert.deepEqual(errors({ items: [{ sku: 1 }] }), ['args.items[0].sku: must be a string']);
    assert.deepEqual(errors({ counts: [1, 2 ** 60] }), ['args.counts[1]: expected an integer (within ±2^53), got 1152921504606847000']);
  });
});
