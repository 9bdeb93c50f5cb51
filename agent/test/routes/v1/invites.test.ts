import t from 'tap';
import { buildAgent, PASSWORD, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(120_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
const member = await registerUser(agent, 'member');

t.test('an admin makes invites that work once', async (t) => {
  const response = await agent.call('POST', '/v1/invites', { userId: admin.id, body: {} });
  t.equal(response.statusCode, 201);
  const invite = response.json();
  t.match(invite, { code: /^[A-Za-z0-9_-]{20,}$/, role: 'member', expiresAt: String });
  const hours = (Date.parse(invite.expiresAt) - Date.now()) / 3_600_000;
  t.ok(hours > 167 && hours <= 168, 'expires in 7 days by default');

  const register = await agent.call('POST', '/v1/users', { body: { inviteCode: invite.code, username: 'invited', displayName: 'Invited', password: PASSWORD } });
  t.equal(register.statusCode, 201);
  t.equal(register.json().user.role, 'member');
});

t.test('a request without a body takes the defaults', async (t) => {
  const response = await agent.call('POST', '/v1/invites', { userId: admin.id });
  t.equal(response.statusCode, 201);
  t.equal(response.json().role, 'member');
});

t.test('role and lifetime can be chosen', async (t) => {
  const response = await agent.call('POST', '/v1/invites', { userId: admin.id, body: { role: 'admin', ttlHours: 2 } });
  t.equal(response.statusCode, 201);
  t.equal(response.json().role, 'admin');
  const hours = (Date.parse(response.json().expiresAt) - Date.now()) / 3_600_000;
  t.ok(hours > 1.9 && hours <= 2);
});

t.test('only admins make invites', async (t) => {
  const response = await agent.call('POST', '/v1/invites', { userId: member.id, body: {} });
  t.equal(response.statusCode, 403);
  t.match(response.json(), { code: 'admin_only', message: /Only an admin/ });
  const unknown = await agent.call('POST', '/v1/invites', { userId: 'nosuchuser', body: {} });
  t.equal(unknown.statusCode, 401);
  t.match(unknown.json(), { code: 'unknown_user' });
  const huge = await agent.call('POST', '/v1/invites', { userId: 'a'.repeat(3_000), body: {} });
  t.equal(huge.statusCode, 400, 'an id no account could have is refused before any lookup');
  t.match(huge.json(), { code: 'validation', message: /not a user id/ });
  const missing = await agent.call('POST', '/v1/invites', { body: {} });
  t.equal(missing.statusCode, 400);
  t.match(missing.json(), { code: 'validation', message: /x-user-id/ });
});

t.test('bad input is a 400 naming the field', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['unknown role', { role: 'owner' }, /"role" must be one of "admin", "member"/],
    ['zero hours', { ttlHours: 0 }, /"ttlHours" must be at least 1/],
    ['too many hours', { ttlHours: 10_000 }, /"ttlHours" must be at most 2160/],
    ['hours as text', { ttlHours: '5' }, /"ttlHours" must be an integer/],
    ['fractional hours', { ttlHours: 1.5 }, /"ttlHours" must be an integer/],
    ['a list as the body', ['admin'], /request body must be an object/],
  ];
  for (const [name, body, message] of cases) {
    const response = await agent.call('POST', '/v1/invites', { userId: admin.id, body });
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { code: 'validation', message }, name);
  }
});
