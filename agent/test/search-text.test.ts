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

t.test('a long text is cut near the match the same way, with the folded text given', async (t) => {
  const text = `${'Lorem ipsum dolor sit amet. '.repeat(100)}Here the Crème brûlée waits. ${'More words follow here. '.repeat(100)}`;
  const parts = snippet(text, ['creme'], {}, fold(text));
  t.same(parts.filter((p) => p.match).map((p) => p.text), ['Crème']);
  t.equal(parts[0]!.text, '…');
  t.equal(parts[parts.length - 1]!.text, '…');
  t.ok(parts.reduce((n, p) => n + p.text.length, 0) < 260, 'a short snippet');
  t.same(snippet('ABC Déjà vu', ['deja'], {}, fold('ABC Déjà vu')), [{ text: 'ABC ', match: false }, { text: 'Déjà', match: true }, { text: ' vu', match: false }]);
});
