import t from 'tap';
import { TextCache } from '../src/text-cache.js';
import { renderMarkdown } from '../src/markdown-renderer.js';
import { renderMarkdown as renderAfresh } from '@homeagent/markdown';

t.test('a text made once is answered from the cache, the same value', async (t) => {
  const cache = new TextCache(10, 1_000);
  let made = 0;
  const make = (text: string) => {
    made += 1;
    return text.toUpperCase();
  };
  t.equal(cache.get('hello', make), 'HELLO');
  t.equal(cache.get('hello', make), 'HELLO');
  t.equal(made, 1, 'made once');
  t.equal(cache.get('hello!', make), 'HELLO!', 'another text is another key');
  t.equal(made, 2);
});

t.test('past its entries, the least recently used goes first', async (t) => {
  const cache = new TextCache(2, 1_000);
  const made: string[] = [];
  const make = (text: string) => {
    made.push(text);
    return text;
  };
  cache.get('a', make);
  cache.get('b', make);
  cache.get('a', make); // a is now the most recently used
  cache.get('c', make); // b goes
  t.equal(cache.size, 2);
  cache.get('a', make);
  t.same(made, ['a', 'b', 'c'], 'a was still held');
  cache.get('b', make);
  t.same(made, ['a', 'b', 'c', 'b'], 'b had gone');
});

t.test('bounded by the characters it holds; a text larger than the budget is not kept', async (t) => {
  const cache = new TextCache(100, 20);
  const same = (text: string) => text;
  cache.get('12345', same); // 10 characters
  cache.get('abcde', same); // 20
  t.equal(cache.chars, 20);
  cache.get('vwxyz', same); // the oldest goes
  t.equal(cache.size, 2);
  t.equal(cache.chars, 20);
  cache.get('x'.repeat(11), same); // 22 on its own: answered, not kept
  t.equal(cache.size, 2);
  t.ok(cache.chars <= 20);
});

t.test('a reply rendered from the cache is what the renderer gives afresh', async (t) => {
  const text = 'A **reply** with `code`:\n\n```js\nconst x = 1;\n```\n\n- one\n- two';
  const first = renderMarkdown(text).value;
  t.equal(renderMarkdown(text).value, first, 'the second render (from the cache)');
  t.equal(first, renderAfresh(text), 'and both are the renderer output');
});
