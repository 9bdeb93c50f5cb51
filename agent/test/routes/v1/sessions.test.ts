import t from 'tap';
import { hashToken } from '../../../src/token-hash.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildAgent, PASSWORD, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(180_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const user = await registerUser(agent, 'member', 'linus');

const signIn = (body: unknown) => agent.call('POST', '/v1/sessions', { body });

t.test('sign in, read the session, sign out', async (t) => {
  const response = await signIn({ username: 'linus', password: PASSWORD });
  t.equal(response.statusCode, 201);
  const { session, user: signedIn } = response.json();
  t.match(session, { id: /^[A-Za-z0-9_-]{40,}$/, userId: user.id, createdAt: String, expiresAt: String });
  t.same(signedIn, user);
  const days = (Date.parse(session.expiresAt) - Date.parse(session.createdAt)) / 86_400_000;
  t.equal(Math.round(days), 30, 'sessions last 30 days');

  const read = await agent.call('GET', `/v1/sessions/${session.id}`);
  t.equal(read.statusCode, 200);
  t.same(read.json(), { session, user });

  const out = await agent.call('DELETE', `/v1/sessions/${session.id}`);
  t.equal(out.statusCode, 204);
  const gone = await agent.call('GET', `/v1/sessions/${session.id}`);
  t.equal(gone.statusCode, 404);
  t.match(gone.json(), { code: 'not_found', message: /Sign in again/ });
  const twice = await agent.call('DELETE', `/v1/sessions/${session.id}`);
  t.equal(twice.statusCode, 204, 'signing out twice is fine');
  t.notOk(agent.logs.raw.some((line) => line.includes(session.id)), 'the session id is never logged in full');
  t.ok(agent.logs.lines.some((l) => (l.req as { url?: string } | undefined)?.url === `/v1/sessions/${session.id.slice(0, 6)}…`), 'only its start is');
});

t.test('the username is matched without regard to case or spaces', async (t) => {
  const response = await signIn({ username: '  Linus ', password: PASSWORD });
  t.equal(response.statusCode, 201);
});

t.test('a wrong password and an unknown user get the same answer', async (t) => {
  const wrong = await signIn({ username: 'linus', password: 'not the password' });
  const unknown = await signIn({ username: 'nobody-here', password: PASSWORD });
  for (const response of [wrong, unknown]) {
    t.equal(response.statusCode, 401);
    t.match(response.json(), { code: 'bad_credentials', message: 'That username and password do not match an account.' });
  }
  t.notOk(agent.logs.raw.some((line) => line.includes('not the password')), 'the password is never logged');
});

t.test('an expired session reads as absent', async (t) => {
  const { session } = (await signIn({ username: 'linus', password: PASSWORD })).json();
  await agent.app.dynamo.send(
    new UpdateCommand({
      TableName: standIns.dynamo.tableName,
      Key: { pk: `SESSION#${hashToken(session.id)}`, sk: 'SESSION' },
      UpdateExpression: 'SET #ttl = :past',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }),
  );
  const read = await agent.call('GET', `/v1/sessions/${session.id}`);
  t.equal(read.statusCode, 404);
});

t.test('bad input is a 4xx with a message', async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['missing password', { username: 'linus' }, /"password" is required/],
    ['missing username', { password: PASSWORD }, /"username" is required/],
    ['empty username', { username: '', password: PASSWORD }, /"username" must not be empty/],
    ['number password', { username: 'linus', password: 1234567890 }, /"password" must be a string/],
    ['oversized password', { username: 'linus', password: 'x'.repeat(201) }, /"password" must be at most 200/],
  ];
  for (const [name, body, message] of cases) {
    const response = await signIn(body);
    t.equal(response.statusCode, 400, name);
    t.match(response.json(), { code: 'validation', message }, name);
  }
  const unknown = await agent.call('GET', '/v1/sessions/does-not-exist');
  t.equal(unknown.statusCode, 404);
  const badId = await agent.call('GET', '/v1/sessions/not%20an%20id');
  t.equal(badId.statusCode, 400);
  t.match(badId.json(), { code: 'validation', message: /"sessionId"/ });
});

t.test('a person can be signed out everywhere, by themselves or an admin', async (t) => {
  const admin = await registerUser(agent, 'admin');
  const other = await registerUser(agent, 'member');
  const sessionsOf = async (username: string, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await signIn({ username, password: PASSWORD })).json().session.id);
    return ids;
  };
  const mine = await sessionsOf('linus', 3);
  const theirs = await sessionsOf(other.username, 1);

  const refused = await agent.call('DELETE', `/v1/users/${user.id}/sessions`, { userId: other.id });
  t.equal(refused.statusCode, 403, "a member cannot sign someone else out");
  for (const id of mine) t.equal((await agent.call('GET', `/v1/sessions/${id}`)).statusCode, 200, 'still signed in');

  const self = await agent.call('DELETE', `/v1/users/${user.id}/sessions`, { userId: user.id });
  t.equal(self.statusCode, 204);
  for (const id of mine) t.equal((await agent.call('GET', `/v1/sessions/${id}`)).statusCode, 404, 'every session ended');
  t.equal((await agent.call('GET', `/v1/sessions/${theirs[0]}`)).statusCode, 200, "another person's session is untouched");

  const byAdmin = await agent.call('DELETE', `/v1/users/${other.id}/sessions`, { userId: admin.id });
  t.equal(byAdmin.statusCode, 204);
  t.equal((await agent.call('GET', `/v1/sessions/${theirs[0]}`)).statusCode, 404);
  const unknown = await agent.call('DELETE', '/v1/users/nosuchperson/sessions', { userId: admin.id });
  t.equal(unknown.statusCode, 404);
});
