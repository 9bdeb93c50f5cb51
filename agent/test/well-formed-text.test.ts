import t from 'tap';
import { wellFormed } from '../src/well-formed-text.js';

t.test('lone surrogates become U+FFFD; pairs and plain text stay', async (t) => {
  t.equal(wellFormed('a\ud800b'), 'a\ufffdb');
  t.equal(wellFormed('a\udc00b'), 'a\ufffdb');
  t.equal(wellFormed('emoji 😀 ok'), 'emoji 😀 ok');
  t.equal(wellFormed('\ud83d'), '\ufffd');
  t.same(wellFormed({ text: ['x\ud800', { y: '\udfff' }], n: 1, b: null }), { text: ['x\ufffd', { y: '\ufffd' }], n: 1, b: null });
});
