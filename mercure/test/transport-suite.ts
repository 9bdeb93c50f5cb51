import t from 'tap';
import { Subscriber, type SubscriberInit } from '../src/subscriber.js';
import { TopicSelectorStore } from '../src/topic-selector.js';
import { EARLIEST, TransportClosedError, type Transport } from '../src/transport.js';
import { Update } from '../src/update.js';
import { MemoryStream } from './memory-stream.js';

export interface TransportFactoryOptions {
  historySize: number;
  selectors: TopicSelectorStore;
}

/**
 * What every Transport must do, whatever carries the updates. A new
 * implementation (e.g. Redis streams) runs this suite unchanged:
 * `transportSuite('redis', (o) => new RedisTransport(o))`.
 */
export function transportSuite(name: string, create: (options: TransportFactoryOptions) => Transport | Promise<Transport>): void {
  const setup = async (tt: { teardown(fn: () => unknown): void }, historySize = 100) => {
    const selectors = new TopicSelectorStore();
    const transport = await create({ historySize, selectors });
    tt.teardown(() => transport.close());
    const subscribe = async (init: Partial<SubscriberInit> & { topics: string[] }) => {
      const stream = new MemoryStream();
      const subscriber = new Subscriber({ maxBufferedBytes: 1 << 20, stream, ...init });
      await transport.addSubscriber(subscriber);
      return { subscriber, stream };
    };
    const dispatch = (init: ConstructorParameters<typeof Update>[0]) => transport.dispatch(new Update(init).validate());
    return { transport, subscribe, dispatch };
  };

  t.test(`${name} transport: updates reach matching subscribers, once each`, async (t) => {
    const { subscribe, dispatch } = await setup(t);
    const exact = await subscribe({ topics: ['https://example.com/books/1'] });
    const template = await subscribe({ topics: ['https://example.com/books/{id}'] });
    const star = await subscribe({ topics: ['*'] });
    const twice = await subscribe({ topics: ['https://example.com/books/1', 'https://example.com/books/{id}', '*'] });
    const other = await subscribe({ topics: ['https://example.com/authors/{id}'] });
    await dispatch({ topics: ['https://example.com/books/1'], id: 'u1' });
    await dispatch({ topics: ['https://example.com/books/2', 'https://example.com/books/1'], id: 'u2' });
    t.same(exact.stream.ids, ['u1', 'u2'], 'exact selector; alternate topics count too');
    t.same(template.stream.ids, ['u1', 'u2']);
    t.same(star.stream.ids, ['u1', 'u2']);
    t.same(twice.stream.ids, ['u1', 'u2'], 'several matching selectors still deliver once');
    t.same(other.stream.ids, []);
  });

  t.test(`${name} transport: private updates need a matching mercure.subscribe selector`, async (t) => {
    const { subscribe, dispatch } = await setup(t);
    const topic = 'https://example.com/users/u1/conversations/c1';
    const anonymous = await subscribe({ topics: [topic] });
    const owner = await subscribe({ topics: [topic], allowedPrivateTopics: ['https://example.com/users/u1/{+rest}'] });
    const stranger = await subscribe({ topics: [topic], allowedPrivateTopics: ['https://example.com/users/u2/{+rest}'] });
    const viaAlternate = await subscribe({ topics: ['*'], allowedPrivateTopics: ['https://example.com/alt'] });
    await dispatch({ topics: [topic], id: 'p1', private: true });
    await dispatch({ topics: [topic, 'https://example.com/alt'], id: 'p2', private: true });
    await dispatch({ topics: [topic], id: 'public' });
    t.same(anonymous.stream.ids, ['public']);
    t.same(owner.stream.ids, ['p1', 'p2', 'public']);
    t.same(stranger.stream.ids, ['public']);
    t.same(viaAlternate.stream.ids, ['p2', 'public'], 'rights on any topic of the update suffice');
  });

  t.test(`${name} transport: Last-Event-ID replays what came after, announcing the id before the first event`, async (t) => {
    const { subscribe, dispatch } = await setup(t);
    const fresh = await subscribe({ topics: ['a'] });
    t.equal(fresh.stream.announced, undefined, 'no Last-Event-ID asked for: none announced');
    for (const id of ['1', '2', '3', '4']) await dispatch({ topics: [id === '3' ? 'b' : 'a'], id });
    const live = await subscribe({ topics: ['a'] });
    t.equal(live.stream.announced, undefined, 'no Last-Event-ID: the newest id is not revealed, nothing replayed');
    t.same(live.stream.ids, []);
    const resumed = await subscribe({ topics: ['a'], requestLastEventId: '1' });
    t.equal(resumed.stream.announced, '1');
    t.same(resumed.stream.ids, ['2', '4'], 'only matching updates after the id');
    const all = await subscribe({ topics: ['a', 'b'], requestLastEventId: EARLIEST });
    t.equal(all.stream.announced, EARLIEST);
    t.same(all.stream.ids, ['1', '2', '3', '4']);
    const unknown = await subscribe({ topics: ['a'], requestLastEventId: 'never-published' });
    t.equal(unknown.stream.announced, EARLIEST, 'an unknown id announces earliest');
    t.same(unknown.stream.ids, ['1', '2', '4'], 'and sends everything retained');
    await dispatch({ topics: ['a'], id: '5' });
    t.same(resumed.stream.ids, ['2', '4', '5'], 'then live updates, no gap, no duplicate');
    t.same(fresh.stream.ids, ['1', '2', '4', '5']);
  });

  t.test(`${name} transport: never announces the id of an update the subscriber may not receive`, async (t) => {
    const { subscribe, dispatch } = await setup(t);
    await dispatch({ topics: ['mine'], id: 'mine-1', private: true });
    await dispatch({ topics: ['theirs'], id: 'theirs-1', private: true });
    await dispatch({ topics: ['mine'], id: 'mine-2', private: true });
    const rights = { topics: ['*'], allowedPrivateTopics: ['mine'] };
    const guessing = await subscribe({ ...rights, requestLastEventId: 'theirs-1' });
    t.equal(guessing.stream.announced, EARLIEST, "another's private id is not confirmed");
    t.same(guessing.stream.ids, ['mine-1', 'mine-2'], 'and replays as for an unknown id: where it starts tells nothing');
    const anonymous = await subscribe({ topics: ['*'], requestLastEventId: 'mine-1' });
    t.equal(anonymous.stream.announced, EARLIEST, 'an anonymous subscriber learns no private id');
    t.same(anonymous.stream.ids, []);
    const own = await subscribe({ ...rights, requestLastEventId: 'mine-1' });
    t.equal(own.stream.announced, 'mine-1', 'its own id is confirmed');
    t.same(own.stream.ids, ['mine-2']);
  });

  t.test(`${name} transport: history is bounded by count`, async (t) => {
    const { subscribe, dispatch } = await setup(t, 3);
    for (let i = 1; i <= 7; i++) await dispatch({ topics: ['a'], id: String(i) });
    const all = await subscribe({ topics: ['a'], requestLastEventId: EARLIEST });
    t.same(all.stream.ids, ['5', '6', '7']);
    const evicted = await subscribe({ topics: ['a'], requestLastEventId: '2' });
    t.equal(evicted.stream.announced, EARLIEST, 'an evicted id announces earliest');
    t.same(evicted.stream.ids, ['5', '6', '7']);
    const kept = await subscribe({ topics: ['a'], requestLastEventId: '5' });
    t.same(kept.stream.ids, ['6', '7']);
  });

  t.test(`${name} transport: a removed subscriber gets nothing more; getSubscribers lists the rest`, async (t) => {
    const { transport, subscribe, dispatch } = await setup(t);
    const a = await subscribe({ topics: ['a'] });
    const b = await subscribe({ topics: ['a', 'https://example.com/{x}'] });
    await transport.removeSubscriber(a.subscriber);
    await dispatch({ topics: ['a'], id: 'x' });
    t.same(a.stream.ids, []);
    t.same(b.stream.ids, ['x']);
    const listed = await transport.getSubscribers();
    t.equal(listed.lastEventId, 'x');
    t.same(listed.subscribers.map((s) => s.id), [b.subscriber.id]);
  });

  t.test(`${name} transport: close ends every stream and refuses more work`, async (t) => {
    const { transport, subscribe } = await setup(t);
    const a = await subscribe({ topics: ['a'] });
    await transport.close();
    t.ok(a.stream.ended, 'stream ended cleanly');
    t.ok(a.subscriber.closed);
    await t.rejects(transport.dispatch(new Update({ topics: ['a'] })), TransportClosedError);
    await t.rejects(subscribe({ topics: ['a'] }), TransportClosedError);
  });

  t.test(`${name} transport: a backlog may exceed the buffer bound; live traffic beyond it drops a stalled subscriber`, async (t) => {
    const { transport, dispatch } = await setup(t);
    for (let i = 0; i < 20; i++) await dispatch({ topics: ['a'], id: String(i), data: 'x'.repeat(100) });
    const stream = new MemoryStream();
    stream.stalled = true;
    const subscriber = new Subscriber({ topics: ['a'], requestLastEventId: EARLIEST, stream, maxBufferedBytes: 500 });
    await transport.addSubscriber(subscriber);
    t.equal(stream.ids.length, 20, 'the whole backlog, though it is 4 times the bound');
    t.equal(stream.backlogWrites, 20, 'written as backlog');
    t.notOk(stream.destroyed);
    for (let i = 20; i < 30 && !stream.destroyed; i++) await dispatch({ topics: ['a'], id: String(i), data: 'x'.repeat(100) });
    t.ok(stream.destroyed, 'dropped once live traffic exceeded the bound on top of the backlog');
    t.ok(stream.ids.length < 30);
    t.equal(stream.backlogWrites, 20, 'live updates are not backlog');
    t.same((await transport.getSubscribers()).subscribers, [], 'and unregistered');
  });
}
