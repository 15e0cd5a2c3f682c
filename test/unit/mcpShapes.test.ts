import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Range } from '../../server/src/core/types';
import { Project } from '../../server/src/core/project';
import { tidySchemaText } from '../../server/src/core/cedar/schemaGen';
import { completeAt, hoverAt } from '../../server/src/core/cedar/assist';
import { completeManifestAt } from '../../server/src/core/manifest/assist';
import type { Manifest } from '../../server/src/core/manifest/model';
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

describe('several servers, one tool name: action_prefix', () => {
  const apply = (text: string, edits: { range: Range; newText: string }[]) => TextDocument.applyEdits(TextDocument.create('file:///x', 'yaml', 0, text), edits);
  /** The fix of each collision in `file`, applied to the manifest: the text it gives. */
  function fixCollisions(host: MemoryHost, project: Project, file: string, manifest: string): string[] {
    return project
      .check(file)
      .diagnostics.filter((d) => d.message.includes('has the action id'))
      .map((d) => {
        const fixes = (d.fixes ?? []).filter((f) => f.title.startsWith('Add action_prefix'));
        assert.equal(fixes.length, 1, d.message);
        assert.ok(fixes[0]!.edits.every((e) => e.file === manifest));
        return apply(host.readFile(manifest)!, fixes[0]!.edits);
      });
  }

  it('the collision names the first declaration, and its quick fix adds the prefix that resolves it', () => {
    const host = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-collision'));
    const project = new Project(host);
    const d = project.check('/ws/mcp/supabase.tools.json').diagnostics.find((x) => x.message.includes('create_branch'))!;
    assert.deepEqual(d.related?.map((r) => [r.file, r.range.start.line + 1, r.message]), [['/ws/mcp/github.tools.json', 4, 'tool `create_branch` of server `github`']]);
    assert.equal(d.fixes![0]!.title, 'Add action_prefix "supabase/" to server supabase');
    const fixed = fixCollisions(host, project, '/ws/mcp/supabase.tools.json', '/ws/dev.agents.yaml');
    assert.equal(fixed.length, 2);
    assert.match(fixed[0]!, /\n {2}supabase:\n {4}action_prefix: "supabase\/"\n {4}description:/);
    host.files.set('/ws/dev.agents.yaml', fixed[0]!);
    assert.deepEqual(project.check('/ws/mcp/supabase.tools.json').diagnostics, []);
    const model = project.manifest('/ws/dev.agents.yaml')!.model!;
    assert.match(model.text, /action "supabase\/create_branch" in \[Action::"call_tool"\]/);
    assert.match(model.text, /action "create_branch" in \[Action::"call_tool"\]/);
  });

  it('adds the prefix to a flow mapping and to a JSON manifest too, and to the first server when the second has one', () => {
    const lists = { 'mcp/github.tools.json': fs.readFileSync(path.join(FIXTURES, 'check', 'action-collision', 'mcp', 'github.tools.json'), 'utf8'), 'mcp/supabase.tools.json': fs.readFileSync(path.join(FIXTURES, 'check', 'action-collision', 'mcp', 'supabase.tools.json'), 'utf8') };
    const flow = 'version: 1\nagents: {a: {}}\nservers: { github: { tools: { $import: mcp/github.tools.json } }, supabase: { tools: { $import: mcp/supabase.tools.json } } }\n';
    let host = MemoryHost.of({ 'f.agents.yaml': flow, ...lists });
    assert.match(fixCollisions(host, new Project(host), '/ws/mcp/supabase.tools.json', '/ws/f.agents.yaml')[0]!, /supabase: \{ action_prefix: "supabase\/", tools:/);
    const json = JSON.stringify({ version: 1, agents: { a: {} }, servers: { github: { tools: { $import: 'mcp/github.tools.json' } }, supabase: { tools: { $import: 'mcp/supabase.tools.json' } } } }, null, 2);
    host = MemoryHost.of({ 'j.agents.json': json, ...lists });
    const fixedJson = fixCollisions(host, new Project(host), '/ws/mcp/supabase.tools.json', '/ws/j.agents.json')[0]!;
    assert.equal((JSON.parse(fixedJson) as { servers: { supabase: { action_prefix: string } } }).servers.supabase.action_prefix, 'supabase/');
    // The second server has a prefix already (which happens to collide): the first one gets the fix.
    const prefixed = 'version: 1\nagents: {a: {}}\nservers:\n  plain:\n    tools:\n      - name: x/create_branch\n  other:\n    action_prefix: "x/"\n    tools:\n      - name: create_branch\n';
    host = MemoryHost.of({ 'p.agents.yaml': prefixed, ...lists });
    const fixed = fixCollisions(host, new Project(host), '/ws/p.agents.yaml', '/ws/p.agents.yaml');
    assert.equal(fixed.length, 1);
    assert.match(fixed[0]!, /\n {2}plain:\n {4}action_prefix: "plain\/"\n {4}tools:/);
  });

  it('simulates a prefixed tool by its action id, with its own arguments, and suggests the action id for its MCP name', () => {
    const host = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-prefix'));
    const project = new Project(host);
    const manifest = '/ws/dev.agents.yaml';
    const supabase = project.simulate(manifest, { agent: 'dev-bot', tool: 'supabase/create_branch', args: { project_id: 'p', name: 'develop', confirm_cost_id: 'c' } });
    assert.deepEqual([supabase.decision, supabase.determining.map((p) => p.id)], ['allow', ['supabase-dev-branch']]);
    assert.equal(supabase.request!.action, 'Dev::Action::"supabase/create_branch"');
    assert.equal(supabase.request!.resource, 'Dev::McpServer::"supabase"');
    const github = project.simulate(manifest, { agent: 'dev-bot', tool: 'create_branch', args: { owner: 'o', repo: 'r', branch: 'feature-x' } });
    assert.deepEqual([github.decision, github.request!.resource], ['allow', 'Dev::McpServer::"github"']);
    assert.deepEqual(project.simulate(manifest, { agent: 'dev-bot', tool: 'list_projects' }).requestErrors, ['unknown tool `list_projects`; did you mean `supabase/list_projects`?']);
  });

  it('denies a call to an action id that two servers claim, as not evaluable', () => {
    const project = new Project(MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-collision')));
    const r = project.simulate('/ws/dev.agents.yaml', { agent: 'dev-bot', tool: 'create_branch', args: { owner: 'o', repo: 'r', branch: 'b' } });
    assert.deepEqual([r.decision, r.cannotEvaluate], ['deny', true]);
    assert.match(r.reason, /claimed by tools of several servers \(github, supabase\)/);
  });
});

describe('JSON Schema number: Cedar decimal, or Long with number_as_long', () => {
  const dir = path.join(FIXTURES, 'check', 'number-decimal');
  const apply = (text: string, edits: { range: Range; newText: string }[]) => TextDocument.applyEdits(TextDocument.create('file:///x', 'cedar', 0, text), edits);

  it('fixes a comparison with an integer by its decimal form, which then validates', () => {
    const host = MemoryHost.fromDir(dir);
    const project = new Project(host);
    const file = '/ws/p.cedar';
    const decimalFixes = () => project.check(file).diagnostics.flatMap((d) => (d.fixes ?? []).filter((f) => f.title.startsWith('Compare as decimals')));
    const fixes = decimalFixes();
    assert.deepEqual(
      fixes.map((f) => f.edits[0]!.newText),
      ['context.input.issue_number.lessThan(decimal("100.0"))', 'context.input.issue_number.lessThanOrEqual(decimal("10.0"))', 'context.input.issue_number != decimal("-2.0")', 'context.input.milestone == decimal("3.0")'],
    );
    // Each fix replaces exactly the comparison: `10 >= context.input.issue_number`, `context.input.issue_number != -2`…
    const text = host.readFile(file)!;
    const doc = TextDocument.create('file:///x', 'cedar', 0, text);
    assert.deepEqual(fixes.map((f) => doc.getText(f.edits[0]!.range)), ['context.input.issue_number < 100', '10 >= context.input.issue_number', 'context.input.issue_number != -2', 'context.input.milestone == 3']);
    let fixed = text;
    for (let f = decimalFixes()[0]; f; f = decimalFixes()[0]) {
      fixed = apply(fixed, f.edits);
      host.files.set(file, fixed);
    }
    assert.deepEqual(project.check(file).diagnostics.filter((d) => d.severity === 'error').map((d) => d.message), []);
  });

  it('maps the arguments number_as_long names to Long, and denies a value that is not an integer', () => {
    const project = new Project(MemoryHost.fromDir(dir));
    const manifest = '/ws/gh.agents.yaml';
    const text = project.manifest(manifest)!.model!.text;
    for (const line of ['page?: Long', 'perPage?: Long', 'pullNumber: Long', 'reviewers?: Set<Long>', 'issue_number: decimal', 'milestone?: decimal', 'level: Long', 'weight?: decimal']) assert.ok(text.includes(line), line);
    const call = (tool: string, args: unknown) => project.simulate(manifest, { agent: 'triager', tool, args: { owner: 'o', repo: 'r', ...(args as object) }, context: {} });
    assert.equal(call('list_issues', { page: 3 }).decision, 'allow');
    const half = call('list_issues', { page: 1.5 });
    assert.deepEqual([half.decision, half.requestErrors], ['deny', ['args.page: expected an integer within ±2^53 (the manifest maps this `number` argument to Long with `number_as_long`), got 1.5']]);
    assert.deepEqual(call('get_pull_request', { pullNumber: 2 ** 60 }).requestErrors, ['args.pullNumber: expected an integer within ±2^53 (the manifest maps this `number` argument to Long with `number_as_long`), got 1152921504606847000']);
    assert.deepEqual(call('get_pull_request', { pullNumber: 5, reviewers: [7, 8.5] }).requestErrors, ['args.reviewers[1]: expected an integer within ±2^53 (the manifest maps this `number` argument to Long with `number_as_long`), got 8.5']);
    assert.equal(project.simulate(manifest, { agent: 'triager', tool: 'set_priority', args: { level: 2, weight: 0.75 } }).decision, 'allow');
    assert.equal(project.simulate(manifest, { agent: 'triager', tool: 'set_priority', args: { level: 2.5 } }).decision, 'deny');
  });
});

describe('completion and hover: what Cedar sees of an argument', () => {
  const manifestOf = (fixture: string, file: string) => new Project(MemoryHost.fromDir(path.join(FIXTURES, 'check', fixture))).manifest(`/ws/${file}`)!.manifest!;
  const at = (text: string) => ({ text: text.replace('|', ''), offset: text.indexOf('|') });
  const complete = (m: Manifest, text: string) => {
    const c = at(text);
    return completeAt(c.text, c.offset, m).map((e) => `${e.label}: ${e.detail}`);
  };
  const hover = (m: Manifest, text: string) => {
    const c = at(text);
    return hoverAt(c.text, c.offset, m)?.markdown;
  };

  it('does not offer an argument that is not in the Cedar schema (a union), and hover says why it cannot be used', () => {
    const notion = manifestOf('unknown-formats', 'notion.agents.yaml');
    const head = 'permit (principal, action == Docs::Action::"API-post-search", resource) when { context.input.';
    assert.deepEqual(complete(notion, `${head}| };`).sort(), ['filter: String?', 'page_size: Long?', 'query: String?', 'start_cursor: String?']);
    assert.equal(
      hover(notion, `${head}s|ort == "x" };`),
      '`context.input.sort`: not in the Cedar schema — tool `API-post-search`: a union (anyOf/oneOf/allOf) has no Cedar type. Calls are still checked against its JSON Schema before Cedar sees them, but no policy can read it.',
    );
  });

  it('types nullable arguments, number_as_long and decimals as the Cedar schema does, with the enum of a nullable', () => {
    const web = manifestOf('nullable-shapes', 'web.agents.yaml');
    // Required in the JSON Schema, but null clears it: optional in Cedar, and offered as such.
    const issue = 'permit (principal, action == Web::Action::"update_issue_type", resource) when { context.input.';
    assert.deepEqual(complete(web, `${issue}| };`).sort(), ['issue_number: Long', 'issue_type: String?', 'owner: String', 'repo: String']);
    const media = 'permit (principal, action == Web::Action::"browser_emulate_media", resource) when { context.input.';
    assert.deepEqual(complete(web, `${media}| };`).sort(), ['colorScheme: String?', 'media: String?', 'reducedMotion: String?']);
    assert.deepEqual(complete(web, `${media}media == "|" };`), ['screen: context.input.media · browser_emulate_media', 'print: context.input.media · browser_emulate_media']);
    assert.match(hover(web, `${media}med|ia == "x" };`)!, /^`context\.input\.media`: `String`, optional: guard it with `has`\n\nMedia type to emulate, or null to stop emulating\n\nOne of: `"screen"`, `"print"`/);
    const gh = manifestOf('number-decimal', 'gh.agents.yaml');
    const both = 'permit (principal, action in [Gh::Action::"list_issues", Gh::Action::"update_issue"], resource) when { context.input.';
    const items = complete(gh, `${both}| };`);
    for (const e of ['page: Long? · only list_issues', 'issue_number: decimal · only update_issue', 'milestone: decimal? · only update_issue']) assert.ok(items.includes(e), `${e} in ${items.join(', ')}`);
  });

  it('offers an argument left out for one tool in scope only for the others, and hover names both', () => {
    const shop = new Project(MemoryHost.fromDir(path.join(FIXTURES, 'rules', 'argument-not-in-cedar'))).manifest('/ws/shop.agents.yaml')!.manifest!;
    const head = 'forbid (principal, action in [Shop::Action::"refund", Shop::Action::"purge"], resource) when { context.input.';
    assert.ok(complete(shop, `${head}| };`).includes('target: String? · only purge'));
    const h = hover(shop, `${head}tar|get == "x" };`)!;
    assert.match(h, /^`context\.input\.target`: `String`, optional/);
    assert.match(h, /Not in the Cedar schema of tool `refund`: a union \(anyOf\/oneOf\/allOf\) has no Cedar type: policies cannot read it there\./);
  });
});

describe('checking one folder of a repository', () => {
  /** Two manifest folders of one workspace; the host records every file read. */
  function twoFolders() {
    const a = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-prefix'), '/ws/dev');
    const b = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'unknown-formats'), '/ws/docs');
    const files = new Map([...a.files, ...b.files]);
    const reads = new Set<string>();
    const host = new (class extends MemoryHost {
      override readFile(p: string) {
        reads.add(p);
        return super.readFile(p);
      }
    })('/ws', files);
    return { host, reads };
  }

  it('loads only the manifests that cover the files checked: another folder\'s imports are never read', () => {
    const { host, reads } = twoFolders();
    const project = new Project(host);
    const dev = host.listFiles().filter((f) => f.startsWith('/ws/dev/'));
    const report = dev.flatMap((f) => project.check(f).diagnostics);
    assert.ok(report.length > 0 && report.every((d) => d.file.startsWith('/ws/dev/')));
    assert.ok(reads.has('/ws/docs/notion.agents.yaml'), 'its outline is read: its globs could cover a file of dev/');
    assert.ok(!reads.has('/ws/docs/mcp/notion.tools.json'), 'the other folder\'s manifest was loaded');
    // The same diagnostics as when the other folder is not there at all.
    const alone = MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-prefix'), '/ws/dev');
    const aloneProject = new Project(new MemoryHost('/ws', alone.files));
    assert.deepEqual(report, dev.flatMap((f) => aloneProject.check(f).diagnostics));
  });

  it('still finds a manifest above the folder, and the importers of a tool list, by their outlines', () => {
    const { host } = twoFolders();
    host.files.set('/ws/all.agents.yaml', 'version: 1\nnamespace: All\npolicies: ["loose/*.cedar"]\nagents: {a: {}}\n');
    host.files.set('/ws/loose/x.cedar', '@id("x")\npermit (principal == All::Agent::"a", action, resource);\n');
    const project = new Project(host);
    assert.equal(project.coveringManifest('/ws/loose/x.cedar')?.file, '/ws/all.agents.yaml');
    assert.equal(project.coveringManifest('/ws/docs/p.cedar')?.file, '/ws/docs/notion.agents.yaml');
    assert.deepEqual(project.importersOf('/ws/docs/mcp/notion.tools.json').map((m) => m.file), ['/ws/docs/notion.agents.yaml']);
    // A manifest that does not load still claims the default globs.
    host.files.set('/ws/docs/notion.agents.yaml', 'version: 1\nagents: [\n');
    assert.equal(project.coveringManifest('/ws/docs/p.cedar')?.file, '/ws/docs/notion.agents.yaml');
  });
});

