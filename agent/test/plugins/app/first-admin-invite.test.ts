import t from 'tap';
import { hashToken } from '../../../src/token-hash.js';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildAgent, startStandIns } from '../../helper.js';

t.setTimeout(120_000);

t.test('two agents starting together on an empty table make one admin invite', async (t) => {
  const standIns = await startStandIns(t);
  const [one, two] = await Promise.all([
    buildAgent(t, standIns, {}, { firstAdminInvite: true }),
    buildAgent(t, standIns, {}, { firstAdminInvite: true }),
  ]);
  const lines = [...one.logs.raw, ...two.logs.raw].filter((l) => l.includes('first admin invite'));
  t.equal(lines.length, 1, 'logged exactly once');
  const line = JSON.parse(lines[0]!);
  t.equal(line.msg, 'first admin invite');
  t.match(line.inviteCode, /^[A-Za-z0-9_-]{20,}$/, 'the code is in the line, not redacted');

  const invite = await one.app.invites.get(line.inviteCode);
  t.match(invite, { role: 'admin', id: hashToken(line.inviteCode as string) });
  const hours = (Date.parse(invite!.expiresAt) - Date.now()) / 3_600_000;
  t.ok(hours > 167 && hours <= 168, 'it expires in 7 days');

  const register = await one.call('POST', '/v1/users', {
    body: { inviteCode: line.inviteCode, username: 'boss', displayName: 'The Boss', password: 'a long enough password' },
  });
  t.equal(register.statusCode, 201);
  t.equal(register.json().user.role, 'admin');

  // A later start finds the marker and makes nothing, even once TTL has swept the used invite.
  await one.app.dynamo.send(new DeleteCommand({ TableName: standIns.dynamo.tableName, Key: { pk: `INVITE#${hashToken(line.inviteCode as string)}`, sk: 'INVITE' } }));
  const three = await buildAgent(t, standIns, {}, { firstAdminInvite: true });
  t.notOk(three.logs.raw.some((l) => l.includes('first admin invite')), 'a second start logs no invite');
});

t.test('a first admin invite that expired unused is replaced once', async (t) => {
  const standIns = await startStandIns(t);
  const one = await buildAgent(t, standIns, {}, { firstAdminInvite: true });
  const first = one.logs.lines.find((l) => l.msg === 'first admin invite')!;
  const again = await buildAgent(t, standIns, {}, { firstAdminInvite: true });
  t.notOk(again.logs.lines.some((l) => l.msg === 'first admin invite'), 'an unexpired invite is not replaced');

  await one.app.dynamo.send(
    new UpdateCommand({
      TableName: standIns.dynamo.tableName,
      Key: { pk: `INVITE#${hashToken(first.inviteCode as string)}`, sk: 'INVITE' },
      UpdateExpression: 'SET #ttl = :past',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }),
  );
  const [two, three] = await Promise.all([
    buildAgent(t, standIns, {}, { firstAdminInvite: true }),
    buildAgent(t, standIns, {}, { firstAdminInvite: true }),
  ]);
  const replacements = [...two.logs.lines, ...three.logs.lines].filter((l) => l.msg === 'first admin invite');
  t.equal(replacements.length, 1, 'one replacement, even with two agents starting');
  t.not(replacements[0]!.inviteCode, first.inviteCode);
  t.equal(replacements[0]!.replacesExpired, true);
  const invite = await two.app.invites.get(replacements[0]!.inviteCode as string);
  t.equal(invite?.role, 'admin');
});

t.test('the invite code is redacted anywhere else in the logs', async (t) => {
  const standIns = await startStandIns(t);
  const agent = await buildAgent(t, standIns);
  agent.app.log.info({ body: { inviteCode: 'secret-code-1' }, req: { body: { inviteCode: 'secret-code-2' } } }, 'nested');
  t.notOk(agent.logs.raw.some((l) => l.includes('secret-code')), 'nested invite codes are censored');
  t.ok(agent.logs.raw.some((l) => l.includes('"msg":"nested"')));
});
