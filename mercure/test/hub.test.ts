import t from 'tap';
import { Hub, SUBSCRIPTIONS_PATH } from '../src/hub.js';
import { Update, UpdateValidationError } from '../src/update.js';
import { MemoryStream } from './memory-stream.js';

const hubWith = (t: { teardown(fn: () => unknown): void }, options: Partial<ConstructorParameters<typeof Hub>[0]> = {}) => {
  const hub = new Hub({ historySize: 10, heartbeatMs: 1_000, writeTimeoutMs: 0, subscriptions: false, ...options });
  t.teardown(() => hub.close());
  return hub;
};

t.test('publish validates before dispatching', async (t) => {
  const hub = hubWith(t);
  const stream = new MemoryStream();
  await hub.subscribe(hub.createSubscriber({ topics: ['*'], stream }));
  await t.rejects(hub.publish(new Update({ topics: ['a'], id: 'x\ny' })), UpdateValidationError);
  t.same(stream.ids, [], 'nothing half-sent');
  t.equal(await hub.publish(new Update({ topics: ['a'], id: 'ok' })), 'ok');
  t.same(stream.ids, ['ok']);
});

t.test('sweep: heartbeat only after a quiet period, reset by each event', async (t) => {
  const hub = hubWith(t, { heartbeatMs: 1_000 });
  const stream = new MemoryStream();
  const s = hub.createSubscriber({ topics: ['a'], stream });
  await hub.subscribe(s);
  const start = s.lastWriteAt;
  hub.sweep(start + 999);
  t.same(stream.chunks, []);
  hub.sweep(start + 1_000);
  t.same(stream.chunks, [':\n']);
  s.send(Buffer.from('id: 1\ndata: \n\n'), start + 1_500);
  hub.sweep(start + 2_000);
  t.equal(stream.chunks.length, 2, 'the event reset the heartbeat');
  hub.sweep(start + 2_500);
  t.equal(stream.chunks.at(-1), ':\n');
});

t.test('sweep: a heartbeat of 0 sends none', async (t) => {
  const hub = hubWith(t, { heartbeatMs: 0 });
  const stream = new MemoryStream();
  const s = hub.createSubscriber({ topics: ['a'], stream });
  await hub.subscribe(s);
  hub.sweep(s.lastWriteAt + 10 * 60_000);
  t.same(stream.chunks, []);
});

t.test('sweep: the token expiry and the jittered lifetime end the stream', async (t) => {
  const hub = hubWith(t, { writeTimeoutMs: 10_000 });
  const now = Date.now();
  const expiring = new MemoryStream();
  const e = hub.createSubscriber({ topics: ['a'], stream: expiring, expiresAt: now + 5_000 });
  const aging = new MemoryStream();
  const a = hub.createSubscriber({ topics: ['a'], stream: aging });
  t.ok(a.closeAt >= now + 8_000 && a.closeAt <= Date.now() + 10_000, 'lifetime within 80–100% of the write timeout');
  await hub.subscribe(e);
  await hub.subscribe(a);
  t.equal(hub.subscriberCount, 2);
  hub.sweep(now + 5_000);
  t.ok(expiring.ended);
  t.notOk(aging.ended);
  hub.sweep(a.closeAt);
  t.ok(aging.ended);
  t.equal(hub.subscriberCount, 0);
  await hub.publish(new Update({ topics: ['a'], id: 'late' }));
  t.same(aging.ids, [], 'closed subscribers are out of the index');
});

t.test('lifetimes are jittered, not identical', async (t) => {
  const hub = hubWith(t, { writeTimeoutMs: 600_000 });
  const closeAts = new Set(Array.from({ length: 20 }, () => hub.createSubscriber({ topics: ['a'], stream: new MemoryStream() }).closeAt));
  t.ok(closeAts.size > 10);
});

t.test('subscription events: active on subscribe, inactive on close, private to the subscriptions path', async (t) => {
  const hub = hubWith(t, { subscriptions: true });
  const watcher = new MemoryStream();
  await hub.subscribe(hub.createSubscriber({ topics: [`${SUBSCRIPTIONS_PATH}{/topic}{/subscriber}`], allowedPrivateTopics: [`${SUBSCRIPTIONS_PATH}{/topic}{/subscriber}`], stream: watcher }));
  const anonymousWatcher = new MemoryStream();
  await hub.subscribe(hub.createSubscriber({ topics: ['*'], stream: anonymousWatcher }));
  const s = hub.createSubscriber({ topics: ['https://example.com/a b'], payload: { name: 'ann' }, stream: new MemoryStream() });
  await hub.subscribe(s);
  s.close('client');
  const docs = watcher.chunks.map((c) => JSON.parse(/^data: (.*)$/m.exec(c)![1]!));
  const own = docs.filter((d) => d.subscriber === s.id);
  t.equal(own.length, 2);
  t.same(own.map((d) => d.active), [true, false]);
  t.same(own[0], {
    '@context': 'https://mercure.rocks/',
    id: `${SUBSCRIPTIONS_PATH}/${encodeURIComponent('https://example.com/a b')}/${encodeURIComponent(s.id)}`,
    type: 'Subscription',
    subscriber: s.id,
    topic: 'https://example.com/a b',
    active: true,
    payload: { name: 'ann' },
  });
  t.equal(anonymousWatcher.chunks.filter((c) => c.includes(s.id)).length, 0, 'subscription events are private');
});

t.test('close ends every stream and refuses new subscribers', async (t) => {
  const hub = hubWith(t);
  const stream = new MemoryStream();
  await hub.subscribe(hub.createSubscriber({ topics: ['a'], stream }));
  await hub.close();
  t.ok(stream.ended);
  t.ok(hub.closing);
  await t.rejects(hub.subscribe(hub.createSubscriber({ topics: ['a'], stream: new MemoryStream() })));
});
