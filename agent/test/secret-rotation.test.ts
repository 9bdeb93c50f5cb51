import t from 'tap';
import { startSecretsManager } from '../../local/src/secrets-manager.js';
import { SecretKeys } from '../src/plugins/app/agent-secrets.js';
import { buildAgent, PUBLISHER_KEY, SERVICE_KEY, startStandIns } from './helper.js';

// dynalite and the real SDK on a shared machine: the default 30 s is too tight.
t.setTimeout(180_000);

const SECRET = 'homeagent/agent';
const NEW_SERVICE_KEY = 'rotated-service-key-0123456789-abcdefghijklmnop';
const NEW_PUBLISHER_KEY = 'rotated-publisher-key-0123456789-abcdefghijklmnop';

t.test('SecretKeys: the previous keys are accepted during the overlap, then no more', async (t) => {
  let now = 1_000;
  const keys = new SecretKeys({ serviceKey: 'a', mercurePublisherJwtKey: 'p' }, 60_000, () => now);
  t.same(keys.update({ serviceKey: 'a', mercurePublisherJwtKey: 'p' }), [], 'the same value is no rotation');
  t.same(keys.update({ serviceKey: 'b', mercurePublisherJwtKey: 'p' }), ['serviceKey']);
  t.same(keys.serviceKeys(), ['b', 'a'], 'current first, previous during the overlap');
  t.same(keys.publisherKeys(), ['p'], 'an unchanged key is listed once');
  now += 60_000;
  t.same(keys.serviceKeys(), ['b'], 'after the overlap only the current key');
});

t.test('the secret rotated mid-run: no call from the app and no publish to the hub is lost', async (t) => {
  // The hub, like the app, got its keys when the task started: it still verifies with the old publisher key.
  const standIns = await startStandIns(t, { hub: true });
  const stand = await startSecretsManager({ secrets: { [SECRET]: JSON.stringify({ serviceKey: SERVICE_KEY, mercurePublisherJwtKey: PUBLISHER_KEY }) } });
  t.teardown(() => stand.close());
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = stand.url;
  const agent = await buildAgent(t, standIns, { AGENT_SECRET_ID: SECRET, AGENT_SECRET_REFRESH_S: '1', AGENT_SECRET_OVERLAP_S: '600' });
  const asApp = (key: string) => agent.app.inject({ method: 'GET', url: '/v1/sessions/no-such-session-0123456789', headers: { authorization: `Bearer ${key}` } });
  t.equal((await asApp(SERVICE_KEY)).statusCode, 404, 'before: the boot key is accepted');
  t.equal((await asApp(NEW_SERVICE_KEY)).statusCode, 401, 'before: the next key is not');

  stand.put(SECRET, JSON.stringify({ serviceKey: NEW_SERVICE_KEY, mercurePublisherJwtKey: NEW_PUBLISHER_KEY }));
  const rotated = await agent.logs.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('agent secret rotated'));
  t.same(rotated.changed, ['serviceKey', 'mercurePublisherJwtKey'], 'the log names what changed');
  t.notOk(agent.logs.raw.join('\n').includes(NEW_SERVICE_KEY) || agent.logs.raw.join('\n').includes(NEW_PUBLISHER_KEY), 'never the values');

  t.equal((await asApp(NEW_SERVICE_KEY)).statusCode, 404, 'after: the new key is accepted');
  t.equal((await asApp(SERVICE_KEY)).statusCode, 404, 'and the previous one still, during the overlap (the app has not restarted)');
  t.equal((await asApp('some-other-key-0123456789-abcdefghijklmnop')).statusCode, 401, 'anything else is refused');
  const published = await agent.app.hub.publish({ topic: `${standIns.hub!.url}/t`, data: 'after rotation', id: 'rotation-1' });
  t.ok(published, 'the hub (still on the old publisher key) takes the publish: the previous key is tried after its 401');
});

t.test('with no overlap, the previous service key is refused at once', async (t) => {
  const standIns = await startStandIns(t);
  const stand = await startSecretsManager({ secrets: { [SECRET]: JSON.stringify({ serviceKey: SERVICE_KEY, mercurePublisherJwtKey: PUBLISHER_KEY }) } });
  t.teardown(() => stand.close());
  process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = stand.url;
  const agent = await buildAgent(t, standIns, { AGENT_SECRET_ID: SECRET, AGENT_SECRET_REFRESH_S: '1', AGENT_SECRET_OVERLAP_S: '0' });
  stand.put(SECRET, JSON.stringify({ serviceKey: NEW_SERVICE_KEY, mercurePublisherJwtKey: PUBLISHER_KEY }));
  await agent.logs.waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('agent secret rotated'));
  const old = await agent.app.inject({ method: 'GET', url: '/v1/sessions/x0123456789', headers: { authorization: `Bearer ${SERVICE_KEY}` } });
  t.equal(old.statusCode, 401);
});
