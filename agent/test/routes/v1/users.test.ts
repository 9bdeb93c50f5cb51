import t from 'tap';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildAgent, PASSWORD, startStandIns } from '../../helper.js';

t.setTimeout(180_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);

const register = (body: Record<string, unknown>) => agent.call('POST', '/v1/users', { body });

t.test('an invite makes an account, once', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  const first = await register({ inviteCode: invite.code, username: 'ada', displayName: 'Ada Lovelace', password: PASSWORD });
  t.equal(first.statusCode, 201);
  const { user } = first.json();
  t.match(user, { id: /^[0-9a-z]+$/, username: 'ada', displayName: 'Ada Lovelace', role: 'member', createdAt: String });
  t.notOk('passwordHash' in user, 'the hash is never answered');

  const stored = await agent.app.users.get(user.id);
  t.match(stored?.passwordHash, /^scrypt\$15\$8\$1\$/);
  t.notOk(stored?.passwordHash.includes(PASSWORD));

  const again = await register({ inviteCode: invite.code, username: 'ada2', displayName: 'Ada again', password: PASSWORD });
  t.equal(again.statusCode, 400);
  t.match(again.json(), { code: 'invite_used', message: /already been used/ });
  t.equal(await agent.app.users.getByUsername('ada2'), undefined, 'no account for the second try');
});

t.test('the invite role carries over to the account', async (t) => {
  const invite = await agent.app.invites.create({ role: 'admin' });
  const response = await register({ inviteCode: invite.code, username: 'grace', displayName: 'Grace', password: PASSWORD });
  t.equal(response.json().user.role, 'admin');
});

t.test('unknown and expired invites are refused', async (t) => {
  const unknown = await register({ inviteCode: 'no-such-invite', username: 'nobody', displayName: 'N', password: PASSWORD });
  t.equal(unknown.statusCode, 400);
  t.match(unknown.json(), { code: 'invite_invalid', message: /not valid/ });

  const invite = await agent.app.invites.create({ role: 'member' });
  // Expired but not yet swept, as DynamoDB (and dynalite, which never sweeps) leaves it.
  await agent.app.dynamo.send(
    new UpdateCommand({
      TableName: standIns.dynamo.tableName,
      Key: { pk: `INVITE#${invite.id}`, sk: 'INVITE' },
      UpdateExpression: 'SET #ttl = :past',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 60 },
    }),
  );
  const expired = await register({ inviteCode: invite.code, username: 'late', displayName: 'Late', password: PASSWORD });
  t.equal(expired.statusCode, 400);
  t.match(expired.json(), { code: 'invite_expired', message: /expired/ });
  t.equal(await agent.app.users.getByUsername('late'), undefined);
});

t.test('a taken username is a 409 and does not use up the invite', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  const taken = await register({ inviteCode: invite.code, username: 'ada', displayName: 'Other Ada', password: PASSWORD });
  t.equal(taken.statusCode, 409);
  t.match(taken.json(), { code: 'username_taken', message: /"ada" is taken/ });
  const stillUsable = await register({ inviteCode: invite.code, username: 'ada-b', displayName: 'Ada B', password: PASSWORD });
  t.equal(stillUsable.statusCode, 201, 'the invite still works');
});

t.test('the same invite used twice at once makes exactly one account', async (t) => {
  for (let round = 0; round < 3; round++) {
    const invite = await agent.app.invites.create({ role: 'member' });
    const names = [`racer-a${round}`, `racer-b${round}`, `racer-c${round}`];
    const responses = await Promise.all(names.map((username) => register({ inviteCode: invite.code, username, displayName: username, password: PASSWORD })));
    const statuses = responses.map((r) => r.statusCode).sort();
    t.same(statuses, [201, 400, 400], `round ${round}: one account, two refusals`);
    for (const r of responses.filter((r) => r.statusCode === 400)) t.equal(r.json().code, 'invite_used');
    const accounts = await Promise.all(names.map((n) => agent.app.users.getByUsername(n)));
    t.equal(accounts.filter(Boolean).length, 1, 'exactly one account exists');
    // The losers' usernames were released, so they can register with another invite.
    const loser = names.find((_, i) => responses[i]!.statusCode === 400)!;
    const fresh = await agent.app.invites.create({ role: 'member' });
    const retry = await register({ inviteCode: fresh.code, username: loser, displayName: loser, password: PASSWORD });
    t.equal(retry.statusCode, 201, `${loser} is free again`);
  }
});

