import * as assert from 'node:assert/strict';
import { loadCedarSchema, isCedarSchemaFile } from '../../server/src/core/cedar/cedarSchema';
import { Project } from '../../server/src/core/project';
import { LineIndex } from '../../server/src/core/text';
import { MemoryHost } from '../helpers/memoryHost';

/** Plain Cedar projects: which schema a policy file gets, and what follows from an edit (see DESIGN.md). */
const SCHEMA = (ns: string, attr: string) => `namespace ${ns} {\n  entity User { ${attr}: Long };\n  action act appliesTo { principal: User, resource: User };\n}\n`;
const POLICY = (ns: string, attr: string) => `@id("p")\npermit (principal, action == ${ns}::Action::"act", resource) when { principal.${attr} > 1 };\n`;

function codes(project: Project, file: string): string[] {
  return project.check(`/ws/${file}`).diagnostics.map((d) => `${d.code}: ${d.message.split('\n')[0]}`);
}

describe('plain Cedar projects: schema discovery', () => {
  it('recognises the schema file names of the official Cedar extension, and nothing else', () => {
    for (const f of ['/a/policies.cedarschema', '/a/cedarschema.json', '/a/x.cedarschema.json']) assert.ok(isCedarSchemaFile(f), f);
    for (const f of ['/a/policies.cedar', '/a/schema.json', '/a/cedarschema.jsonc', '/a/x.cedarschema.bak', '/a/mycedarschema.json']) assert.ok(!isCedarSchemaFile(f), f);
  });

  it('prefers the schema in the policy\'s folder over the one at the root', () => {
    const host = MemoryHost.of({ 'root.cedarschema': SCHEMA('R', 'age'), 'app/app.cedarschema': SCHEMA('A', 'level'), 'app/p.cedar': POLICY('A', 'age'), 'other/q.cedar': POLICY('R', 'level') });
    const project = new Project(host);
    assert.deepEqual(codes(project, 'app/p.cedar'), ['cedar-validation: attribute `age` on entity type `A::User` not found']);
    assert.deepEqual(codes(project, 'other/q.cedar'), ['cedar-validation: attribute `level` on entity type `R::User` not found']);
  });

  it('uses the setting when neither the folder nor the root has a schema, and when a folder has several', () => {
    const host = MemoryHost.of({ 'schemas/main.cedarschema': SCHEMA('S', 'age'), 'twice/a.cedarschema': SCHEMA('S', 'age'), 'twice/b.cedarschema': SCHEMA('S', 'age'), 'app/p.cedar': POLICY('S', 'agee'), 'twice/p.cedar': POLICY('S', 'agee') });
    const project = new Project(host);
    assert.match(codes(project, 'app/p.cedar')[0]!, /^policy-not-covered: no agent manifest covers this file and no Cedar schema/);
    assert.match(codes(project, 'twice/p.cedar')[0]!, /^policy-not-covered: several Cedar schemas could apply to this file \(`twice\/a.cedarschema`, `twice\/b.cedarschema`\)/);
    project.settingsSchemaPath = 'schemas/main.cedarschema';
    assert.deepEqual(codes(project, 'app/p.cedar'), ['cedar-validation: attribute `agee` on entity type `S::User` not found']);
    assert.deepEqual(codes(project, 'twice/p.cedar'), ['cedar-validation: attribute `agee` on entity type `S::User` not found']);
    project.settingsSchemaPath = 'schemas/missing.cedarschema';
    assert.match(codes(project, 'app/p.cedar')[0]!, /^policy-not-covered: only the syntax of this file is checked: its Cedar schema `schemas\/missing.cedarschema` \(from `agentPolicy.cedarSchemaPath` or `--schema`\) was not read: it does not exist/);
  });

  it('a manifest that covers the file wins over any schema file', () => {
    const manifest = 'version: 1\nnamespace: Shop\nagents: { bot: { roles: [] } }\nservers: { s: { tools: [{ name: get, inputSchema: { type: object } }] } }\n';
    const host = MemoryHost.of({ 'shop.agents.yaml': manifest, 'policies.cedarschema': SCHEMA('S', 'age'), 'p.cedar': POLICY('S', 'age') });
    const project = new Project(host);
    assert.ok(codes(project, 'p.cedar').some((c) => c.startsWith('cedar-validation: unrecognized action `S::Action::"act"`')), codes(project, 'p.cedar').join('\n'));
  });

  it('an edit of the schema revalidates the policies that use it, and they are its dependents', () => {
    const host = MemoryHost.of({ 'policies.cedarschema': SCHEMA('S', 'age'), 'p.cedar': POLICY('S', 'level'), 'covered/q.cedar': POLICY('S', 'age'), 'a.agents.yaml': 'version: 1\npolicies: [covered/*.cedar]\n' });
    const project = new Project(host);
    assert.equal(codes(project, 'p.cedar').length, 1);
    assert.deepEqual(project.dependentsOf('/ws/policies.cedarschema').sort(), ['/ws/p.cedar', '/ws/policies.cedarschema']);
    host.files.set('/ws/policies.cedarschema', SCHEMA('S', 'level'));
    assert.deepEqual(codes(project, 'p.cedar'), []);
    host.files.delete('/ws/policies.cedarschema');
    assert.match(codes(project, 'p.cedar')[0]!, /^policy-not-covered: no agent manifest covers this file and no Cedar schema/);
  });

  it('the notice follows the choice: two schemas, then one, then none', () => {
    const host = MemoryHost.of({ 'a.cedarschema': SCHEMA('S', 'age'), 'b.cedarschema': SCHEMA('S', 'age'), 'p.cedar': POLICY('S', 'age') });
    const project = new Project(host);
    assert.match(codes(project, 'p.cedar')[0]!, /several Cedar schemas could apply/);
    host.files.delete('/ws/b.cedarschema');
    assert.deepEqual(codes(project, 'p.cedar'), []);
    host.files.set('/ws/b.cedarschema', SCHEMA('S', 'age'));
    assert.match(codes(project, 'p.cedar')[0]!, /several Cedar schemas could apply/);
    host.files.delete('/ws/a.cedarschema');
    host.files.delete('/ws/b.cedarschema');
    assert.match(codes(project, 'p.cedar')[0]!, /no Cedar schema/);
    host.files.set('/ws/a.cedarschema', SCHEMA('S', 'age'));
    host.files.set('/ws/b.cedarschema', SCHEMA('S', 'age'));
    assert.match(codes(project, 'p.cedar')[0]!, /several Cedar schemas could apply/);
  });
});

