import t from 'tap';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { hashToken } from '../../../src/token-hash.js';
import { buildAgent, PASSWORD, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(180_000);

t.test('sessions and invites stored in clear are rewritten under their hash on start', async (t) => {
  const standIns = await startStandIns(t);
  const one = await buildAgent(t, standIns);
  const user = await registerUser(one, 'member');
  const table = standIns.dynamo.tableName;
  const now = new Date().toISOString();
  const ttl = Math.floor(Date.now() / 1000) + 3600;
  // What the earlier layout wrote.
  const sessionId = 'legacy-session-id-0123456789abcdefghijklmnopq';
  const inviteCode = 'legacy-invite-code-0123456789';
  await one.app.dynamo.send(new PutCommand({ TableName: table, Item: { pk: `SESSION#${sessionId}`, sk: 'SESSION', gsi1pk: `USER#${user.id}#SESSIONS`, gsi1sk: `${now}#${sessionId}`, id: sessionId, userId: user.id, createdAt: now, expiresAt: now, ttl } }));
  await one.app.dynamo.send(new PutCommand({ TableName: table, Item: { pk: `INVITE#${inviteCode}`, sk: 'INVITE', gsi1pk: 'INVITES', gsi1sk: `${now}#${inviteCode}`, code: inviteCode, role: 'member', createdAt: now, expiresAt: now, ttl } }));
  // The marker says the migration ran for the first agent; a restart of an older installation has none.
  await one.app.dynamo.send(new DeleteCommand({ TableName: table, Key: { pk: 'SETUP', sk: 'HASHED_TOKENS' } }));

  const two = await buildAgent(t, standIns);
  await two.logs.waitFor((l) => l.msg === 'stored session ids and invite codes as hashes');
  const get = async (pk: string, sk: string) => (await two.app.dynamo.send(new GetCommand({ TableName: table, Key: { pk, sk } }))).Item;
  t.equal(await get(`SESSION#${sessionId}`, 'SESSION'), undefined, 'the clear session row is gone');
  t.equal(await get(`INVITE#${inviteCode}`, 'INVITE'), undefined, 'the clear invite row is gone');
  const hashed = await get(`SESSION#${hashToken(sessionId)}`, 'SESSION');
  t.match(hashed, { idHash: hashToken(sessionId), userId: user.id });
  t.notOk(JSON.stringify(hashed).includes(sessionId), 'no clear id left in it');
  t.equal((await two.call('GET', `/v1/sessions/${sessionId}`)).statusCode, 200, 'the person stays signed in');
  const register = await two.call('POST', '/v1/users', { body: { inviteCode, username: 'migrated', displayName: 'M', password: PASSWORD } });
  t.equal(register.statusCode, 201, 'the invite still works');
});
