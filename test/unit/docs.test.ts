import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PolicyCache } from '../../server/src/core/cedar/policyCheck';
import { parseConfigFile } from '../../server/src/core/configFile';
import { Project } from '../../server/src/core/project';
import { RULES, type RuleMeta } from '../../server/src/core/rules';
import type { CoreDiagnostic } from '../../server/src/core/types';
import { MemoryHost } from '../helpers/memoryHost';

/**
 * The rule pages under docs/rules/ are part of the product (every diagnostic links to one). This test keeps
 * them honest: one page per rule id, the same sections in the same order, the metadata (level, category,
 * options) as the rule files say, and examples that do what the page says — each `## Avoid` block produces
 * the page's rule, each `## Prefer` block does not (and raises no warning or error at all).
 *
 * A ```cedar block is checked as `docs.cedar` beside the shared manifest test/fixtures/docs/agents.agents.yaml.
 * A ```yaml block that starts a manifest (`version: 1`) is checked as the manifest itself, with a trivial
 * policy file at POLICY_FILE (so that policy-not-covered can be shown with a `policies` glob that misses it).
 * A ```cedarschema block is checked as the schema of a plain Cedar project: `plain/policies.cedarschema`, beside a
 * trivial `plain/policies.cedar`, with no manifest.
 */
const REPO = path.resolve(__dirname, '..', '..', '..');
const DOCS = path.join(REPO, 'docs', 'rules');
const MANIFEST = fs.readFileSync(path.join(REPO, 'test', 'fixtures', 'docs', 'agents.agents.yaml'), 'utf8');
const POLICY_FILE = 'policies/billing/refunds.cedar';
const SECTIONS = ['Why it matters for agents', 'Avoid', 'Prefer', 'How to fix', 'Configuration', 'Known gaps'];
const TABLE_HEADER = ['Default level', 'Category', 'Quick fix', 'Options'];

interface Block {
  lang: string;
  code: string;
  /** 1-based line of the opening fence, for messages. */
  line: number;
}

interface Page {
  title: string;
  /** Lines between the title and the first `##` section. */
  intro: string[];
  sections: { name: string; lines: string[]; blocks: Block[] }[];
}

/** Splits a page into its title, intro and `##` sections (headings inside code fences do not count). */
function parsePage(text: string): Page {
  const lines = text.split(/\r?\n/);
  const page: Page = { title: '', intro: [], sections: [] };
  let fence: Block | undefined;
  let body: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const current = page.sections[page.sections.length - 1];
    if (fence) {
      if (/^```\s*$/.test(line)) {
        fence.code = body.join('\n') + '\n';
        current?.blocks.push(fence);
        fence = undefined;
      } else body.push(line);
      current?.lines.push(line);
      continue;
    }
    const open = /^```([\w-]*)\s*$/.exec(line);
    if (open) {
      fence = { lang: open[1]!, code: '', line: i + 1 };
      body = [];
      current?.lines.push(line);
      continue;
    }
    if (line.startsWith('# ') && !page.title && page.sections.length === 0) page.title = line.slice(2).trim();
    else if (line.startsWith('## ')) page.sections.push({ name: line.slice(3).trim(), lines: [], blocks: [] });
    else if (current) current.lines.push(line);
    else page.intro.push(line);
  }
  assert.equal(fence, undefined, 'a code fence is not closed');
  return page;
}

function readPage(id: string): Page {
  const file = path.join(DOCS, `${id}.md`);
  assert.ok(fs.existsSync(file), `docs/rules/${id}.md is missing`);
  return parsePage(fs.readFileSync(file, 'utf8'));
}

function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());
}

const cache = new PolicyCache();

function isManifestBlock(b: Block): boolean {
  return b.lang === 'yaml' && /^version:/m.test(b.code);
}

/** Every diagnostic the workspace made of one example block produces, in every file. */
function diagnosticsOf(b: Block): CoreDiagnostic[] {
  const files: Record<string, string> = isManifestBlock(b)
    ? { 'docs.agents.yaml': b.code, [POLICY_FILE]: '// A trivial policy file, so that the manifest has something to cover.\n' }
    : b.lang === 'cedarschema'
      ? { 'plain/policies.cedarschema': b.code, 'plain/policies.cedar': '// A plain Cedar project: no manifest.\n' }
      : { 'agents.agents.yaml': MANIFEST, 'docs.cedar': b.code };
  const host = MemoryHost.of(files);
  const project = new Project(host, cache);
  return host.listFiles().flatMap((f) => project.check(f).diagnostics);
}

function show(ds: CoreDiagnostic[]): string {
  return ds.map((d) => `  ${path.posix.basename(d.file)} ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code}: ${d.message.split('\n')[0]}`).join('\n') || '  (none)';
}

/** The blocks of a section that are examples: Cedar policies or whole manifests. */
function examples(page: Page, section: string): Block[] {
  return (page.sections.find((s) => s.name === section)?.blocks ?? []).filter((b) => b.lang === 'cedar' || b.lang === 'cedarschema' || isManifestBlock(b));
}

