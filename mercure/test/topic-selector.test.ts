import t from 'tap';
import { TopicSelectorStore } from '../src/topic-selector.js';

t.test('match: *, exact, template; malformed templates only match themselves', async (t) => {
  const store = new TopicSelectorStore();
  t.ok(store.match('*', 'anything'));
  t.ok(store.match('https://example.com/a', 'https://example.com/a'));
  t.notOk(store.match('https://example.com/a', 'https://example.com/b'));
  t.ok(store.match('https://example.com/{x}', 'https://example.com/b'));
  t.ok(store.match('https://example.com/{x', 'https://example.com/{x'));
  t.notOk(store.match('https://example.com/{x', 'https://example.com/b'));
  t.ok(store.match('raw-string-topic', 'raw-string-topic'));
});

t.test('matchAny and matchAll', async (t) => {
  const store = new TopicSelectorStore();
  t.ok(store.matchAny(['a', 'https://example.com/{x}'], ['zzz', 'https://example.com/1']));
  t.notOk(store.matchAny(['a'], ['b', 'c']));
  t.ok(store.matchAll(['https://example.com/{x}', 'a'], ['https://example.com/1', 'a']));
  t.notOk(store.matchAll(['https://example.com/{x}'], ['https://example.com/1', 'a']), 'publisher must cover every topic');
  t.ok(store.matchAll(['*'], ['a', 'b']));
});

t.test('the compiled-template cache stays bounded and correct after eviction', async (t) => {
  const store = new TopicSelectorStore(2);
  for (let i = 0; i < 10; i++) t.ok(store.match(`https://example.com/${i}/{x}`, `https://example.com/${i}/y`));
  t.ok(store.match('https://example.com/0/{x}', 'https://example.com/0/y'), 'recompiled after eviction');
  t.notOk(store.match('https://example.com/0/{x}', 'https://example.com/1/y'));
});
