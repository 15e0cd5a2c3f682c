import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkPolicyFileSteps, PolicyCache, runToEnd } from '../../server/src/core/cedar/policyCheck';
import { Project } from '../../server/src/core/project';
import { LineIndex } from '../../server/src/core/text';
import type { CoreDiagnostic } from '../../server/src/core/types';
import { loadManifest } from '../../server/src/core/manifest/load';
import { parseYaml } from '../../server/src/core/yamlDoc';
import { MemoryHost, REPO } from '../helpers/memoryHost';
import { prng, rangeProblem } from '../helpers/validRange';

/**
 * Every range that leaves the core (diagnostics, their related places, their fixes) must be a valid LSP range
 * of its file's text, whatever the text and whatever span a producer computed: LineIndex.range is the one
 * place that turns offsets into positions, and it clamps.
 */

const EMOJI = '\u{1F600}'; // a surrogate pair in UTF-16

describe('ranges: LineIndex.range clamps every endpoint to a valid position', () => {
  const cases: { name: string; text: string; span: [number, number]; expected: [number, number, number, number] }[] = [
    { name: 'an end between \\r and \\n moves back to the end of the line content', text: 'ab\r\ncd', span: [0, 3], expected: [0, 0, 0, 2] },
    { name: 'a start between \\r and \\n moves back too', text: 'ab\r\ncd', span: [3, 5], expected: [0, 2, 1, 1] },
    { name: 'an end between the halves of a surrogate pair moves past the pair', text: `a${EMOJI}b`, span: [0, 2], expected: [0, 0, 0, 3] },
    { name: 'a start between the halves of a surrogate pair moves before the pair', text: `a${EMOJI}b`, span: [2, 4], expected: [0, 1, 0, 4] },
    { name: 'an end past the end of the document stops at its end', text: 'ab\r\ncd\r\n', span: [4, 99], expected: [1, 0, 2, 0] },
    { name: 'a negative start stops at the start', text: 'ab', span: [-5, 1], expected: [0, 0, 0, 1] },
    { name: 'a reversed span is put in order', text: 'abcdef', span: [4, 1], expected: [0, 1, 0, 4] },
    { name: 'a non-integral or NaN offset is made integral', text: 'abcdef', span: [1.5, Number.NaN], expected: [0, 0, 0, 1] },
    { name: 'a lone \\r ends a line', text: 'ab\rcd', span: [1, 4], expected: [0, 1, 1, 1] },
    { name: 'a BOM is an ordinary character of the first line', text: '\uFEFFab\n', span: [0, 3], expected: [0, 0, 0, 3] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = new LineIndex(c.text).range({ start: c.span[0], end: c.span[1] });
      assert.deepEqual([r.start.line, r.start.character, r.end.line, r.end.character], c.expected);
      assert.equal(rangeProblem(c.text, r), undefined);
    });
  }

  it('positionAt of an offset between \\r and \\n is the end of the line content', () => {
    assert.deepEqual(new LineIndex('ab\r\ncd').positionAt(3), { line: 0, character: 2 });
  });

  it('offsetAt of a character past the end of a line is the end of its content, not inside its \\r\\n', () => {
    assert.equal(new LineIndex('ab\r\ncd').offsetAt({ line: 0, character: 3 }), 2);
    assert.equal(new LineIndex('ab\r\ncd').offsetAt({ line: 0, character: 99 }), 2);
  });

  it('random texts (CRLF, lone CR, surrogate pairs, tabs, empty lines, BOM) and random spans give valid ranges', () => {
    const seed = 0x5eed13;
    const rand = prng(seed);
    const pieces = ['a', 'key: value', ' ', '\t', '\r\n', '\n', '\r', '\r\n\r\n', EMOJI, '\uD83D', '\uDE00', 'é', '#', '"', '\uFEFF'];
    const deadline = Date.now() + 1500;
    let n = 0;
    for (; n < 20_000 && Date.now() < deadline; n++) {
      let text = rand() < 0.2 ? '\uFEFF' : '';
      const len = Math.floor(rand() * 30);
      for (let i = 0; i < len; i++) text += pieces[Math.floor(rand() * pieces.length)];
      const ix = new LineIndex(text);
      const a = Math.floor(rand() * (text.length + 6)) - 3;
      const b = Math.floor(rand() * (text.length + 6)) - 3;
      const r = ix.range({ start: a, end: b });
      const problem = rangeProblem(text, r);
      assert.equal(problem, undefined, `seed ${seed}, case ${n}: ${JSON.stringify(text)} span [${a}, ${b}] → ${JSON.stringify(r)}: ${problem}`);
    }
    assert.ok(n >= 200, `only ${n} cases ran`);
  });
});

