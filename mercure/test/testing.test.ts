import t from 'tap';
import { ConfigError } from '../src/config.js';
import { startHub } from '../src/testing.js';
import { hs256, PUBLISHER_KEY, SseClient, SUBSCRIBER_KEY } from './helper.js';

t.test('startHub runs the hub on a free port and closes it', async (t) => {
  const hub = await startHub({ publisherJwtKey: PUBLISHER_KEY, subscriberJwtKey: SUBSCRIBER_KEY, heartbeatMs: 5_000, historySize: 10 });
  t.match(hub.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal((await fetch(`${hub.url}/healthz`)).status, 200);
  const topic = 'https://chat.example.com/users/u1/conversations/c1';
  const sub = await hs256({ mercure: { subscribe: ['https://chat.example.com/users/u1/{+rest}'] } }, SUBSCRIBER_KEY);
  const client = await SseClient.open(hub.url, [topic], { headers: { cookie: `mercureAuthorization=${sub}` } });
  const pub = await hs256({ mercure: { publish: ['*'] } }, PUBLISHER_KEY);
  const res = await fetch(`${hub.url}/.well-known/mercure`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pub}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ topic, data: '&lt;b&gt;hi', private: 'on', id: 'm1:000001' }),
  });
  t.equal(res.status, 200);
  await client.until((c) => c.events.length === 1, 'the private event');
  t.same(client.events[0], { id: 'm1:000001', data: '&lt;b&gt;hi' });
  await hub.close();
  await client.untilEnded();
  t.ok(client.completed);
});

t.test('startHub refuses bad options with the variable they map to', async (t) => {
  const error = await startHub({ publisherJwtKey: 'short', subscriberJwtKey: SUBSCRIBER_KEY }).then(
    () => undefined,
    (e: unknown) => e,
  );
  t.ok(error instanceof ConfigError);
  t.equal((error as ConfigError).variable, 'MERCURE_PUBLISHER_JWT_KEY');
});

t.test('anonymous subscribers only when asked', async (t) => {
  const closed = await startHub({ publisherJwtKey: PUBLISHER_KEY, subscriberJwtKey: SUBSCRIBER_KEY });
  const open = await startHub({ publisherJwtKey: PUBLISHER_KEY, subscriberJwtKey: SUBSCRIBER_KEY, anonymous: true });
  t.teardown(async () => { await closed.close(); await open.close(); });
  t.equal((await fetch(`${closed.url}/.well-known/mercure?topic=a`)).status, 401);
  const client = await SseClient.open(open.url, ['a']);
  t.teardown(() => client.close());
  t.equal(client.response.statusCode, 200);
});
