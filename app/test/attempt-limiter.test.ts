import t from 'tap';
import { AttemptLimiter } from '../src/attempt-limiter.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

t.test('allows `limit` attempts per window, then says how long to wait', async (t) => {
  const time = clock();
  const limiter = new AttemptLimiter({ limit: 3, windowMs: 60_000, now: time.now });
  t.ok(limiter.hit('a').allowed);
  t.ok(limiter.hit('a').allowed);
  const third = limiter.hit('a');
  t.notOk(third.allowed, 'the third attempt used up the window');
  t.equal(third.retryAfterSeconds, 60);
  time.advance(45_500);
  t.same(limiter.check('a'), { allowed: false, retryAfterSeconds: 15 }, 'rounded up to whole seconds');
  t.ok(limiter.check('b').allowed, 'another key is unaffected');
  time.advance(14_500);
  t.ok(limiter.check('a').allowed, 'a new window starts when the old one ends');
  t.ok(limiter.hit('a').allowed);
});

t.test('reset forgets a key', async (t) => {
  const limiter = new AttemptLimiter({ limit: 1, windowMs: 1_000 });
  t.notOk(limiter.hit('k').allowed);
  limiter.reset('k');
  t.ok(limiter.check('k').allowed);
});

t.test('memory stays bounded: the least recently touched key goes first', async (t) => {
  const limiter = new AttemptLimiter({ limit: 1, windowMs: 60_000, maxKeys: 3 });
  limiter.hit('one');
  limiter.hit('two');
  limiter.hit('three');
  limiter.hit('one'); // touched again: now the newest
  for (let i = 0; i < 1_000; i++) limiter.hit(`flood-${i % 2}`);
  t.equal(limiter.size, 3);
  t.notOk(limiter.check('one').allowed, 'the recently touched key is still counted');
  t.ok(limiter.check('two').allowed, 'the oldest keys were dropped');
  t.ok(limiter.check('three').allowed);
});

t.test('nonsense limits are refused at construction', async (t) => {
  t.throws(() => new AttemptLimiter({ limit: 0, windowMs: 1 }), RangeError);
  t.throws(() => new AttemptLimiter({ limit: 1, windowMs: 0 }), RangeError);
});
