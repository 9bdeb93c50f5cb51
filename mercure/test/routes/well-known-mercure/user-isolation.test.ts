import t from 'tap';
import { buildHub, hs256, publish, publisherToken, SseClient, SUBSCRIBER_KEY, subscriberToken } from '../../helper.js';

/**
 * The app gives each person a cookie allowed `${PUBLIC_URL}/users/<id>/{+rest}`.
 * Whatever topic selectors, encodings or Last-Event-ID that person sends, no
 * private update of another person may reach them — live or replayed.
 */
t.setTimeout(120_000);
const BASE = 'https://chat.example.com';
const ALICE = `${BASE}/users/alice/{+rest}`;
const BOB_TOPIC = `${BASE}/users/bob/conversations/c1`;
const ALICE_TOPIC = `${BASE}/users/alice/conversations/c9`;

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

// Every selector here matches Bob's topic as a *topic selector*; only the JWT rights must stop it.
const TRICKS = [
  '*',
  BOB_TOPIC,
  `${BASE}/users/{user}/conversations/{id}`,
  `${BASE}/users/{+rest}`,
  `${BASE}{+rest}`,
  '{+anything}',
  '{#anything}',
  `${BASE}/users/alice/../bob/conversations/c1`,
  `${BASE}/users/alice/{+rest}`,
  `${BASE}/users/%62ob/conversations/c1`,
];

t.test('Alice never receives Bob\'s private updates live, whatever topic selector she asks for', async (t) => {
  const { url } = await hub(t);
  const token = await subscriberToken([ALICE]);
  const alice = await open(t, url, TRICKS, { headers: { authorization: `Bearer ${token}` } });
  t.equal(alice.response.statusCode, 200);
  const pub = await publisherToken();
  await publish(url, { topic: BOB_TOPIC, id: 'bob-1', data: 'secret', private: true }, pub);
  // Topics are compared as strings, as in the Go hub: no normalisation can turn Bob's topic into Alice's.
  // (An update naming one of Alice's topics among its alternates is addressed to her, by the protocol.)
  await publish(url, { topic: [`${BASE}/users/bob/../alice/x`, `${BASE}/users/bob/conversations/c1?x=1`], id: 'bob-2', private: true }, pub);
  await publish(url, { topic: `${BASE}/users/bob/conversations/c1?u=/users/alice/x`, id: 'bob-3', private: true }, pub);
  // Alice's own update comes last: once she has it, anything of Bob's would already have arrived.
  await publish(url, { topic: ALICE_TOPIC, id: 'alice-1', private: true }, pub);
  await alice.until((c) => c.events.some((e) => e.id === 'alice-1'), 'her own update');
  t.same(alice.events.map((e) => e.id), ['alice-1']);
});

t.test('the Last-Event-ID replay filters by rights exactly like live updates', async (t) => {
  const { url } = await hub(t);
  const pub = await publisherToken();
  await publish(url, { topic: ALICE_TOPIC, id: 'start', private: true }, pub);
  await publish(url, { topic: BOB_TOPIC, id: 'bob-1', private: true }, pub);
  await publish(url, { topic: ALICE_TOPIC, id: 'alice-1', private: true }, pub);
  await publish(url, { topic: BOB_TOPIC, id: 'bob-2', private: true }, pub);
  await publish(url, { topic: BOB_TOPIC, id: 'public-1' }, pub);
  const token = await subscriberToken([ALICE]);
  for (const [how, options] of [
    ['header', { headers: { authorization: `Bearer ${token}`, 'last-event-id': 'start' } }],
    ['query', { headers: { authorization: `Bearer ${token}` }, query: { lastEventID: 'start' } }],
    ['earliest', { headers: { authorization: `Bearer ${token}` }, query: { lastEventID: 'earliest' } }],
  ] as const) {
    const alice = await open(t, url, ['*'], options);
    await alice.until((c) => c.events.some((e) => e.id === 'public-1'), `the replay (${how})`);
    const expected = how === 'earliest' ? ['start', 'alice-1', 'public-1'] : ['alice-1', 'public-1'];
    t.same(alice.events.map((e) => e.id), expected, `only her own and public updates (${how})`);
  }
});

t.test('without anonymous access, a request with no JWT cannot subscribe at all', async (t) => {
  const { url } = await hub(t);
  const anonymous = await open(t, url, ['*']);
  t.equal(anonymous.response.statusCode, 401);
  const emptyCookie = await open(t, url, ['*'], { headers: { cookie: 'mercureAuthorization=' } });
  t.equal(emptyCookie.response.statusCode, 401);
});

t.test('a subscriber JWT cannot publish, even one that claims publish rights', async (t) => {
  const { url } = await hub(t);
  const forged = await hs256({ mercure: { publish: ['*'], subscribe: ['*'] } }, SUBSCRIBER_KEY);
  const viaHeader = await publish(url, { topic: ALICE_TOPIC, data: 'x' }, forged);
  t.equal(viaHeader.status, 401);
  const viaCookie = await publish(url, { topic: ALICE_TOPIC, data: 'x' }, undefined, { cookie: `mercureAuthorization=${forged}`, origin: BASE });
  t.equal(viaCookie.status, 401);
});

t.test('CR, LF and NUL in id or type are refused with 400 before anything is sent', async (t) => {
  const { url } = await hub(t);
  const token = await subscriberToken([ALICE]);
  const alice = await open(t, url, [ALICE_TOPIC], { headers: { authorization: `Bearer ${token}` } });
  const pub = await publisherToken();
  for (const field of [{ id: 'a\nevent: done' }, { id: 'a\r' }, { id: 'a\0' }, { type: 'x\ndata: forged' }, { type: 'x\r' }, { type: 'x\0' }]) {
    const res = await publish(url, { topic: ALICE_TOPIC, data: 'x', private: true, ...field }, pub);
    t.equal(res.status, 400, JSON.stringify(field));
  }
  await publish(url, { topic: ALICE_TOPIC, id: 'ok', data: 'line 1\r\nevent: forged\nid: forged', private: true }, pub);
  await alice.until((c) => c.events.length === 1, 'the one valid update');
  t.same(alice.events, [{ id: 'ok', data: 'line 1\nevent: forged\nid: forged' }], 'multi-line data stays data');
});
