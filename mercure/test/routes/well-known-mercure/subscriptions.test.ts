import t from 'tap';
import { buildHub, SseClient, subscriberToken } from '../../helper.js';

t.setTimeout(60_000);
const PATH = '/.well-known/mercure/subscriptions';

t.test('the subscription API is off by default', async (t) => {
  const { fastify, url } = await buildHub();
  t.teardown(() => fastify.close());
  const res = await fetch(`${url}${PATH}`, { headers: { authorization: `Bearer ${await subscriberToken(['*'])}` } });
  t.equal(res.status, 404);
  t.match(await res.text(), /MERCURE_SUBSCRIPTIONS/);
});

t.test('lists subscriptions as JSON-LD, filtered by topic and subscriber, for a JWT allowed to see them', async (t) => {
  const { fastify, url } = await buildHub({ MERCURE_SUBSCRIPTIONS: '1', MERCURE_ANONYMOUS: '1' });
  t.teardown(() => fastify.close());
  const a = await SseClient.open(url, ['https://example.com/a', 'https://example.com/b']);
  const b = await SseClient.open(url, ['https://example.com/a']);
  t.teardown(() => { a.close(); b.close(); });
  await a.until(() => fastify.hub.subscriberCount === 2, 'two subscribers');
  const admin = { authorization: `Bearer ${await subscriberToken([`${PATH}{/topic}{/subscriber}`])}` };

  const all = await fetch(`${url}${PATH}`, { headers: admin });
  t.equal(all.status, 200);
  t.match(all.headers.get('content-type'), /^application\/ld\+json/);
  const body = await all.json();
  t.equal(body['@context'], 'https://mercure.rocks/');
  t.equal(body.type, 'Subscriptions');
  t.equal(body.id, PATH);
  t.type(body.lastEventID, 'string');
  t.equal(body.subscriptions.length, 3);
  t.ok(body.subscriptions.every((s: { active: boolean; type: string }) => s.active && s.type === 'Subscription'));

  const topicA = await (await fetch(`${url}${PATH}/${encodeURIComponent('https://example.com/a')}`, { headers: admin })).json();
  t.equal(topicA.subscriptions.length, 2);
  const one = topicA.subscriptions[0];
  const single = await fetch(`${url}${PATH}/${encodeURIComponent(one.topic)}/${encodeURIComponent(one.subscriber)}`, { headers: admin });
  t.equal(single.status, 200);
  const doc = await single.json();
  t.equal(doc.subscriber, one.subscriber);
  t.equal(doc.id, one.id);
  const missing = await fetch(`${url}${PATH}/${encodeURIComponent('https://example.com/a')}/${encodeURIComponent('urn:uuid:nobody')}`, { headers: admin });
  t.equal(missing.status, 404);

  t.equal((await fetch(`${url}${PATH}`)).status, 401, 'no token');
  const narrow = await fetch(`${url}${PATH}`, { headers: { authorization: `Bearer ${await subscriberToken(['https://example.com/a'])}` } });
  t.equal(narrow.status, 401, 'a token without rights on the subscriptions path');
  t.match(narrow.headers.get('www-authenticate'), /Bearer/);
});
