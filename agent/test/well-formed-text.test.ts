import t from 'tap';
import { wellFormed } from '../src/well-formed-text.js';

t.test('lone surrogates become U+FFFD; pairs and plain text stay', async (t) => {
  t.equal(wellFormed('a\ud800b'), 'a\ufffdb');
  t.equal(wellFormed('a\udc00b'), 'a\ufffdb');
  t.equal(wellFormed('emoji 😀 ok'), 'emoji 😀 ok');
  t.equal(wellFormed('\ud83d'), '\ufffd');
  t.same(wellFormed({ text: ['x\ud800', { y: '\udfff' }], n: 1, b: null }), { text: ['x\ufffd', { y: '\ufffd' }], n: 1, b: null });
});

t.test('deep nesting does not overflow the stack (the clean-up is iterative)', async (t) => {
  let deep: unknown = 'x\ud800';
  for (let i = 0; i < 100_000; i++) deep = i % 2 ? [deep] : { k: deep };
  let out = wellFormed(deep);
  for (let i = 99_999; i >= 0; i--) out = i % 2 ? (out as unknown[])[0] : (out as { k: unknown }).k;
  t.equal(out, 'x\ufffd', 'the innermost string is cleaned');
  t.same(wellFormed({ '\udc00': [1, 'a', null, { b: true }] }), { '\ufffd': [1, 'a', null, { b: true }] }, 'keys are cleaned too');
});
