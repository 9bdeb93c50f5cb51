import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import t from 'tap';
import { SignJWT } from 'jose';
import { DEFAULT_MAX_BUFFERED_BYTES } from '../../../src/hub.js';
import { buildHub, hs256, publish, publisherToken, PUBLISHER_KEY, rsaKeys, SseClient, SUBSCRIBER_KEY, subscriberToken } from '../../helper.js';

t.setTimeout(120_000);
const TOPIC = 'https://chat.example.com/users/u1/conversations/c1';
const USER_SELECTOR = 'https://chat.example.com/users/u1/{+rest}';

const hub = async (t: { teardown(fn: () => unknown): void }, env: Record<string, string> = {}) => {
  const built = await buildHub(env);
  t.teardown(() => built.fastify.close());
  return built;
};
const open = async (t: { teardown(fn: () => unknown): void }, ...args: Parameters<typeof SseClient.open>) => {
  const client = await SseClient.open(...args);
  t.teardown(() => client.close());
  return client;
};

t.test('publish answers 200 text/plain with the update id, generated when absent', async (t) => {
  const { url } = await hub(t);
  const token = await publisherToken();
  const res = await publish(url, { topic: TOPIC, data: 'x', id: 'custom-id' }, token);
  t.equal(res.status, 200);
  t.match(res.headers.get('content-type'), /^text\/plain/);
  t.equal(res.headers.get('x-content-type-options'), 'nosniff');
  t.equal(await res.text(), 'custom-id');
  const generated = await publish(url, { topic: TOPIC }, token);
  t.match(await generated.text(), /^urn:uuid:[0-9a-f-]{36}$/);
});

t.test('publish refusals: 400, 403, 401 with WWW-Authenticate, 415', async (t) => {
  const { url } = await hub(t);
  const token = await publisherToken();
  const expect = async (res: Response, status: number, message: RegExp, label: string) => {
    t.equal(res.status, status, label);
    t.match(await res.text(), message, label);
    if (status === 401) t.match(res.headers.get('www-authenticate'), /^Bearer realm="mercure"/, `${label}: WWW-Authenticate`);
  };
  await expect(await publish(url, { topic: [] }, token), 400, /"topic"/, 'missing topic');
  await expect(await publish(url, { topic: TOPIC, id: 'a\nevent: forged' }, token), 400, /"id".*CR, LF or NUL/, 'LF in id');
  await expect(await publish(url, { topic: TOPIC, id: 'a\rb' }, token), 400, /"id"/, 'CR in id');
  await expect(await publish(url, { topic: TOPIC, type: 'a\0b' }, token), 400, /"type"/, 'NUL in type');
  await expect(await publish(url, { topic: TOPIC, retry: 'soon' }, token), 400, /"retry"/, 'retry not an integer');
  await expect(await publish(url, { topic: Array.from({ length: 1_001 }, (_, i) => `t${i}`) }, token), 400, /at most 1000 topics/, '1,001 topics');
  await expect(await publish(url, { topic: 'https://chat.example.com/.well-known/mercure/subscriptions/x' }, token), 403, /reserved/, 'reserved topic');
  await expect(await publish(url, { topic: TOPIC }), 401, /publisher JWT/, 'no token');
  await expect(await publish(url, { topic: TOPIC }, 'garbage'), 401, /invalid/, 'garbage token');
  await expect(await publish(url, { topic: TOPIC }, await hs256({ mercure: { publish: ['*'] } }, SUBSCRIBER_KEY)), 401, /invalid/, 'signed with the subscriber key');
  await expect(await publish(url, { topic: TOPIC }, await hs256({ mercure: { subscribe: ['*'] } }, PUBLISHER_KEY)), 401, /mercure\.publish/, 'no publish claim');
  await expect(await publish(url, { topic: [TOPIC, 'https://chat.example.com/users/u2/x'] }, await publisherToken([USER_SELECTOR])), 401, /every topic/, 'one topic not allowed');
  const json = await fetch(`${url}/.well-known/mercure`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{"topic":"a"}' });
  t.equal(json.status, 415, 'JSON body');
  t.ok((await publish(url, { topic: [TOPIC] }, await publisherToken([USER_SELECTOR]))).ok, 'a template grant covers its topics');
});

t.test('publish with a cookie only from an allowed origin', async (t) => {
  const { url } = await hub(t, { MERCURE_PUBLISH_ORIGINS: 'https://chat.example.com' });
  const cookie = `mercureAuthorization=${await publisherToken()}`;
  t.equal((await publish(url, { topic: TOPIC }, undefined, { cookie, origin: 'https://chat.example.com' })).status, 200);
  const evil = await publish(url, { topic: TOPIC }, undefined, { cookie, origin: 'https://evil.example' });
  t.equal(evil.status, 401);
  t.match(await evil.text(), /origin https:\/\/evil\.example may not publish/);
  t.equal((await publish(url, { topic: TOPIC }, undefined, { cookie })).status, 401, 'no origin at all');
});

t.test('subscribe refusals: 400 without topic, 401 without/with a bad/expired token', async (t) => {
  const { url } = await hub(t);
  const noTopic = await fetch(`${url}/.well-known/mercure`, { headers: { authorization: `Bearer ${await subscriberToken(['*'])}` } });
  t.equal(noTopic.status, 400);
  t.match(await noTopic.text(), /"topic"/);
  const anonymous = await fetch(`${url}/.well-known/mercure?topic=a`);
  t.equal(anonymous.status, 401);
  t.match(anonymous.headers.get('www-authenticate'), /Bearer/);
  t.equal((await fetch(`${url}/.well-known/mercure?topic=a`, { headers: { authorization: 'Bearer nope' } })).status, 401);
  const expired = await new SignJWT({ mercure: { subscribe: ['*'] } }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) - 5).sign(new TextEncoder().encode(SUBSCRIBER_KEY));
  const res = await fetch(`${url}/.well-known/mercure?topic=a`, { headers: { cookie: `mercureAuthorization=${expired}` } });
  t.equal(res.status, 401);
  t.match(await res.text(), /expired/);
});

