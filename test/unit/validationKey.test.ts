import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import type { CoreDiagnostic } from '../../server/src/core/types';

/**
 * A manifest edit revalidates only the policies whose part of the schema changed (validationKey). The proof: after each
 * edit, the project that kept its caches reports exactly what a fresh project reports, for every policy file.
 */
const MANIFEST = '/ws/acme.agents.yaml';

/** Manifest edits that change the schema in different places: one tool, the session, the agents, the action list. */
const EDITS: { name: string; edit: (t: string) => string }[] = [
  { name: 'a tool gains an argument', edit: (t) => t.replace('since_minutes: { type: integer, minimum: 1, maximum: 1440 }', 'since_minutes: { type: integer, minimum: 1, maximum: 1440 }\n            level: { type: string }') },
  { name: "a tool's argument changes type", edit: (t) => t.replace('amount: { type: integer, minimum: 0 }', 'amount: { type: string }') },
  { name: 'a required argument becomes optional', edit: (t) => t.replace('required: [order_id, amount]', 'required: [order_id]') },
  { name: 'a tool is removed', edit: (t) => t.replace(/      - name: restart_service[\s\S]*?required: \[service, environment\]\n/, '') },
  { name: 'a tool is renamed', edit: (t) => t.replace('- name: read_logs', '- name: read_log') },
  { name: 'the session context changes', edit: (t) => t.replace('    approved_by: { type: string }\n', '') },
  { name: 'an agent attribute changes type', edit: (t) => t.replace('team: { type: string }', 'team: { type: integer }').replace(/team: (support|billing|sre) \}/g, 'team: 1 }') },
  { name: 'a role is removed', edit: (t) => t.replace('roles: [support, billing, ops]', 'roles: [support, billing]') },
];

describe('validation is cached per policy under the part of the schema it depends on', () => {
  it('after each manifest edit, the diagnostics of every policy file equal those of a fresh check', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const original = host.files.get(MANIFEST)!;
    const kept = new Project(host);
    const policyFiles = host.listFiles().filter((f) => f.endsWith('.cedar'));
    for (const f of host.listFiles()) kept.check(f);
    let changed = 0;
    for (const { name, edit } of [...EDITS, { name: 'back to the original', edit: () => original }]) {
      const text = edit(host.files.get(MANIFEST)!);
      assert.notEqual(text, host.files.get(MANIFEST), `${name}: the edit applies`);
      host.files.set(MANIFEST, text);
      const fresh = new Project(host);
      for (const f of policyFiles) {
        const a = comparable(kept.check(f).diagnostics);
        const b = comparable(fresh.check(f).diagnostics);
        assert.deepEqual(a, b, `${name}: ${path.posix.basename(f)}`);
      }
      const before = kept.cache.validations;
      for (const f of policyFiles) kept.check(f);
      assert.equal(kept.cache.validations, before, `${name}: a second check validates nothing again`);
      changed++;
    }
    assert.equal(changed, EDITS.length + 1);
  });

  it('a tool gaining an argument revalidates the policies that can match it, not the others', () => {
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const project = new Project(host);
    const policyFiles = host.listFiles().filter((f) => f.endsWith('.cedar'));
    for (const f of host.listFiles()) project.check(f);
    const total = policyFiles.reduce((n, f) => n + project.check(f).diagnostics.length * 0 + countPolicies(host.files.get(f)!), 0);
    const before = project.cache.validations;
    host.files.set(MANIFEST, EDITS[0]!.edit(host.files.get(MANIFEST)!));
    for (const f of policyFiles) project.check(f);
    const revalidated = project.cache.validations - before;
    assert.ok(revalidated > 0, 'the policies that can match read_logs are revalidated');
    assert.ok(revalidated < total, `${revalidated} of ${total} policies revalidated`);
  });
});

/**
 * Policies that read the context in every way the key distinguishes, most with an unconstrained action scope (validated
 * against every tool): paths, `has`, a misspelt attribute (Cedar's "did you mean" lists the record's attributes), a bare
 * `context`, a group scope, and one tool's own. The tools differ, so some policies fail for some tools and not others.
 */
