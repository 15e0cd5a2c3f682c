import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Project } from '../../server/src/core/project';
import { RULES } from '../../server/src/core/rules';
import { FIXTURES, MemoryHost, REPO } from '../helpers/memoryHost';
import { compareLines, diagnosticLine } from '../helpers/format';

const rulesDir = path.join(FIXTURES, 'rules');
const dirs = () => fs.readdirSync(rulesDir).filter((d) => fs.statSync(path.join(rulesDir, d)).isDirectory()).sort();

describe('rules: one rule, one file, one docs page, one fixture folder', () => {
  it('the rule catalog, the docs pages and the fixture folders are the same set', () => {
    const ids = RULES.map((r) => r.id).sort();
    const pages = fs
      .readdirSync(path.join(REPO, 'docs', 'rules'))
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual(dirs(), ids, 'test/fixtures/rules/<id>/ folders');
    assert.deepEqual(pages, ids, 'docs/rules/<id>.md pages');
    for (const r of RULES) assert.ok(fs.existsSync(path.join(REPO, 'server', 'src', 'core', 'rules', `${r.id}.ts`)), `server/src/core/rules/${r.id}.ts`);
  });
});

/** Each fixture folder is a workspace; `expected.txt` lists every diagnostic it must produce, lint included. */
describe('fixtures: rules', () => {
  for (const name of fs.existsSync(rulesDir) ? dirs() : []) {
    it(name, () => {
      const dir = path.join(rulesDir, name);
      const host = MemoryHost.fromDir(dir);
      const project = new Project(host);
      const actual = host.listFiles().flatMap((f) => project.check(f).diagnostics.map((d) => diagnosticLine(d, host.root)));
      const expected = fs.readFileSync(path.join(dir, 'expected.txt'), 'utf8').split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('#'));
      assert.ok(actual.some((l) => l.includes(` ${name} |`)), `the fixture of ${name} must contain at least one ${name} finding`);
      const problems = compareLines(actual, expected);
      assert.deepEqual(problems, [], `\n${problems.join('\n')}\n\nactual:\n${actual.join('\n')}`);
    });
  }
});