t.test('HEAD checks access and answers the SSE headers without a stream', async (t) => {
  const { url, fastify } = await hub(t);
  const denied = await fetch(`${url}/.well-known/mercure?topic=a`, { method: 'HEAD' });
  t.equal(denied.status, 401);
  const res = await fetch(`${url}/.well-known/mercure?topic=a`, { method: 'HEAD', headers: { authorization: `Bearer ${await subscriberToken(['*'])}` } });
  t.equal(res.status, 200);
  t.equal(res.headers.get('content-type'), 'text/event-stream');
  t.equal(await res.text(), '');
  t.equal(fastify.hub.subscriberCount, 0, 'no subscription was opened');
  t.equal((await fetch(`${url}/healthz`)).status, 200, 'and the connection is usable for the next request');
});

t.test('SSE headers, an immediate comment, then events in Mercure framing', async (t) => {
  const { url } = await hub(t, { MERCURE_ANONYMOUS: '1' });
  const client = await open(t, url, ['raw-topic']);
  t.equal(client.response.statusCode, 200);
  const h = client.response.headers;
  t.equal(h['content-type'], 'text/event-stream');
  t.equal(h['cache-control'], 'private, no-cache, no-store, must-revalidate, max-age=0');
  t.equal(h['x-accel-buffering'], 'no');
  t.equal(h['x-content-type-options'], 'nosniff');
  t.equal(h['last-event-id'], undefined, 'no Last-Event-ID asked for, none answered');
  t.equal(h['access-control-allow-origin'], undefined, 'no CORS unless configured');
  await client.until((c) => c.comments >= 1, 'the first comment');
  t.equal(client.events.length, 0);
  await publish(url, { topic: 'raw-topic', data: 'line 1\nline 2\n\nline 4', id: 'e1', type: 'greeting', retry: '2500' }, await publisherToken());
  await client.until((c) => c.events.length === 1, 'one event');
  t.same(client.events[0], { id: 'e1', event: 'greeting', retry: '2500', data: 'line 1\nline 2\n\nline 4' });
  t.match(client.raw, /^:\nevent: greeting\nretry: 2500\nid: e1\ndata: line 1\ndata: line 2\ndata: \ndata: line 4\n\n$/);
});