describe('plain Cedar projects: reading a schema file', () => {
  it('places Cedar\'s byte offsets in UTF-16 columns after non-ASCII text (text form)', () => {
    const text = '// Ünïcödé 🦤\nentity A { "é": Strng };\n';
    const r = loadCedarSchema('/ws/s.cedarschema', text);
    assert.equal(r.schema, undefined);
    assert.equal(r.findings.length, 1);
    const span = r.findings[0]!.span;
    assert.equal(text.slice(span.start, span.end), 'Strng');
    assert.deepEqual(new LineIndex(text).range(span).start, { line: 1, character: 16 });
  });

  it('reads the JSON form: JSON syntax errors, Cedar errors on the name they quote, and a valid schema', () => {
    const bad = loadCedarSchema('/ws/cedarschema.json', '{ "": { "entityTypes": {}, "actions": {} }, }');
    assert.match(bad.findings[0]!.message, /^JSON: /);
    const text = '{ "": { "entityTypes": { "A": { "memberOfTypes": ["Grup"] } }, "actions": {} } }';
    const unresolved = loadCedarSchema('/ws/x.cedarschema.json', text);
    assert.equal(unresolved.findings.length, 1, JSON.stringify(unresolved.findings));
    const s = unresolved.findings[0]!.span;
    assert.equal(text.slice(s.start, s.end), '"Grup"');
    const good = loadCedarSchema('/ws/x.cedarschema.json', '{ "N": { "entityTypes": { "A": {} }, "actions": { "go": { "appliesTo": { "principalTypes": ["A"], "resourceTypes": ["A"] } } } } }');
    assert.deepEqual(good.findings, []);
    assert.ok(good.schema && good.resolved);
  });

  it('never throws on hostile input', () => {
    for (const t of ['', '\u0000', '{', 'namespace', '"'.repeat(10000), '{"__proto__": {"entityTypes": 1}}', '[]', 'null']) {
      for (const f of ['/ws/a.cedarschema', '/ws/a.cedarschema.json']) {
        const r = loadCedarSchema(f, t);
        assert.ok(Array.isArray(r.findings));
      }
    }
  });
});
