import t from 'tap';
import { fold, queryTerms, snippet } from '../src/search-text.js';

t.test('fold drops case and accents', async (t) => {
  t.equal(fold('Crème Brûlée ÅNGSTRÖM İstanbul'), 'creme brulee angstrom istanbul');
  t.same(queryTerms('  Crème  creme ok ', 8), ['creme', 'ok']);
});

t.test('a snippet is cut at words around the first match, every match marked', async (t) => {
  const text = `${'word '.repeat(30)}the Café is open; café au lait ${'more '.repeat(60)}`;
  const parts = snippet(text, ['cafe'], { before: 20, length: 80 });
  t.equal(parts[0]!.text, '…');
  t.same(parts.filter((p) => p.match).map((p) => p.text), ['Café', 'café']);
  t.equal(parts[parts.length - 1]!.text, '…');
  t.match(parts[1]!.text, /^word /, 'opens at a word, not mid-word');
  t.same(snippet('banana', ['ana', 'nan']), [{ text: 'b', match: false }, { text: 'anana', match: true }], 'overlapping matches merge');
});
