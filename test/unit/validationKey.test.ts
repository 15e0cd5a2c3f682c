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
 * Diagnostics without Cedar's suggestion for an unknown action: among actions equally far from the name it picks one
 * arbitrarily (two fresh validations of the same text can name different ones), whatever was cached.
 */
function comparable(ds: CoreDiagnostic[]): unknown[] {
  return ds.map((d) => (d.message.startsWith('unrecognized action') ? { ...d, message: d.message.replace(/\nhelp: did you mean [^\n]*/, ''), fixes: d.fixes?.filter((f) => !f.title.startsWith('Change to')) } : d));
}

function countPolicies(text: string): number {
  return (text.match(/^\s*(permit|forbid)\s*\(/gm) ?? []).length;
}