/** Random edits of a valid text: the kinds of breakage typing produces, plus the characters that trip offsets. */
function mutate(text: string, rand: () => number, alphabet: string[]): string {
  let t = text;
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Sometimes the whole file uses another line ending, or starts with a BOM.
  const eol = rand();
  if (eol < 0.3) t = t.replace(/\n/g, '\r\n');
  else if (eol < 0.4) t = t.replace(/\n/g, '\r');
  if (rand() < 0.2) t = '\uFEFF' + t;
  const edits = 1 + Math.floor(rand() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rand() * (t.length + 1));
    const kind = rand();
    if (kind < 0.5) {
      let ins = '';
      const k = 1 + Math.floor(rand() * 4);
      for (let i = 0; i < k; i++) ins += pick(alphabet);
      t = t.slice(0, at) + ins + t.slice(at);
    } else if (kind < 0.8) {
      t = t.slice(0, at) + t.slice(Math.min(t.length, at + 1 + Math.floor(rand() * 12)));
    } else {
      // Cut the text short (an unfinished file), possibly inside a line ending or a surrogate pair.
      t = t.slice(0, at);
    }
  }
  return t;
}

const YAML_ALPHABET = [':', ' ', '-', '[', ']', '{', '}', '"', "'", '|', '>', '#', '&a', '*a', '!', '%', '?', ',', '\t', '\n', '\r\n', '\r', EMOJI, '\uD83D', 'é', 'x', '\\', '\\u00', '  ', '\n  - ', 'k: ', '---\n', '...'];
const CEDAR_ALPHABET = ['(', ')', '{', '}', ';', ',', '"', '\\', '@id("', '==', 'when', 'unless', 'permit', 'forbid', 'principal', '::', '&&', ' ', '\t', '\n', '\r\n', '\r', EMOJI, '\uD83D', 'é', '//', '/*', '.', 'has', 'like', '*'];

/** Why `span` is not a span of `text` on character boundaries (code points, whole line endings), if it is not. */
function boundaryProblem(text: string, span: { start: number; end: number }): string | undefined {
  const { start, end } = span;
  if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= text.length)) return 'out of the text or reversed';
  const splits = (o: number) => (text[o - 1] === '\r' && text[o] === '\n') || (/[\uD800-\uDBFF]/.test(text[o - 1] ?? '') && /[\uDC00-\uDFFF]/.test(text[o] ?? ''));
  return splits(start) || splits(end) ? 'an end splits a line ending or a surrogate pair' : undefined;
}

