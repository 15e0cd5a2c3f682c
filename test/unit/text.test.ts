import * as assert from 'node:assert/strict';
import { Prng } from '../fuzz/prng';
import { didYouMean, joinPath, LineIndex, utf8ToUtf16, utf8ToUtf16Many } from '../../server/src/core/text';

describe('text: positions and offsets', () => {
  it('maps offsets to lines and characters with \\n, \\r\\n and \\r line breaks', () => {
    const ix = new LineIndex('ab\r\ncd\ne\rf');
    assert.deepEqual(ix.positionAt(0), { line: 0, character: 0 });
    assert.deepEqual(ix.positionAt(4), { line: 1, character: 0 });
    assert.deepEqual(ix.positionAt(7), { line: 2, character: 0 });
    assert.deepEqual(ix.positionAt(9), { line: 3, character: 0 });
    assert.equal(ix.offsetAt({ line: 1, character: 1 }), 5);
    assert.equal(ix.offsetAt({ line: 9, character: 0 }), 10);
    assert.equal(ix.lineCount, 4);
  });

  it('indexes lines exactly as a char-by-char scan does, on random mixes of \\n, \\r\\n, \\r and text', () => {
    const rng = new Prng(424242);
    for (let round = 0; round < 500; round++) {
      let text = '';
      for (let i = rng.int(60); i > 0; i--) text += rng.pick(['a', '\n', '\r', '\r\n', 'é', '😀', ' ']);
      const ix = new LineIndex(text);
      // The reference: walk the text, counting lines and characters.
      let line = 0;
      let ch = 0;
      for (let o = 0; o <= text.length; o++) {
        // (Offsets inside a surrogate pair or a \r\n are clamped, as documented on positionAt: not compared here.)
        const inside = o < text.length && (/[\uDC00-\uDFFF]/.test(text[o]!) || (text[o] === '\n' && text[o - 1] === '\r'));
        if (!inside) assert.deepEqual(ix.positionAt(o), { line, character: ch }, `${JSON.stringify(text)} at ${o}`);
        const c = text[o];
        if (c === '\r' && text[o + 1] === '\n') ch++;
        else if (c === '\n' || c === '\r') {
          line++;
          ch = 0;
        } else ch++;
      }
      assert.equal(ix.lineCount, line + 1);
    }
  });

  it('converts UTF-8 byte offsets to UTF-16 offsets across 1-, 2-, 3- and 4-byte characters', () => {
    const s = 'aé€😀b'; // 1 + 2 + 3 + 4 + 1 bytes; 1 + 1 + 1 + 2 + 1 code units
    assert.equal(utf8ToUtf16(s, 0), 0);
    assert.equal(utf8ToUtf16(s, 1), 1);
    assert.equal(utf8ToUtf16(s, 3), 2);
    assert.equal(utf8ToUtf16(s, 6), 3);
    assert.equal(utf8ToUtf16(s, 10), 5);
    assert.equal(utf8ToUtf16(s, 11), 6);
    assert.equal(utf8ToUtf16(s, 99), 6);
    assert.equal(utf8ToUtf16(s, 8), 3, 'inside a 4-byte character maps to its start');
    assert.deepEqual(utf8ToUtf16Many(s, [10, 1, 6, 0]), [5, 1, 3, 0]);
  });

  it('suggests close names only', () => {
    assert.equal(didYouMean('suport', ['support', 'billing']), 'support');
    assert.equal(didYouMean('refund-agnt', ['refund-agent', 'support-bot']), 'refund-agent');
    assert.equal(didYouMean('admin', ['support', 'billing']), undefined);
    assert.equal(didYouMean('Support', ['support']), 'support');
  });

  it('joins paths and refuses to climb above the root', () => {
    assert.equal(joinPath('/ws/a', '../b/c.json'), '/ws/b/c.json');
    assert.equal(joinPath('/ws', './x/./y'), '/ws/x/y');
    assert.equal(joinPath('/ws', '../../../etc/passwd'), undefined);
  });
});