t.test('bad input is a 400 that names the field', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  const good = { inviteCode: invite.code, username: 'valid-name', displayName: 'Valid', password: PASSWORD };
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing username', { ...good, username: undefined }, /"username" is required/],
    ['missing password', { ...good, password: undefined }, /"password" is required/],
    ['short username', { ...good, username: 'ab' }, /"username" must be at least 3 characters/],
    ['upper-case username', { ...good, username: 'Valid' }, /"username" may only contain lower-case letters/],
    ['long username', { ...good, username: 'a'.repeat(33) }, /"username" must be at most 32 characters/],
    ['short password', { ...good, password: 'short' }, /"password" must be at least 10 characters/],
    ['long password', { ...good, password: 'p'.repeat(201) }, /"password" must be at most 200 characters/],
    ['number as username', { ...good, username: 12345 }, /"username" must be a string/],
    ['empty display name', { ...good, displayName: '' }, /"displayName" must not be empty/],
    ['oversized invite code', { ...good, inviteCode: 'x'.repeat(65) }, /"inviteCode" must be at most 64 characters/],
    ['an array body', [good], /request body must be an object/],
  ];
  for (const [name, body, message] of cases) {
    const response = await register(body as Record<string, unknown>);
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { statusCode: 400, code: 'validation', message }, name);
  }
  const empty = await agent.call('POST', '/v1/users');
  t.equal(empty.statusCode, 400, 'no body at all');
  t.equal(InviteStillUnused(await agent.app.invites.get(invite.code)), true, 'refused requests did not touch the invite');
});

function InviteStillUnused(invite: { usedAt?: string } | undefined): boolean {
  return invite !== undefined && invite.usedAt === undefined;
}

t.test('a username claim left by a crash is taken over once it is old, never while fresh', async (t) => {
  const put = (claimedAt: string, userId = 'neverwritten') =>
    agent.app.dynamo.send(
      new PutCommand({
        TableName: standIns.dynamo.tableName,
        Item: { pk: 'USERNAME#orphan', sk: 'USERNAME', userId, claimedAt },
      }),
    );
  await put(new Date().toISOString());
  const fresh = await agent.app.invites.create({ role: 'member' });
  const refused = await register({ inviteCode: fresh.code, username: 'orphan', displayName: 'O', password: PASSWORD });
  t.equal(refused.statusCode, 409, 'a fresh claim may be a registration in progress');

  await put(new Date(Date.now() - 60 * 60_000).toISOString());
  const taken = await register({ inviteCode: fresh.code, username: 'orphan', displayName: 'O', password: PASSWORD });
  t.equal(taken.statusCode, 201, 'an hour-old claim without an account is free');

  await put(new Date(Date.now() - 60 * 60_000).toISOString(), taken.json().user.id);
  const other = await agent.app.invites.create({ role: 'member' });
  const real = await register({ inviteCode: other.code, username: 'orphan', displayName: 'O2', password: PASSWORD });
  t.equal(real.statusCode, 409, 'an old claim whose account exists is never taken over');
  t.equal((await agent.app.users.getByUsername('orphan'))?.id, taken.json().user.id);
});