describe('completion below the first level, and in manifests', () => {
  it('follows a nested object: offers what Cedar has of it, not the union inside it', () => {
    const m = new Project(MemoryHost.fromDir(path.join(FIXTURES, 'check', 'not-in-cedar'))).manifest('/ws/m.agents.yaml')!.manifest!;
    const text = 'permit (principal, action == N::Action::"t", resource) when { context.input.nested. };';
    assert.deepEqual(completeAt(text, text.indexOf('nested.') + 7, m).map((e) => `${e.label}: ${e.detail}`), ['ok: Bool?']);
    const deep = 'permit (principal, action == N::Action::"t", resource) when { context.input.nested.deep == "x" };';
    assert.match(hoverAt(deep, deep.indexOf('deep') + 1, m)!.markdown, /^`context\.input\.nested\.deep`: not in the Cedar schema — tool `t`: a union/);
  });

  it('offers the action ids of prefixed tools for a scenario\'s tool', () => {
    const m = new Project(MemoryHost.fromDir(path.join(FIXTURES, 'check', 'action-prefix'))).manifest('/ws/dev.agents.yaml')!.manifest!;
    const text = 'scenarios:\n  - name: x\n    agent: dev-bot\n    tool: sup';
    assert.deepEqual(completeManifestAt(text, text.length, m).map((e) => e.label).sort(), ['create_branch', 'list_branches', 'supabase/create_branch', 'supabase/list_branches', 'supabase/list_projects']);
  });
});

