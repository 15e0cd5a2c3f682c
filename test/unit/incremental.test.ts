import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { Prng } from '../fuzz/prng';

/**
 * The checker moves the previous version's tokens into the new one instead of copying them (see resplit's `inPlace`).
 * Whatever order checks run, finish or are abandoned in, and whatever the edits (undo included), a file's diagnostics
 * must be those a fresh project gives for the same text.
 */
describe('incremental checks of an edited policy file', function () {
  this.timeout(120000);

  it('equal a fresh check after edits whose checks were abandoned midway, and after undoing them', () => {
    const rng = new Prng(77);
    const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
    const file = '/ws/policies/support.cedar';
    const original = host.files.get(file)!;
    // A longer file, so that a check takes several steps and edits land before and after the policies that break.
    const big = Array.from({ length: 40 }, (_, i) => original.replace(/@id\("([^"]+)"\)/g, `@id("$1-${i}")`)).join('\n');
    host.files.set(file, big);
    const project = new Project(host);
    project.check(file);
    const versions: string[] = [big];
    let text = big;
    for (let i = 0; i < 60; i++) {
      const kind = rng.int(4);
      if (kind === 0 && versions.length > 1) {
        // Undo: back to an earlier text, exactly.
        text = versions[rng.int(versions.length)]!;
      } else {
        const at = rng.int(text.length);
        const insert = rng.pick([' ', '\n', '// c\n', ';', '"', 'permit', 'ü', '@id("x") ']);
        text = kind === 1 ? text.slice(0, at) + text.slice(Math.min(text.length, at + rng.int(30))) : text.slice(0, at) + insert + text.slice(at);
        versions.push(text);
      }
      host.files.set(file, text);
      const steps = project.checkSteps(file);
      if (rng.chance(0.5)) {
        // Abandoned, as the server does when the next keystroke arrives: before or just after its split was made.
        const bases = (project as unknown as { bases: Map<string, { text: string }> }).bases;
        const afterSplit = rng.chance(0.7);
        for (let k = 0; k < 1000; k++) {
          if (afterSplit && bases.get(file)?.text === text) break;
          if (!afterSplit && k >= rng.int(3)) break;
          if (steps.next().done) break;
        }
        continue;
      }
      let r = steps.next();
      while (!r.done) r = steps.next();
      const fresh = new Project(host).check(file).diagnostics;
      assert.deepEqual(r.value.diagnostics, fresh, `edit ${i}: the incremental check differs from a fresh one`);
    }
    // Whatever was abandoned last, the next check is exact too.
    assert.deepEqual(project.check(file).diagnostics, new Project(host).check(file).diagnostics);
  });

  it('equal a fresh check when an edit is undone after its check was abandoned right after the split', () => {
    for (const name of ['ops.cedar', 'support.cedar', 'refunds.cedar', 'guardrails.cedar']) {
      const host = MemoryHost.fromDir(path.join(REPO, 'examples'));
      const file = `/ws/policies/${name}`;
      const a = host.files.get(file)!;
      const project = new Project(host);
      project.check(file);
      // B moves every token (an insertion at the top); its check stops as soon as its split is made.
      const b = `// a comment that moves everything\n${a}`;
      host.files.set(file, b);
      const steps = project.checkSteps(file);
      const bases = (project as unknown as { bases: Map<string, { text: string }> }).bases;
      for (let k = 0; k < 1000 && bases.get(file)?.text !== b; k++) if (steps.next().done) break;
      assert.equal(bases.get(file)?.text, b, `${name}: the split of B was made`);
      // C: another edit, further down. Its split must start from B (the last split), not from A's analysis.
      const at = Math.floor(b.length * 0.7);
      const c = `${b.slice(0, at)}\n// another comment\n${b.slice(at)}`;
      host.files.set(file, c);
      assert.deepEqual(project.check(file, { lint: true }).diagnostics, new Project(host).check(file, { lint: true }).diagnostics, `${name}: after B was abandoned, C`);
      // Undo: back to A.
      host.files.set(file, a);
      assert.deepEqual(project.check(file).diagnostics, new Project(host).check(file).diagnostics, `${name}: after the undo`);
      assert.deepEqual(project.check(file, { lint: true }).diagnostics, new Project(host).check(file, { lint: true }).diagnostics, `${name}: with lint`);
    }
  });

  it('a manifest edit that shrinks what it covers rechecks the files it no longer covers', () => {
    const manifest = (globs: string) => `version: 1\nnamespace: Shop\npolicies: ${globs}\nagents:\n  bot: {}\ntools:\n  - name: t\n    inputSchema: { type: object }\n`;
    const host = MemoryHost.of({ 'shop.agents.yaml': manifest('["**/*.cedar"]'), 'a/x.cedar': 'permit (principal, action == Shop::Action::"t", resource);\n', 'b/y.cedar': 'permit (principal, action == Shop::Action::"t", resource);\n' });
    const project = new Project(host);
    for (const f of ['/ws/a/x.cedar', '/ws/b/y.cedar']) project.check(f);
    assert.equal(project.coveringManifest('/ws/b/y.cedar')?.file, '/ws/shop.agents.yaml');
    host.files.set('/ws/shop.agents.yaml', manifest('["a/*.cedar"]'));
    const deps = project.dependentsOf('/ws/shop.agents.yaml');
    assert.ok(deps.includes('/ws/b/y.cedar'), `b/y.cedar, no longer covered, is rechecked: ${deps.join(', ')}`);
    assert.ok(deps.includes('/ws/a/x.cedar'));
    assert.deepEqual(project.check('/ws/b/y.cedar').diagnostics, new Project(host).check('/ws/b/y.cedar').diagnostics);
  });
});