describe('ranges: the parsers report spans on character boundaries', () => {
  it('random broken YAML and JSON: every finding span lies within the text, on code-point and line-ending boundaries', () => {
    const seed = 0xa11ce;
    const rand = prng(seed);
    const bases = [fs.readFileSync(path.join(REPO, 'examples', 'acme.agents.yaml'), 'utf8'), fs.readFileSync(path.join(REPO, 'examples', 'mcp', 'crm.tools.json'), 'utf8')];
    const deadline = Date.now() + 3000;
    let n = 0;
    for (; n < 2000 && Date.now() < deadline; n++) {
      const format = n % 2 === 0 ? 'yaml' : 'json';
      const text = mutate(bases[n % 2]!, rand, YAML_ALPHABET);
      for (const f of parseYaml(text, 'manifest-invalid', format).findings) {
        const why = boundaryProblem(text, f.span);
        assert.equal(why, undefined, `seed ${seed}, case ${n} (${format}): span [${f.span.start}, ${f.span.end}] of ${JSON.stringify(text.slice(Math.max(0, f.span.start - 20), f.span.end + 20))}: ${why}`);
      }
    }
    assert.ok(n >= 100, `only ${n} cases ran`);
  });

  it('first-line spans stop at the end of the line content, before a \\r\\n', () => {
    const notAMapping = '- a\r\n- b\r\n';
    const own = loadManifest('/ws/x.agents.yaml', notAMapping, { root: '/ws', readFile: () => undefined }).findings.get('/ws/x.agents.yaml') ?? [];
    assert.deepEqual(own.map((f) => [f.span.start, f.span.end]), [[0, 3]]);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)].join('\r\n');
    const findings = parseYaml(bomb, 'manifest-invalid').findings;
    assert.deepEqual(findings.map((f) => [f.span.start, f.span.end]), [[0, bomb.indexOf('\r')]], findings.map((f) => f.message).join('; '));
  });

  it('a Cedar syntax error on a character outside the BMP covers the whole character', () => {
    const text = `permit (principal, action, resource);\r\n${EMOJI}`;
    const { findings } = runToEnd(checkPolicyFileSteps(text, undefined, new PolicyCache()));
    const spans = findings.map((f) => [f.span.start, f.span.end]);
    assert.deepEqual(spans, [[text.length - 2, text.length]]);
  });

  it('random broken Cedar: every finding span lies within the text, on character boundaries', () => {
    const seed = 0xced4;
    const rand = prng(seed);
    const base = fs.readFileSync(path.join(REPO, 'examples', 'policies', 'refunds.cedar'), 'utf8');
    const cache = new PolicyCache();
    const deadline = Date.now() + 3000;
    let n = 0;
    for (; n < 1000 && Date.now() < deadline; n++) {
      const text = mutate(base, rand, CEDAR_ALPHABET);
      for (const f of runToEnd(checkPolicyFileSteps(text, undefined, cache)).findings) {
        const why = boundaryProblem(text, f.span);
        assert.equal(why, undefined, `seed ${seed}, case ${n}: ${f.code} span [${f.span.start}, ${f.span.end}] of ${JSON.stringify(text.slice(Math.max(0, f.span.start - 20), f.span.end + 20))}: ${why}`);
      }
    }
    assert.ok(n >= 50, `only ${n} cases ran`);
  });
});

describe('ranges: random broken workspaces through the real check give valid ranges only', () => {
  it('manifests, tool lists, Cedar files and .agent-policy.yaml, randomly edited', function () {
    this.timeout(60_000);
    const seed = 0xc0ffee;
    const rand = prng(seed);
    const read = (p: string) => fs.readFileSync(path.join(REPO, 'examples', p), 'utf8');
    const base: Record<string, string> = {
      'acme.agents.yaml': read('acme.agents.yaml'),
      'mcp/crm.tools.json': read('mcp/crm.tools.json'),
      'policies/refunds.cedar': read('policies/refunds.cedar'),
      'policies/support.cedar': read('policies/support.cedar'),
      '.agent-policy.yaml': 'rules:\n  role-only-grant: error   # stricter here\n  secret-in-manifest: warning\n',
    };
    const cache = new PolicyCache();
    const deadline = Date.now() + 10_000;
    let n = 0;
    let diagnostics = 0;
    for (; n < 400 && Date.now() < deadline; n++) {
      const files: Record<string, string> = {};
      for (const [name, text] of Object.entries(base)) {
        const edit = rand() < 0.6;
        files[name] = !edit ? text : mutate(text, rand, name.endsWith('.cedar') ? CEDAR_ALPHABET : YAML_ALPHABET);
      }
      const host = MemoryHost.of(files);
      const project = new Project(host, cache);
      const check = (file: string, what: string, text: string | undefined, r: CoreDiagnostic['range']) => {
        assert.ok(text !== undefined, `${what} names ${file}, which does not exist`);
        const problem = rangeProblem(text, r);
        assert.equal(problem, undefined, `seed ${seed}, case ${n}: ${what} in ${file}: ${JSON.stringify(r)}: ${problem}`);
      };
      for (const file of [...host.listFiles(), host.root + '/.agent-policy.yaml']) {
        for (const d of project.check(file).diagnostics) {
          diagnostics++;
          check(d.file, `${d.code} (${d.message.slice(0, 60)})`, host.readFile(d.file), d.range);
          for (const r of d.related ?? []) check(r.file, `related of ${d.code}`, host.readFile(r.file), r.range);
          for (const fx of d.fixes ?? []) for (const e of fx.edits) check(e.file, `fix "${fx.title}" of ${d.code}`, host.readFile(e.file), e.range);
        }
      }
    }
    assert.ok(n >= 20 && diagnostics > 0, `only ${n} workspaces (${diagnostics} diagnostics) were checked`);
  });
});