describe('number_as_long on tools written in the manifest', () => {
  it('applies to a tool listed under its server, and its did-you-mean fix keeps the quoting', () => {
    const yaml = 'version: 1\nagents: {a: {}}\nservers:\n  calc:\n    tools:\n      - name: add\n        number_as_long: ["left", "rght"]\n        inputSchema: { type: object, properties: { left: { type: number }, right: { type: number } } }\n';
    const project = new Project(MemoryHost.of({ 'c.agents.yaml': yaml }));
    assert.match(project.manifest('/ws/c.agents.yaml')!.model!.text, /left\?: Long,\s+right\?: decimal/);
    const d = project.check('/ws/c.agents.yaml').diagnostics.find((x) => x.code === 'unknown-reference')!;
    assert.equal(d.message, 'unknown argument `rght` of tool `add`; did you mean `right`?');
    assert.equal(d.fixes![0]!.edits[0]!.newText, '"right"');
    // An imported tool list is the server's: `number_as_long` there is not read.
    const json = JSON.stringify({ tools: [{ name: 'add', number_as_long: true, inputSchema: { type: 'object', properties: { left: { type: 'number' } } } }] });
    const imported = new Project(MemoryHost.of({ 'i.agents.yaml': 'version: 1\nagents: {a: {}}\nservers:\n  calc:\n    tools: { $import: calc.tools.json }\n', 'calc.tools.json': json }));
    assert.match(imported.manifest('/ws/i.agents.yaml')!.model!.text, /left\?: decimal/);
  });
});