t.test('admins list everyone with the month\'s usage, and set budgets', async (t) => {
  const admin = await registerUserVia('admin', 'the-admin');
  const member = await registerUserVia('member', 'a-member');
  const list = await agent.call('GET', '/v1/users', { userId: admin.id });
  t.equal(list.statusCode, 200);
  const body = list.json();
  t.equal(body.month, new Date().toISOString().slice(0, 7));
  const usernames = body.users.map((s: { user: { username: string } }) => s.user.username);
  t.ok(usernames.includes('ada') && usernames.includes('the-admin') && usernames.includes('a-member'), 'everyone is listed');
  t.ok(usernames.indexOf('ada') < usernames.indexOf('a-member'), 'oldest first');
  t.match(body.users.find((s: { user: { id: string } }) => s.user.id === member.id), {
    user: member,
    budgetUsd: 20,
    defaultBudget: true,
    spentUsd: 0,
    inputTokens: 0,
    outputTokens: 0,
  });
  t.notOk(list.body.includes('passwordHash') || list.body.includes('scrypt'), 'no password hash is answered');

  const set = await agent.call('PUT', `/v1/users/${member.id}/budget`, { userId: admin.id, body: { monthlyBudgetUsd: 5.5 } });
  t.equal(set.statusCode, 200);
  t.match(set.json(), { user: member, budgetUsd: 5.5, defaultBudget: false });
  t.equal((await agent.app.users.get(member.id))?.monthlyBudgetUsd, 5.5);
  // A person's own budget is the one a message is checked against.
  // $0.003 buys fewer than the 256 output tokens a reply needs at least at Sonnet's price.
  await agent.call('PUT', `/v1/users/${member.id}/budget`, { userId: admin.id, body: { monthlyBudgetUsd: 0.003 } });
  const conversation = (await agent.call('POST', '/v1/conversations', { userId: member.id })).json().conversation;
  const refused = await agent.call('POST', `/v1/conversations/${conversation.id}/messages`, { userId: member.id, body: { text: 'hello' } });
  t.equal(refused.statusCode, 402);
  t.match(refused.json(), { code: 'budget_exceeded', message: /\$0\.00 spent of \$0\.0030/ });
  const reset = await agent.call('PUT', `/v1/users/${member.id}/budget`, { userId: admin.id, body: { monthlyBudgetUsd: null } });
  t.match(reset.json(), { budgetUsd: 20, defaultBudget: true });

  for (const [method, url, body] of [
    ['GET', '/v1/users', undefined],
    ['PUT', `/v1/users/${member.id}/budget`, { monthlyBudgetUsd: 1000 }],
  ] as const) {
    const refused = await agent.call(method, url, { userId: member.id, ...(body ? { body } : {}) });
    t.equal(refused.statusCode, 403, `${method} ${url} as a member`);
    t.equal(refused.json().code, 'admin_only');
  }
  t.equal((await agent.app.users.get(member.id))?.monthlyBudgetUsd, undefined, 'the refused change did nothing');

  const cases: Array<[string, string, unknown, number, RegExp]> = [
    ['negative', member.id, { monthlyBudgetUsd: -1 }, 400, /"monthlyBudgetUsd" must be at least 0/],
    ['text', member.id, { monthlyBudgetUsd: '5' }, 400, /"monthlyBudgetUsd" must be a number/],
    ['missing', member.id, {}, 400, /"monthlyBudgetUsd" is required/],
    ['unknown person', 'nosuchperson', { monthlyBudgetUsd: 1 }, 404, /no account with that id/],
    ['bad id', 'Not_An_Id', { monthlyBudgetUsd: 1 }, 400, /"userId"/],
  ];
  for (const [name, id, payload, status, message] of cases) {
    const response = await agent.call('PUT', `/v1/users/${id}/budget`, { userId: admin.id, body: payload });
    t.equal(response.statusCode, status, name);
    t.match(response.json().message, message, name);
  }
});

async function registerUserVia(role: 'admin' | 'member', username: string) {
  const invite = await agent.app.invites.create({ role });
  const response = await register({ inviteCode: invite.code, username, displayName: username, password: PASSWORD });
  return response.json().user;
}