t.test('the token may come from the header, the query or the (configurable) cookie; private updates need rights', async (t) => {
  const { url } = await hub(t, { MERCURE_COOKIE_NAME: 'hubAuth', MERCURE_ANONYMOUS: '1' });
  const own = await subscriberToken([USER_SELECTOR]);
  const other = await subscriberToken(['https://chat.example.com/users/u2/{+rest}']);
  const viaHeader = await open(t, url, [TOPIC], { headers: { authorization: `Bearer ${own}` } });
  const viaQuery = await open(t, url, [TOPIC], { query: { authorization: own } });
  const viaCookie = await open(t, url, [TOPIC], { headers: { cookie: `theme=dark; hubAuth=${own}` } });
  const wrongCookieName = await open(t, url, [TOPIC], { headers: { cookie: `mercureAuthorization=${own}` } });
  const otherUser = await open(t, url, [TOPIC], { headers: { authorization: `Bearer ${other}` } });
  const anonymous = await open(t, url, [TOPIC]);
  const pub = await publisherToken();
  await publish(url, { topic: TOPIC, id: 'private-1', private: true }, pub);
  await publish(url, { topic: TOPIC, id: 'public-1' }, pub);
  for (const c of [viaHeader, viaQuery, viaCookie]) await c.until((c) => c.events.length === 2, 'both events');
  for (const c of [wrongCookieName, otherUser, anonymous]) await c.until((c) => c.events.length === 1, 'the public event');
  for (const c of [viaHeader, viaQuery, viaCookie]) t.same(c.events.map((e) => e.id), ['private-1', 'public-1']);
  for (const c of [wrongCookieName, otherUser, anonymous]) t.same(c.events.map((e) => e.id), ['public-1']);
});

t.test('reconnection with Last-Event-ID: no gap, no duplicate; header wins over query', async (t) => {
  const { url } = await hub(t);
  const token = await subscriberToken([USER_SELECTOR]);
  const headers = { authorization: `Bearer ${token}` };
  const pub = await publisherToken();
  const first = await open(t, url, [TOPIC], { headers });
  for (let i = 1; i <= 3; i++) await publish(url, { topic: TOPIC, id: `m:${i}`, data: `piece ${i}`, private: true }, pub);
  await first.until((c) => c.events.length === 3, 'three events');
  first.close();
  await first.untilEnded();
  for (let i = 4; i <= 6; i++) await publish(url, { topic: TOPIC, id: `m:${i}`, data: `piece ${i}`, private: true }, pub);
  const second = await open(t, url, [TOPIC], { headers: { ...headers, 'last-event-id': 'm:3' }, query: { lastEventID: 'm:1' } });
  t.equal(second.response.headers['last-event-id'], 'm:3');
  await second.until((c) => c.events.length === 3, 'the missed events');
  await publish(url, { topic: TOPIC, id: 'm:7', data: 'piece 7', private: true }, pub);
  await second.until((c) => c.events.length === 4, 'the live event');
  const all = [...first.events, ...second.events].map((e) => e.id);
  t.same(all, ['m:1', 'm:2', 'm:3', 'm:4', 'm:5', 'm:6', 'm:7']);
  const byQuery = await open(t, url, [TOPIC], { headers, query: { lastEventID: 'm:5' } });
  t.equal(byQuery.response.headers['last-event-id'], 'm:5');
  await byQuery.until((c) => c.events.length === 2, 'm:6 and m:7');
  t.same(byQuery.events.map((e) => e.id), ['m:6', 'm:7']);
  const earliest = await open(t, url, [TOPIC], { headers, query: { lastEventID: 'earliest' } });
  await earliest.until((c) => c.events.length === 7, 'all seven');
  const latest = await open(t, url, [TOPIC], { headers });
  t.equal(latest.response.headers['last-event-id'], undefined, 'a new subscriber is told no id it did not ask about');
});

