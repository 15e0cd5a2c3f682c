import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { resplit, splitPolicies, tokenize, type SplitResult } from '../../server/src/core/cedar/split';
import { REPO } from '../helpers/memoryHost';
import { fuzzCount, fuzzSeed, Prng } from './prng';

/** Pieces an edit inserts: the characters that change how Cedar text is cut (quotes, `;`, comments, brackets, newlines). */
const PIECES = ['"', ';', '//', '/', '\n', '\n\n', '{', '}', '(', ')', '[', ']', '@id("x")', 'permit', 'forbid', ' ', 'when', '\\', 'é', '😀', 'permit (', '\nforbid (', '\n@id(', ',', '.', '==', 'x'];

function randomEdit(rng: Prng, text: string): string {
  const at = rng.int(text.length + 1);
  const del = rng.chance(0.4) ? rng.int(Math.min(40, text.length - at) + 1) : 0;
  let ins = '';
  const parts = rng.int(3);
  for (let i = 0; i < parts; i++) ins += rng.pick(PIECES);
  // Never split a surrogate pair (an editor does not).
  let s = at;
  let e = at + del;
  if (s > 0 && /[\uDC00-\uDFFF]/.test(text[s] ?? '')) s--;
  if (e < text.length && /[\uDC00-\uDFFF]/.test(text[e] ?? '')) e++;
  return text.slice(0, s) + ins + text.slice(e);
}

const full = (text: string): SplitResult => {
  const tokens = tokenize(text);
  return { tokens, slices: splitPolicies(text, tokens) };
};

describe('incremental split (resplit) gives exactly what a full tokenize + split gives', function () {
  const seed = fuzzSeed();
  const edits = fuzzCount('FUZZ_RESPLIT_EDITS', 3000, 100000);
  this.timeout(Math.max(300000, edits * 50));

  it(`on ${edits} random edits of the examples' policies (seed ${seed})`, () => {
    const rng = new Prng(seed);
    const dir = path.join(REPO, 'examples', 'policies');
    const texts = fs.readdirSync(dir).filter((f) => f.endsWith('.cedar')).map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
    let text = texts.join('\n');
    let prev = full(text);
    let carriedSome = 0;
    for (let i = 0; i < edits; i++) {
      // Every so often start again from a clean text, so that the edits do not drift into noise.
      const next = i % 200 === 0 ? rng.pick(texts) + '\n' + rng.pick(texts) : randomEdit(rng, text);
      // Every other edit moves the previous tokens in place, as the checker does (the previous result is not used again
      // but for its slices, which are never moved).
      const inc = resplit(text, prev, next, i % 2 === 1);
      const ref = full(next);
      const label = `edit ${i} (seed ${seed})`;
      assert.deepEqual(inc.tokens, ref.tokens, `${label}: tokens`);
      assert.deepEqual(inc.slices, ref.slices, `${label}: policies`);
      // A carried policy has the very text it had.
      inc.carried.forEach((o, k) => {
        if (o === undefined) return;
        const a = prev.slices[o]!.span;
        const b = ref.slices[k]!.span;
        assert.equal(next.slice(b.start, b.end), text.slice(a.start, a.end), `${label}: carried policy ${k}`);
        carriedSome++;
      });
      text = next;
      prev = inc;
    }
    assert.ok(carriedSome > edits, `policies were carried over (${carriedSome}), not all split again`);
  });
});