const CTX_MANIFEST = `version: 1
namespace: K
policies: [policies/*.cedar]
context:
  type: object
  properties:
    risk: { type: integer }
    purpose: { type: string }
  required: [risk]
roles: [r]
agents:
  bot: { roles: [r] }
servers:
  s:
    tools:
      - name: send
        inputSchema:
          type: object
          properties:
            priority: { type: integer }
            to: { type: string }
            channel: { type: string }
            opts: { type: object, properties: { level: { type: integer } } }
          required: [priority, to]
      - name: read
        inputSchema:
          type: object
          properties:
            priority: { type: integer }
            path: { type: string }
          required: [priority, path]
      - name: ping
        inputSchema: { type: object, properties: { host: { type: string } } }
`;
const CTX_POLICIES = `@id("every-priority")
forbid (principal, action, resource) when { context.input.priority > 7 };

@id("every-guarded")
forbid (principal, action, resource) when { context.input has channel && context.input.channel == "sms" };

@id("every-misspelt")
forbid (principal, action, resource) when { context.input.priorty > 3 };

@id("every-session")
forbid (principal, action, resource) when { context.session.risk > 90 };

@id("every-session-has")
forbid (principal, action, resource) when { context.session has purpose && context.session.purpose == "x" };

@id("bare-context")
forbid (principal, action, resource) when { context has input };

@id("group-scope")
forbid (principal, action in K::Action::"call_tool", resource) when { context.input.to == "x" };

@id("send-only")
permit (principal, action == K::Action::"send", resource) when { context.input.priority < 5 };

@id("send-nested")
forbid (principal, action == K::Action::"send", resource) when { context.input.opts.level > 2 };

@id("no-context")
forbid (principal in K::Role::"r", action, resource) when { principal.team == "x" };
`;
const CTX_EDITS: { name: string; edit: (t: string) => string; revalidates?: number | 'some' }[] = [
  // Two depend on the whole `input` record: the misspelt read (its "did you mean") and `context has input`.
  { name: 'a tool gains an argument no policy reads', edit: (t) => t.replace('channel: { type: string }', 'channel: { type: string }\n            unread: { type: string }'), revalidates: 2 },
  // \`input.to\` is not on ping: Cedar's "did you mean" for it names the closest argument ping has, now this one.
  { name: 'a tool lacking a read argument gains a close one', edit: (t) => t.replace('properties: { host: { type: string } }', 'properties: { host: { type: string }, tx: { type: string } }'), revalidates: 'some' },
  { name: 'the argument a policy misspells appears on one tool', edit: (t) => t.replace('path: { type: string }', 'path: { type: string }\n            priorty: { type: integer }'), revalidates: 'some' },
  { name: 'a read argument changes type on one tool', edit: (t) => t.replace('priority: { type: integer }\n            path', 'priority: { type: string }\n            path'), revalidates: 'some' },
  // The session is a common type of the schema, part of every key: every policy is revalidated (no finer yet).
  { name: 'the session gains an attribute no policy reads', edit: (t) => t.replace('purpose: { type: string }', 'purpose: { type: string }\n    note: { type: string }') },
  { name: 'a record argument read through becomes required', edit: (t) => t.replace('required: [priority, to]', 'required: [priority, to, opts]'), revalidates: 'some' },
  { name: 'a read argument becomes optional', edit: (t) => t.replace('required: [priority, to, opts]', 'required: [to, opts]') },
  { name: 'a read argument disappears from a tool', edit: (t) => t.replace('            channel: { type: string }\n', '') },
  { name: 'a tool gains the argument others read', edit: (t) => t.replace('properties: { host: { type: string }', 'properties: { host: { type: string }, priority: { type: integer }, to: { type: string }') },
  { name: 'the session gains an attribute', edit: (t) => t.replace('purpose: { type: string }', 'purpose: { type: string }\n    ticket: { type: string }') },
  { name: 'the session attribute read changes type', edit: (t) => t.replace('risk: { type: integer }', 'risk: { type: string }') },
  { name: 'a tool is added', edit: (t) => `${t}      - name: extra\n        inputSchema: { type: object, properties: { priority: { type: string } } }\n` },
  { name: 'a tool is removed', edit: (t) => t.replace(/      - name: ping\n        inputSchema: [^\n]*\n/, '') },
];

describe('the validation key reads only the part of the context a policy reads', () => {
  it('after each manifest edit, every policy reports what a fresh check reports, and unread changes revalidate none', () => {
    const M = '/ws/k.agents.yaml';
    const P = '/ws/policies/k.cedar';
    const host = MemoryHost.of({ 'k.agents.yaml': CTX_MANIFEST, 'policies/k.cedar': CTX_POLICIES });
    const kept = new Project(host);
    kept.check(M);
    const first = kept.check(P).diagnostics;
    // The fixture means something: some policies fail validation for some tools before any edit.
    assert.ok(first.some((d) => /priorty/.test(d.message)), 'the misspelt attribute is reported');
    for (const { name, edit, revalidates } of [...CTX_EDITS, { name: 'back to the original', edit: () => CTX_MANIFEST }]) {
      const text = edit(host.files.get(M)!);
      assert.notEqual(text, host.files.get(M), `${name}: the edit applies`);
      host.files.set(M, text);
      const before = kept.cache.validations;
      kept.check(M);
      const a = comparable(kept.check(P).diagnostics);
      const revalidated = kept.cache.validations - before;
      const b = comparable(new Project(host).check(P).diagnostics);
      assert.deepEqual(a, b, name);
      if (typeof revalidates === 'number') assert.equal(revalidated, revalidates, `${name}: only the policies that read the changed part are revalidated`);
      if (revalidates === 'some') assert.ok(revalidated > 0, `${name}: the policies reading it are revalidated`);
    }
  });
});

/**
 * Diagnostics without Cedar's suggestion for an unknown action: among actions equally far from the name it picks one
 * arbitrarily (two fresh validations of the same text can name different ones), whatever was cached.
 */
function comparable(ds: CoreDiagnostic[]): unknown[] {
  return ds.map((d) => (d.message.startsWith('unrecognized action') ? { ...d, message: d.message.replace(/\nhelp: did you mean [^\n]*/, ''), fixes: d.fixes?.filter((f) => !f.title.startsWith('Change to')) } : d));
}

function countPolicies(text: string): number {
  return (text.match(/^\s*(permit|forbid)\s*\(/gm) ?? []).length;
}