t.test("the Last-Event-ID response header never reveals another subscriber's private update id", async (t) => {
  const { url } = await hub(t, { MERCURE_ANONYMOUS: '1' });
  const pub = await publisherToken();
  const own = `${TOPIC}-own`;
  await publish(url, { topic: TOPIC, id: 'secret-latest', private: true }, pub);
  const anonymous = await open(t, url, ['*']);
  t.equal(anonymous.response.headers['last-event-id'], undefined, 'an anonymous subscriber learns nothing');
  const stranger = await subscriberToken([own]);
  const member = await open(t, url, [own], { headers: { authorization: `Bearer ${stranger}` } });
  t.equal(member.response.headers['last-event-id'], undefined, 'nor does a signed-in person with other rights');
  const guess = await open(t, url, ['*'], { headers: { authorization: `Bearer ${stranger}`, 'last-event-id': 'secret-latest' } });
  t.equal(guess.response.headers['last-event-id'], 'earliest', 'a guessed private id is not confirmed');
  const empty = await open(t, url, [TOPIC], { headers: { 'last-event-id': '' } });
  t.equal(empty.response.headers['last-event-id'], undefined, 'an empty Last-Event-ID asks for nothing');
});

t.test('the stream is closed when the token expires', async (t) => {
  const { url } = await hub(t);
  const token = await new SignJWT({ mercure: { subscribe: ['*'] } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + 3)
    .sign(new TextEncoder().encode(SUBSCRIBER_KEY));
  const client = await open(t, url, ['a'], { headers: { authorization: `Bearer ${token}` } });
  t.equal(client.response.statusCode, 200);
  await client.untilEnded(15_000);
  t.ok(client.completed, 'ended cleanly, so the client reconnects with a fresh token');
  const again = await fetch(`${url}/.well-known/mercure?topic=a`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(again.status, 401, 'and cannot come back with the expired one');
});

t.test('heartbeats keep an idle stream alive; the write timeout ends it', async (t) => {
  const { url } = await hub(t, { MERCURE_ANONYMOUS: '1', MERCURE_HEARTBEAT: '100ms', MERCURE_WRITE_TIMEOUT: '1500ms' });
  const client = await open(t, url, ['a']);
  await client.until((c) => c.comments >= 4, 'heartbeats');
  t.equal(client.events.length, 0);
  await client.untilEnded(15_000);
  t.ok(client.completed, 'ended cleanly after its lifetime');
});

t.test('CORS only when configured, never * with credentials', async (t) => {
  const { url } = await hub(t, { MERCURE_ANONYMOUS: '1', MERCURE_CORS_ORIGINS: 'https://chat.example.com' });
  const allowed = await open(t, url, ['a'], { headers: { origin: 'https://chat.example.com' } });
  t.equal(allowed.response.headers['access-control-allow-origin'], 'https://chat.example.com');
  t.equal(allowed.response.headers['access-control-allow-credentials'], 'true');
  t.equal(allowed.response.headers['content-type'], 'text/event-stream');
  const other = await open(t, url, ['a'], { headers: { origin: 'https://evil.example' } });
  t.equal(other.response.headers['access-control-allow-origin'], undefined);
  const preflight = await fetch(`${url}/.well-known/mercure`, {
    method: 'OPTIONS',
    headers: { origin: 'https://chat.example.com', 'access-control-request-method': 'GET', 'access-control-request-headers': 'last-event-id' },
  });
  t.equal(preflight.status, 204);
  t.match(preflight.headers.get('access-control-allow-headers'), /Last-Event-ID/);
  t.equal(preflight.headers.get('access-control-allow-origin'), 'https://chat.example.com');
  const star = await hub(t, { MERCURE_ANONYMOUS: '1', MERCURE_CORS_ORIGINS: '*' });
  const any = await open(t, star.url, ['a'], { headers: { origin: 'https://anywhere.example' } });
  t.equal(any.response.headers['access-control-allow-origin'], 'https://anywhere.example', 'the origin is echoed, not *');
});

t.test('a subscriber that stops reading is dropped once its buffer is full; memory stays bounded', async (t) => {
  const sockets: Socket[] = [];
  const built = await buildHub({ MERCURE_ANONYMOUS: '1', MERCURE_HISTORY_SIZE: '4' }, (f) => {
    f.server.on('request', (req: IncomingMessage) => sockets.push(req.socket));
  });
  t.teardown(() => built.fastify.close());
  const { url, fastify } = built;
  const stalled = await open(t, url, ['flood']);
  stalled.response.pause();
  const healthy = await open(t, url, ['flood']);
  await stalled.until(() => sockets.length >= 2, 'two subscriptions');
  const [stalledSocket] = sockets;
  t.equal(fastify.hub.subscriberCount, 2);
  const pub = await publisherToken();
  const data = 'x'.repeat(64 * 1024);
  const published = 600; // ~39 MB: far beyond what the kernel's socket buffers absorb
  let maxBuffered = 0;
  for (let i = 0; i < published && fastify.hub.subscriberCount === 2; i++) {
    const res = await publish(url, { topic: 'flood', id: `f${i}`, data }, pub);
    t.equal(res.status, 200, `publish ${i}`, { diagnostic: res.status !== 200 });
    maxBuffered = Math.max(maxBuffered, stalledSocket!.writableLength);
  }
  t.equal(fastify.hub.subscriberCount, 1, 'the stalled subscriber was dropped');
  t.ok(stalledSocket!.destroyed, 'its connection was closed');
  t.ok(maxBuffered <= DEFAULT_MAX_BUFFERED_BYTES + 80 * 1024, `user-space buffer stayed bounded (max ${maxBuffered} bytes)`);
  await publish(url, { topic: 'flood', id: 'last', data: 'end' }, pub);
  await healthy.until((c) => c.events.at(-1)?.id === 'last', 'the healthy subscriber to get everything', 60_000);
  const ids = healthy.events.map((e) => e.id);
  t.equal(new Set(ids).size, ids.length, 'no duplicates for the healthy one');
  t.equal(ids.length, ids.indexOf('last') + 1);
});

t.test('graceful shutdown ends open streams cleanly and close() resolves', async (t) => {
  const built = await buildHub({ MERCURE_ANONYMOUS: '1' });
  const client = await open(t, built.url, ['a']);
  await client.until((c) => c.comments >= 1, 'open');
  await built.fastify.close();
  await client.untilEnded();
  t.ok(client.completed, 'the response ended with its terminator, not a reset');
  await t.rejects(fetch(`${built.url}/healthz`), 'no longer listening');
});

t.test('shutdown does not wait forever for a client that never closes its side', async (t) => {
  const { connect } = await import('node:net');
  const built = await buildHub({ MERCURE_ANONYMOUS: '1' });
  const socket = connect({ host: '127.0.0.1', port: Number(new URL(built.url).port), allowHalfOpen: true });
  t.teardown(() => socket.destroy());
  let received = '';
  let sawEnd = false;
  socket.setEncoding('utf8').on('data', (d: string) => (received += d));
  socket.on('end', () => (sawEnd = true)); // and, half-open, we never end our side
  socket.write('GET /.well-known/mercure?topic=a HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise<void>((resolve) => socket.on('data', () => received.includes('\r\n\r\n2\r\n:\n') && resolve()));
  // Without the grace timer this close() would never resolve and the test would time out.
  await built.fastify.close();
  t.pass('close() resolved although the client kept its side open');
  t.ok(sawEnd, 'the hub ended the stream');
  t.match(received, /0\r\n\r\n$/, 'with the last chunk');
});

t.test('RS256 keys for publishers and subscribers, configured separately', async (t) => {
  const publisher = rsaKeys();
  const subscriber = rsaKeys();
  const { url } = await hub(t, {
    MERCURE_PUBLISHER_JWT_ALG: 'RS256',
    MERCURE_PUBLISHER_JWT_KEY: publisher.publicPem,
    MERCURE_SUBSCRIBER_JWT_ALG: 'RS256',
    MERCURE_SUBSCRIBER_JWT_KEY: subscriber.publicPem,
  });
  const sign = (claims: Record<string, unknown>, key: import('node:crypto').KeyObject) => new SignJWT(claims).setProtectedHeader({ alg: 'RS256' }).sign(key);
  const client = await open(t, url, [TOPIC], { headers: { authorization: `Bearer ${await sign({ mercure: { subscribe: [USER_SELECTOR] } }, subscriber.privateKey)}` } });
  t.equal(client.response.statusCode, 200);
  const swapped = await publish(url, { topic: TOPIC, id: 'x' }, await sign({ mercure: { publish: ['*'] } }, subscriber.privateKey));
  t.equal(swapped.status, 401, "the subscriber's key cannot publish");
  t.equal((await publish(url, { topic: TOPIC, id: 'x' }, await publisherToken())).status, 401, 'an HS256 token is refused');
  const ok = await publish(url, { topic: TOPIC, id: 'rs-1', private: true }, await sign({ mercure: { publish: ['*'] } }, publisher.privateKey));
  t.equal(ok.status, 200);
  await client.until((c) => c.events.length === 1, 'the private event');
  t.equal(client.events[0]!.id, 'rs-1');
});

t.test('a reconnecting client with a large backlog gets all of it; only a slow live client is dropped', async (t) => {
  const { url, fastify } = await hub(t, { MERCURE_ANONYMOUS: '1', MERCURE_HISTORY_SIZE: '300' });
  const pub = await publisherToken();
  const data = 'y'.repeat(64 * 1024);
  for (let i = 0; i < 200; i++) t.equal((await publish(url, { topic: 'backlog', id: `k${i}`, data }, pub)).status, 200, `publish ${i}`, { diagnostic: false });
  // ~13 MB of history: far more than the per-subscriber buffer, all of it owed to a client that reads.
  const client = await open(t, url, ['backlog'], { query: { lastEventID: 'earliest' } });
  await client.until((c) => c.events.length === 200, 'the whole backlog', 60_000);
  t.same(client.events.map((e) => e.id), Array.from({ length: 200 }, (_, i) => `k${i}`));
  t.equal(fastify.hub.subscriberCount, 1, 'still connected');
  await publish(url, { topic: 'backlog', id: 'live' }, pub);
  await client.until((c) => c.events.at(-1)?.id === 'live', 'the live event after the backlog');
});

t.test('a subscriber with a pathological topic selector cannot stall delivery to anyone', async (t) => {
  const { url } = await hub(t);
  const token = await subscriberToken([USER_SELECTOR]);
  const headers = { authorization: `Bearer ${token}` };
  // With a backtracking matcher, each publish below spent hours testing this selector.
  const hostile = await open(t, url, [`${'{+a}'.repeat(12)}x`, `${'{+a}/'.repeat(12)}x`], { headers });
  t.equal(hostile.response.statusCode, 200);
  const victim = await open(t, url, [TOPIC], { headers });
  const pub = await publisherToken();
  for (let i = 1; i <= 3; i++) t.equal((await publish(url, { topic: TOPIC, id: `u${i}`, private: true }, pub)).status, 200);
  await victim.until((c) => c.events.length === 3, 'all three updates');
  t.same(victim.events.map((e) => e.id), ['u1', 'u2', 'u3']);
  t.same(hostile.events, [], 'the selector matches nothing here');
});
