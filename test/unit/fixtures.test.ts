import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { FIXTURES, MemoryHost } from '../helpers/memoryHost';
import { compareLines, diagnosticLine } from '../helpers/format';

/**
 * Data-driven checks: every folder under test/fixtures/check is a small workspace with an `expected.txt`
 * listing every diagnostic the workspace must produce (and nothing else). See test/fixtures/README.md.
 */
const root = path.join(FIXTURES, 'check');
describe('fixtures: check', () => {
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    it(name, () => {
      const host = MemoryHost.fromDir(dir);
      const project = new Project(host);
      const actual = host.listFiles().flatMap((f) => project.check(f, { lint: false }).diagnostics.map((d) => diagnosticLine(d, host.root)));
      const expectedFile = path.join(dir, 'expected.txt');
      const expected = fs.existsSync(expectedFile)
        ? fs.readFileSync(expectedFile, 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'))
        : [];
      const problems = compareLines(actual, expected);
      assert.deepEqual(problems, [], `\n${problems.join('\n')}\n\nactual:\n${actual.join('\n')}`);
    });
  }
});

/**
 * Plain Cedar projects (no agent manifest), lint on: every folder under test/fixtures/plain is a workspace whose
 * `expected.txt` lists every diagnostic, so that agent advice (wildcard-principal, wildcard-action, role-only-grant…)
 * showing up in a plain project fails the test.
 */
const plainRoot = path.join(FIXTURES, 'plain');
describe('fixtures: plain Cedar projects (lint on)', () => {
  for (const name of fs.readdirSync(plainRoot).sort()) {
    const dir = path.join(plainRoot, name);
    if (!fs.statSync(dir).isDirectory()) continue;
    it(name, () => {
      const host = MemoryHost.fromDir(dir);
      const project = new Project(host);
      const actual = host.listFiles().flatMap((f) => project.check(f).diagnostics.map((d) => diagnosticLine(d, host.root)));
      const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
      const problems = compareLines(actual, expected);
      assert.deepEqual(problems, [], `\n${problems.join('\n')}\n\nactual:\n${actual.join('\n')}`);
    });
  }
});
