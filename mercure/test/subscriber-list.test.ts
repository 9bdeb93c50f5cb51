import t from 'tap';
import { Subscriber } from '../src/subscriber.js';
import { SubscriberList } from '../src/subscriber-list.js';
import { TopicSelectorStore } from '../src/topic-selector.js';
import { Update } from '../src/update.js';
import { MemoryStream } from './memory-stream.js';

const make = (topics: string[], allowed?: string[]) => new Subscriber({ topics, allowedPrivateTopics: allowed, stream: new MemoryStream(), maxBufferedBytes: 1000 });

t.test('forEachMatch visits exact, template and * subscribers once, and only those', async (t) => {
  const list = new SubscriberList();
  const store = new TopicSelectorStore();
  const a = make(['x', 'y']);
  const b = make(['https://example.com/{id}']);
  const c = make(['*']);
  const d = make(['z']);
  for (const s of [a, b, c, d]) list.add(s);
  t.equal(list.size, 4);
  const seen: Subscriber[] = [];
  list.forEachMatch(new Update({ topics: ['x', 'y', 'https://example.com/1'] }), store, (s) => seen.push(s));
  t.same(new Set(seen), new Set([a, b, c]));
  t.equal(seen.length, 3, 'each once');
  list.remove(a);
  list.remove(a);
  t.equal(list.size, 3);
  const again: Subscriber[] = [];
  list.forEachMatch(new Update({ topics: ['x'] }), store, (s) => again.push(s));
  t.same(again, [c]);
});

t.test('private updates go only to subscribers with a matching selector; rights are evaluated per distinct selector', async (t) => {
  const list = new SubscriberList();
  let evaluations = 0;
  const store = new (class extends TopicSelectorStore {
    override match(selector: string, topic: string): boolean {
      evaluations++;
      return super.match(selector, topic);
    }
  })();
  const topic = 'https://example.com/users/u1/c';
  const owners = Array.from({ length: 50 }, () => make([topic], ['https://example.com/users/u1/{+rest}']));
  const stranger = make([topic], ['https://example.com/users/u2/{+rest}']);
  const anonymous = make([topic]);
  for (const s of [...owners, stranger, anonymous]) list.add(s);
  const seen: Subscriber[] = [];
  list.forEachMatch(new Update({ topics: [topic], private: true }), store, (s) => seen.push(s));
  t.same(new Set(seen), new Set(owners));
  t.ok(evaluations <= 2, `two distinct selectors, ${evaluations} evaluations`);
});

t.test('removing the last subscriber of a selector leaves no empty index entry behind', async (t) => {
  const list = new SubscriberList();
  const store = new TopicSelectorStore();
  const s = make(['https://example.com/{id}', 'exact']);
  list.add(s);
  list.remove(s);
  let visits = 0;
  list.forEachMatch(new Update({ topics: ['https://example.com/1', 'exact'] }), store, () => visits++);
  t.equal(visits, 0);
  t.same([...list], []);
});
