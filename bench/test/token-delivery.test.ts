import t from 'tap';
import { checkDelivery, tokenLatencies, unescapeHtml, words } from '../src/token-delivery.js';

t.test('words keep the white space before them, so pieces cut anywhere split the same', async (t) => {
  t.same(words('Hello  big\nworld '), ['Hello', '  big', '\nworld', ' ']);
  t.same(words('Hel' + 'lo big'), words('Hello big'));
});

t.test('unescapeHtml undoes the agent escaping', async (t) => {
  t.equal(unescapeHtml('a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &amp;lt;'), 'a & b <c> "d" \'e\' &lt;');
});

t.test('checkDelivery counts lost, doubled and out-of-order words', async (t) => {
  const stored = 'one two three two four';
  t.same(checkDelivery(stored, stored), { expected: 5, lost: 0, doubled: 0, outOfOrder: 0 });
  t.same(checkDelivery(stored, 'one two three two'), { expected: 5, lost: 1, doubled: 0, outOfOrder: 0 }, 'the last word lost');
  t.same(checkDelivery(stored, 'one two three two two four'), { expected: 5, lost: 0, doubled: 1, outOfOrder: 0 }, 'a repeated word beyond the stored count is doubled');
  t.same(checkDelivery(stored, 'one three two two four'), { expected: 5, lost: 0, doubled: 0, outOfOrder: 1 }, 'a swap shows as out of order');
  t.same(checkDelivery(stored, ''), { expected: 5, lost: 5, doubled: 0, outOfOrder: 0 });
});

t.test('tokenLatencies: a token arrives with the piece that completes it', async (t) => {
  const tokens = ['Hel', 'lo', ' wor', 'ld'];
  const emittedAt = [100, 110, 120, 130];
  const pieces = [
    { text: 'Hello', at: 115 },
    { text: ' wo', at: 125 },
    { text: 'rld', at: 140 },
  ];
  t.same(tokenLatencies(tokens, emittedAt, pieces), [15, 5, 20, 10]);
  t.equal(tokenLatencies(tokens, emittedAt, pieces.slice(0, 2)), undefined, 'pieces that do not spell the tokens give no latency');
  t.same(tokenLatencies([], [], []), []);
});
