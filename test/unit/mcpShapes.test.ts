import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { tidySchemaText } from '../../server/src/core/cedar/schemaGen';
import { FIXTURES, MemoryHost } from '../helpers/memoryHost';

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

describe('nullable arguments the way generators write them', () => {
  const host = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'nullable-shapes'));
  const project = new Project(host);
  const manifest = '/ws/web.agents.yaml';

  it('maps anyOf/oneOf with {type: "null"} (either order, with descriptions) like type: [X, "null"]: an optional attribute', () => {
    const entry = project.manifest(manifest)!;
    assert.deepEqual(entry.modelFindings, []);
    assert.match(entry.model!.text, /issue_type\?: String/);
    assert.match(entry.model!.text, /colorScheme\?: String,\s+media\?: String,\s+reducedMotion\?: String/);
    const own = new Project(MemoryHost.of({ 'm.agents.yaml': 'version: 1\nagents: {a: {}}\ntools:\n  - name: t\n    inputSchema: { type: object, properties: { x: { type: [string, "null"] }, y: { enum: [a, b, null] }, z: { type: string, enum: [a, null] } }, required: [x, y, z] }\n' }));
    assert.match(own.manifest('/ws/m.agents.yaml')!.model!.text, /x\?: String,\s+y\?: String,\s+z: String/);
  });

  it('simulates a null as an absent attribute, and the value as the member type', () => {
    const call = (tool: string, agent: string, args: unknown) => project.simulate(manifest, { agent, tool, args, context: {} });
    const base = { owner: 'o', repo: 'r', issue_number: 7 };
    assert.deepEqual([call('update_issue_type', 'triager', { ...base, issue_type: 'bug' }).decision, call('update_issue_type', 'triager', { ...base, issue_type: 'bug' }).requestErrors], ['allow', []]);
    const cleared = call('update_issue_type', 'triager', { ...base, issue_type: null });
    assert.deepEqual([cleared.decision, cleared.requestErrors, cleared.reason], ['deny', [], 'no policy applied']);
    assert.deepEqual(cleared.request!.context.input, base);
    assert.deepEqual(call('update_issue_type', 'triager', base).requestErrors, ['args: is missing the required property `issue_type`']);
    assert.equal(call('browser_emulate_media', 'tester', { media: 'print', colorScheme: 'light', reducedMotion: 'reduce' }).decision, 'allow');
    assert.equal(call('browser_emulate_media', 'tester', { media: 'print', colorScheme: null, reducedMotion: 'reduce' }).decision, 'deny');
    assert.deepEqual(call('browser_emulate_media', 'tester', { media: 'tv' }).requestErrors, ['args.media: must be one of "screen", "print"']);
  });
});
