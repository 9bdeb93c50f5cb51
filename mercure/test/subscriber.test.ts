import t from 'tap';
import { Subscriber, type CloseReason } from '../src/subscriber.js';
import { TopicSelectorStore } from '../src/topic-selector.js';
import { Update } from '../src/update.js';
import { MemoryStream } from './memory-stream.js';

const frame = Buffer.from('id: x\ndata: y\n\n');

t.test('matches: topic selectors, and rights for private updates', async (t) => {
  const store = new TopicSelectorStore();
  const s = new Subscriber({ topics: ['https://example.com/{id}'], allowedPrivateTopics: ['https://example.com/1'], stream: new MemoryStream(), maxBufferedBytes: 1000 });
  t.ok(s.matches(new Update({ topics: ['https://example.com/2'] }), store));
  t.ok(s.matches(new Update({ topics: ['https://example.com/1'], private: true }), store));
  t.notOk(s.matches(new Update({ topics: ['https://example.com/2'], private: true }), store));
  t.notOk(s.matches(new Update({ topics: ['https://other.example/1'] }), store));
  const anonymous = new Subscriber({ topics: ['*'], stream: new MemoryStream(), maxBufferedBytes: 1000 });
  t.notOk(anonymous.matches(new Update({ topics: ['a'], private: true }), store), 'no JWT, no private updates');
});

t.test('send writes and records the time; after expiry it closes instead', async (t) => {
  const stream = new MemoryStream();
  const reasons: CloseReason[] = [];
  const s = new Subscriber({ topics: ['a'], stream, maxBufferedBytes: 1000, expiresAt: 1_000, onClose: (_s, r) => reasons.push(r) });
  s.open('earliest');
  t.ok(s.send(frame, 500));
  t.equal(s.lastWriteAt, 500);
  t.notOk(s.send(frame, 1_000));
  t.same(reasons, ['expired']);
  t.ok(stream.ended, 'ended cleanly');
  t.equal(stream.chunks.length, 1);
  t.notOk(s.send(frame, 500), 'nothing after close');
});

t.test('a stream holding more than maxBufferedBytes is destroyed (slow subscriber)', async (t) => {
  const stream = new MemoryStream();
  stream.stalled = true;
  const reasons: CloseReason[] = [];
  const s = new Subscriber({ topics: ['a'], stream, maxBufferedBytes: frame.length * 3, onClose: (_s, r) => reasons.push(r) });
  s.open('earliest');
  let sent = 0;
  while (s.send(frame)) sent++;
  t.equal(sent, 3);
  t.ok(stream.destroyed);
  t.notOk(stream.ended, 'destroyed, not flushed');
  t.same(reasons, ['slow']);
});

t.test('close is idempotent; a client close does not touch the stream', async (t) => {
  const stream = new MemoryStream();
  let calls = 0;
  const s = new Subscriber({ topics: ['a'], stream, maxBufferedBytes: 1000, onClose: () => calls++ });
  s.close('client');
  s.close('shutdown');
  t.equal(calls, 1);
  t.notOk(stream.ended);
  t.notOk(stream.destroyed);
  t.ok(s.closed);
});
