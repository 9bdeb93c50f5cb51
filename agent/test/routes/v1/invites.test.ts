import t from 'tap';
import { hashToken } from '../../../src/token-hash.js';
import { buildAgent, PASSWORD, registerUser, startStandIns } from '../../helper.js';
import { InvitesRepository } from '../../../src/plugins/app/invites-repository.js';

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

t.test('admins list open invites, newest first; used and expired ones are left out', async (t) => {
  const fresh = agent;
  const owner = admin;
  const made: string[] = [];
  for (const body of [{ role: 'member' }, { role: 'admin', ttlHours: 3 }, {}]) {
    const response = await fresh.call('POST', '/v1/invites', { userId: owner.id, body });
    t.equal(response.statusCode, 201);
    made.push(hashToken(response.json().code));
  }
  // One used, one expired (written as an admin's invite would be, an hour in the past).
  const used = await fresh.app.invites.create({ role: 'member' });
  t.equal((await fresh.call('POST', '/v1/users', { body: { inviteCode: used.code, username: 'usedone', displayName: 'U', password: PASSWORD } })).statusCode, 201);
  const expired = await fresh.app.invites.create({ role: 'member', ttlHours: 1 });
  const later = Date.now() + 2 * 3_600_000;

  const list = await fresh.call('GET', '/v1/invites', { userId: owner.id });
  t.equal(list.statusCode, 200);
  const invites = list.json().invites as Array<{ id: string; role: string; createdAt: string; expiresAt: string }>;
  const codes = invites.map((i) => i.id);
  t.notOk(codes.includes(used.id), 'a used invite is not listed');
  const ours = codes.filter((code) => made.includes(code) || code === expired.id);
  t.same(ours, [expired.id, ...[...made].reverse()], 'newest first');
  const sorted = [...invites].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  t.same(invites.map((i) => i.createdAt), sorted.map((i) => i.createdAt), 'the whole list is newest first');
  t.match(invites.find((i) => i.id === made[1]), { role: 'admin', createdAt: String, expiresAt: String });
  t.notOk(list.body.includes(used.code) || list.body.includes(expired.code), 'the list never carries a code');
  for (const invite of invites) t.ok(invite.createdAt <= new Date().toISOString() && invite.expiresAt > invite.createdAt);

  const afterExpiry = await fresh.app.invites.listOpen(later);
  t.notOk(afterExpiry.some((i) => i.id === expired.id), 'an expired invite is left out (dynalite never sweeps it)');
  t.same(afterExpiry.filter((i) => made.includes(i.id)).map((i) => i.id), [...made].reverse(), 'the 3-hour and 7-day ones remain two hours later');
  t.notOk(afterExpiry.some((i) => Date.parse(i.expiresAt) <= later), 'nothing listed has expired by then');
});

t.test('admins revoke an open invite: it stops working and leaves the list', async (t) => {
  const response = await agent.call('POST', '/v1/invites', { userId: admin.id, body: {} });
  const { code } = response.json();
  const id = hashToken(code);
  const revoked = await agent.call('DELETE', `/v1/invites/${id}`, { userId: admin.id });
  t.equal(revoked.statusCode, 204);
  t.equal(revoked.body, '');
  const list = await agent.call('GET', '/v1/invites', { userId: admin.id });
  t.notOk((list.json().invites as Array<{ id: string }>).some((i) => i.id === id));
  const register = await agent.call('POST', '/v1/users', { body: { inviteCode: code, username: 'toolate', displayName: 'Late', password: PASSWORD } });
  t.equal(register.statusCode, 400);
  t.match(register.json(), { code: 'invite_invalid' });

  const again = await agent.call('DELETE', `/v1/invites/${id}`, { userId: admin.id });
  t.equal(again.statusCode, 404, 'revoking twice: nothing to revoke');
  t.match(again.json(), { code: 'not_found', message: /no open invite with that code/ });
});

t.test('a used or unknown invite cannot be revoked (404), and the used one stays as it was', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  t.equal((await agent.call('POST', '/v1/users', { body: { inviteCode: invite.code, username: 'keeper', displayName: 'K', password: PASSWORD } })).statusCode, 201);
  const used = await agent.call('DELETE', `/v1/invites/${invite.id}`, { userId: admin.id });
  t.equal(used.statusCode, 404);
  t.ok((await agent.app.invites.get(invite.code))?.usedAt, 'the used invite is still on record');
  const unknown = await agent.call('DELETE', `/v1/invites/${hashToken('nosuchinvitecode')}`, { userId: admin.id });
  t.equal(unknown.statusCode, 404);
  const bad = await agent.call('DELETE', `/v1/invites/${encodeURIComponent('bad code!')}`, { userId: admin.id });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'validation' });
  const long = await agent.call('DELETE', `/v1/invites/${'a'.repeat(65)}`, { userId: admin.id });
  t.equal(long.statusCode, 400);
});

t.test('members can neither list nor revoke invites', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  const list = await agent.call('GET', '/v1/invites', { userId: member.id });
  t.equal(list.statusCode, 403);
  t.match(list.json(), { code: 'admin_only' });
  t.notMatch(list.body, invite.code);
  const revoke = await agent.call('DELETE', `/v1/invites/${invite.id}`, { userId: member.id });
  t.equal(revoke.statusCode, 403);
  t.equal(InvitesRepository.status(await agent.app.invites.get(invite.code)), 'usable', 'the invite still works');
  const anonymous = await agent.call('GET', '/v1/invites');
  t.equal(anonymous.statusCode, 400);
});