describe('docs/rules', () => {
  it('has one page per rule id, and no other page', () => {
    const pages = fs
      .readdirSync(DOCS)
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .map((f) => f.slice(0, -3))
      .sort();
    assert.deepEqual(pages, RULES.map((r) => r.id).sort());
  });

  it('README.md indexes every rule in catalog order, with the level, category and description of its metadata', () => {
    const text = fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8');
    const rows = text
      .split(/\r?\n/)
      .filter((l) => /^\|\s*\[`[a-z-]+`\]\([a-z-]+\.md\)/.test(l))
      .map(cells);
    assert.deepEqual(
      rows.map((r) => r[0]),
      RULES.map((r) => `[\`${r.id}\`](${r.id}.md)`),
    );
    RULES.forEach((r, i) => {
      assert.deepEqual(rows[i]!.slice(1), [`\`${r.defaultLevel}\``, r.category, r.description], `README row of ${r.id}`);
    });
    assert.match(text, /agent-policy-ignore/);
    assert.match(text, /\.agent-policy\.yaml/);
  });

  for (const meta of RULES) describeRule(meta);
});

function describeRule(meta: RuleMeta) {
  const id = meta.id;
  describe(id, () => {
    it('has the title, the metadata table and the sections in order', () => {
      const page = readPage(id);
      assert.equal(page.title, id);
      const intro = page.intro.filter((l) => l.trim());
      assert.ok(intro.length >= 3 && !intro[0]!.startsWith('|'), 'a one-line summary follows the title, then the table');
      const table = intro.filter((l) => l.startsWith('|'));
      assert.equal(table.length, 3, 'the table has a header, a separator and one row');
      assert.deepEqual(cells(table[0]!), TABLE_HEADER);
      const [level, category, quickFix, options] = cells(table[2]!);
      assert.equal(level, `\`${meta.defaultLevel}\``, 'the default level is the one in the rule metadata');
      assert.equal(category, meta.category, 'the category is the one in the rule metadata');
      assert.match(quickFix!, /^(yes|no)\b/);
      const names = Object.entries(meta.options ?? {});
      if (names.length === 0) assert.equal(options, 'none');
      for (const [name, spec] of names) assert.ok(options!.includes(`\`${name}\``) && options!.includes(`\`${String(spec.default)}\``), `options cell names ${name} and its default ${String(spec.default)}`);
      assert.deepEqual(
        page.sections.map((s) => s.name),
        SECTIONS,
      );
    });

    it('says whether it applies without a manifest, as its metadata does', () => {
      const line = readPage(id).intro.find((l) => l.startsWith('Without an agent manifest (a plain Cedar project): '));
      assert.ok(line, 'a line "Without an agent manifest (a plain Cedar project): **applies** — …" (or **does not apply**) after the table');
      assert.match(line, meta.scope === 'any' ? /: \*\*applies\*\* — \S/ : /: \*\*does not apply\*\* — \S/, `scope \`${meta.scope}\` in the rule metadata`);
    });

    it('Configuration shows a valid .agent-policy.yaml for the rule and its suppression comment', () => {
      const page = readPage(id);
      const section = page.sections.find((s) => s.name === 'Configuration');
      assert.ok(section, 'no Configuration section');
      const configs = section.blocks.filter((b) => b.lang === 'yaml' && !isManifestBlock(b));
      assert.ok(configs.length > 0, 'a ```yaml example of .agent-policy.yaml');
      for (const b of configs) {
        const { config, findings } = parseConfigFile(b.code);
        assert.deepEqual(findings.map((f) => f.message), [], `the .agent-policy.yaml example at line ${b.line} is valid`);
        assert.ok(id in config.rules || id in config.options, `the example at line ${b.line} configures ${id}`);
      }
      assert.ok(section.lines.join('\n').includes(`agent-policy-ignore ${id}`), `shows \`agent-policy-ignore ${id}\``);
      // A suppression example must silence the rule, and be used.
      for (const b of section.blocks.filter((x) => x.lang === 'cedar' || isManifestBlock(x))) {
        const ds = diagnosticsOf(b).filter((d) => d.code === id || d.code === 'unused-suppression');
        assert.deepEqual(ds, [], `the suppression example at line ${b.line} leaves:\n${show(ds)}`);
      }
    });

    it(`Avoid examples produce ${id}`, () => {
      const blocks = examples(readPage(id), 'Avoid');
      assert.ok(blocks.length > 0, 'Avoid has a ```cedar or manifest ```yaml example');
      for (const b of blocks) {
        const ds = diagnosticsOf(b);
        assert.ok(ds.some((d) => d.code === id), `the Avoid example at line ${b.line} does not produce ${id}; it produces:\n${show(ds)}`);
      }
    });

    it(`Prefer examples produce no ${id}, and no warning or error`, () => {
      const blocks = examples(readPage(id), 'Prefer');
      assert.ok(blocks.length > 0, 'Prefer has a ```cedar or manifest ```yaml example');
      for (const b of blocks) {
        const ds = diagnosticsOf(b).filter((d) => d.code === id || d.severity !== 'info');
        assert.deepEqual(ds.map((d) => d.code), [], `the Prefer example at line ${b.line} produces:\n${show(ds)}`);
      }
    });
  });
}
