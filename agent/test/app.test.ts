import t from 'tap';
import { buildAgent, SERVICE_KEY, startStandIns } from './helper.js';

t.setTimeout(120_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);

t.test('GET /healthz answers without a key', async (t) => {
  const response = await agent.app.inject({ method: 'GET', url: '/healthz' });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { status: 'ok' });
});

t.test('every other route needs the service key', async (t) => {
  const cases: Array<[string, Record<string, string>]> = [
    ['no header', {}],
    ['wrong key', { authorization: `Bearer ${SERVICE_KEY}x` }],
    ['a prefix of the key', { authorization: `Bearer ${SERVICE_KEY.slice(0, 10)}` }],
    ['not a bearer', { authorization: `Basic ${SERVICE_KEY}` }],
  ];
  for (const [name, headers] of cases) {
    for (const [method, url] of [
      ['GET', '/v1/conversations'],
      ['POST', '/v1/users'],
      ['POST', '/v1/sessions'],
      ['GET', '/v1/nowhere'],
    ] as const) {
      const response = await agent.app.inject({ method, url, headers: { ...headers, 'x-user-id': 'abc' }, payload: method === 'POST' ? {} : undefined });
      t.equal(response.statusCode, 401, `${name}: ${method} ${url}`);
      t.match(response.json(), { statusCode: 401, code: 'unauthorized', message: /service key/, requestId: String });
    }
  }
});

t.test('an unknown route is a 404 with the error shape', async (t) => {
  const response = await agent.call('GET', '/v1/nowhere');
  t.equal(response.statusCode, 404);
  t.match(response.json(), { statusCode: 404, code: 'not_found', message: /GET \/v1\/nowhere/ });
});

t.test('bad JSON and a wrong content type are 4xx with a message', async (t) => {
  const badJson = await agent.call('POST', '/v1/sessions', { body: '{"username":', headers: { 'content-type': 'application/json' } });
  t.equal(badJson.statusCode, 400);
  t.match(badJson.json(), { code: 'bad_request', message: /JSON/i });
  const huge = await agent.call('POST', '/v1/sessions', { body: { username: 'x', password: 'y'.repeat(300 * 1024) } });
  t.equal(huge.statusCode, 413);
  t.match(huge.json(), { code: 'payload_too_large', message: String });
  const text = await agent.call('POST', '/v1/sessions', { body: 'username=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  t.equal(text.statusCode, 415);
  t.match(text.json(), { code: 'unsupported_media_type', message: String });
});

t.test('the authorization header never reaches the logs', async (t) => {
  await agent.app.inject({ method: 'GET', url: '/v1/conversations', headers: { authorization: `Bearer ${SERVICE_KEY}`, 'x-user-id': 'nobody' } });
  t.notOk(agent.logs.raw.some((line) => line.includes(SERVICE_KEY)), 'the key is not in any log line');
});
