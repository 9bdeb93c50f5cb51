import t from 'tap';
import { buildHub } from '../helper.js';

t.test('GET /healthz answers 200 {"status":"ok"}', async (t) => {
  const { fastify, url } = await buildHub();
  t.teardown(() => fastify.close());
  const res = await fetch(`${url}/healthz`);
  t.equal(res.status, 200);
  t.same(await res.json(), { status: 'ok' });
  const unknown = await fetch(`${url}/nope`);
  t.equal(unknown.status, 404);
  t.match(await unknown.text(), /Nothing here: GET \/nope/);
});
