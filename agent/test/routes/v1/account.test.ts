import t from 'tap';
import { buildAgent, PASSWORD, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(180_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const person = await registerUser(agent, 'member');
const other = await registerUser(agent, 'member');

const signIn = (username: string, password = PASSWORD, userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0') =>
  agent.call('POST', '/v1/sessions', { body: { username, password }, headers: { 'x-client-user-agent': userAgent, 'x-client-address': '192.0.2.7' } });

t.test('display name: changed, trimmed, blank refused', async (t) => {
  const changed = await agent.call('PUT', '/v1/account/display-name', { userId: person.id, body: { displayName: '  Ada L.  ' } });
  t.equal(changed.statusCode, 200);
  t.equal(changed.json().user.displayName, 'Ada L.');
  const blank = await agent.call('PUT', '/v1/account/display-name', { userId: person.id, body: { displayName: '   ' } });
  t.equal(blank.statusCode, 400);
  t.equal((await agent.app.users.get(person.id))?.displayName, 'Ada L.', 'unchanged by the refusal');
});

t.test('sessions: listed with device and address, one ended by handle, never another person’s', async (t) => {
  const first = (await signIn(person.username)).json().session;
  const second = (await signIn(person.username, PASSWORD, 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Safari/605.1')).json().session;
  const list = await agent.call('GET', '/v1/account/sessions', { userId: person.id });
  const sessions = list.json().sessions as Array<{ handle: string; userAgent?: string; address?: string }>;
  t.ok(sessions.length >= 2);
  t.match(sessions[0], { userAgent: /iPhone/, address: '192.0.2.7', handle: /^[A-Za-z0-9_-]{43}$/ });
  t.notOk(list.body.includes(first.id) || list.body.includes(second.id), 'the list never carries a session id');
  const foreign = await agent.call('DELETE', `/v1/account/sessions/${sessions[0]!.handle}`, { userId: other.id });
  t.equal(foreign.statusCode, 404, 'another person cannot end it');
  t.equal((await agent.call('GET', `/v1/sessions/${second.id}`)).statusCode, 200);
  const ended = await agent.call('DELETE', `/v1/account/sessions/${sessions[0]!.handle}`, { userId: person.id });
  t.equal(ended.statusCode, 204);
  t.equal((await agent.call('GET', `/v1/sessions/${second.id}`)).statusCode, 404);
  t.equal((await agent.call('GET', `/v1/sessions/${first.id}`)).statusCode, 200, 'the other one stands');
});

t.test('password: the current one is required; every other session ends', async (t) => {
  const keep = (await signIn(person.username)).json().session;
  const other1 = (await signIn(person.username)).json().session;
  const wrong = await agent.call('PUT', '/v1/account/password', { userId: person.id, body: { currentPassword: 'not it at all', newPassword: 'a new long password', sessionId: keep.id } });
  t.equal(wrong.statusCode, 400);
  t.match(wrong.json(), { code: 'wrong_password', message: /current password is not right/ });
  t.equal((await agent.call('GET', `/v1/sessions/${other1.id}`)).statusCode, 200, 'nothing ended by a refusal');
  t.equal((await signIn(person.username)).statusCode, 201, 'the old password still works');

  const changed = await agent.call('PUT', '/v1/account/password', { userId: person.id, body: { currentPassword: PASSWORD, newPassword: 'a new long password', sessionId: keep.id } });
  t.equal(changed.statusCode, 204);
  t.equal((await agent.call('GET', `/v1/sessions/${keep.id}`)).statusCode, 200, 'this session stays');
  t.equal((await agent.call('GET', `/v1/sessions/${other1.id}`)).statusCode, 404, 'the others end');
  t.equal((await signIn(person.username)).statusCode, 401);
  t.equal((await signIn(person.username, 'a new long password')).statusCode, 201);
});

t.test('one’s own sign-ins come from the audit trail, failed ones with the username tried', async (t) => {
  await signIn(person.username, 'wrong password here');
  await signIn('nobody-here', 'wrong password here');
  const mine = await agent.call('GET', '/v1/audit/mine?limit=10', { userId: person.id });
  t.equal(mine.statusCode, 200);
  const entries = mine.json().entries as Array<{ action: string; actor: { userId?: string }; userAgent?: string; address?: string; outcome: string }>;
  t.ok(entries.every((e) => e.actor.userId === person.id), 'only their own');
  t.match(entries[0], { action: 'sign_in.failed', outcome: 'refused', userAgent: /Firefox/, address: '192.0.2.7' });
  t.ok(entries.some((e) => e.action === 'sign_in.succeeded'));
  t.ok(entries.some((e) => e.action === 'password.changed'));
  t.notOk(mine.body.includes('wrong password here'), 'no password in the trail');
  t.notOk(agent.logs.raw.some((l) => l.includes('wrong password here') || l.includes('a new long password')), 'nor in the logs');
  const anonymous = agent.logs.lines.find((l) => (l.audit as { detail?: { usernameTried?: string } } | undefined)?.detail?.usernameTried === 'nobody-here');
  t.ok(anonymous, 'a failed sign-in of an unknown name is logged with the name tried');
});
