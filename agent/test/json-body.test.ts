import t from 'tap';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from '../src/json-body-parser.js';
import { buildAgent, startStandIns } from './helper.js';

// dynalite and the real SDK on a shared machine: the default 30 s is too tight.
t.setTimeout(180_000);

t.test('jsonDepthExceeds counts brackets outside strings only', async (t) => {
  t.notOk(jsonDepthExceeds('{"a":[1,{"b":2}]}', 3));
  t.ok(jsonDepthExceeds('{"a":[1,{"b":[]}]}', 3));
  t.notOk(jsonDepthExceeds(JSON.stringify({ a: '[[[[{{{{' }), 1), 'brackets inside a string do not count');
  t.notOk(jsonDepthExceeds(JSON.stringify({ a: 'quote \\" [[[[' }), 1), 'nor after an escaped quote');
});

t.test('a body nested 10,000 levels deep is a 400 with a clear message, not a 500', async (t) => {
  const standIns = await startStandIns(t);
  const agent = await buildAgent(t, standIns);
  const deep = `{"inviteCode":${'['.repeat(10_000)}${']'.repeat(10_000)},"username":"x","displayName":"x","password":"x"}`;
  const res = await agent.call('POST', '/v1/users', { body: deep, headers: { 'content-type': 'application/json' } });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { code: 'json_too_deep', message: new RegExp(`more than ${MAX_JSON_DEPTH} levels`) });
  const ok = `{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`;
  const shallow = await agent.call('POST', '/v1/users', { body: ok, headers: { 'content-type': 'application/json' } });
  t.equal(shallow.statusCode, 400, 'within the bound the body reaches validation');
  t.equal(shallow.json().code, 'validation');
  const poisoned = await agent.call('POST', '/v1/users', { body: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } });
  t.equal(poisoned.statusCode, 400, "Fastify's prototype-poisoning guard still applies");
  t.equal((await agent.call('GET', '/healthz')).statusCode, 200, 'and the agent is still up');
});
