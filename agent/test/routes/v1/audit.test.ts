import t from 'tap';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(180_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const admin = await registerUser(agent, 'admin');
const member = await registerUser(agent, 'member');

t.test('the Activity list: newest first, by person and by kind, paginated, expired entries absent', async (t) => {
  for (let i = 0; i < 5; i++) await agent.call('POST', '/v1/invites', { userId: admin.id, body: {} });
  await agent.call('PUT', `/v1/users/${member.id}/budget`, { userId: admin.id, body: { monthlyBudgetUsd: 3 } });

  const all = (await agent.call('GET', '/v1/audit', { userId: admin.id })).json().entries as Array<{ at: string; action: string }>;
  t.same(all.map((e) => e.at), [...all.map((e) => e.at)].sort().reverse(), 'newest first');
  t.equal(all[0]!.action, 'budget.changed');

  const invites = await agent.call('GET', '/v1/audit?action=invite.created&limit=2', { userId: admin.id });
  const page1 = invites.json<{ entries: Array<{ id: string; action: string; actor: { userId: string } }>; next: string }>();
  t.equal(page1.entries.length, 2);
  t.ok(page1.entries.every((e) => e.action === 'invite.created' && e.actor.userId === admin.id));
  t.type(page1.next, 'string');
  const page2 = (await agent.call('GET', `/v1/audit?action=invite.created&limit=2&cursor=${page1.next}`, { userId: admin.id })).json();
  t.equal(page2.entries.length, 2);
  t.notOk(page2.entries.some((e: { id: string }) => page1.entries.some((f) => f.id === e.id)), 'no entry twice');

  const byMember = (await agent.call('GET', `/v1/audit?userId=${member.id}`, { userId: admin.id })).json().entries as Array<{ actor: { userId: string } }>;
  t.ok(byMember.length > 0 && byMember.every((e) => e.actor.userId === member.id), 'one person’s entries only');

  const forged = await agent.call('GET', `/v1/audit?cursor=${Buffer.from('{"pk":"USER#x","sk":"PROFILE"}').toString('base64url')}`, { userId: admin.id });
  t.equal(forged.statusCode, 400, 'a cursor this API did not give is refused');
  const badKind = await agent.call('GET', '/v1/audit?action=everything', { userId: admin.id });
  t.equal(badKind.statusCode, 400);

  // Expired (400 days) but not yet swept: absent.
  const newest = (await agent.call('GET', '/v1/audit?limit=1', { userId: admin.id })).json().entries[0];
  await agent.app.dynamo.send(
    new UpdateCommand({
      TableName: standIns.dynamo.tableName,
      Key: { pk: `AUDIT#${admin.id}`, sk: `${newest.at as string}#${newest.id as string}` },
      UpdateExpression: 'SET #ttl = :past',
      ExpressionAttributeNames: { '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 },
    }),
  );
  const after = (await agent.call('GET', '/v1/audit?limit=1', { userId: admin.id })).json().entries[0];
  t.not(after.id, newest.id, 'the expired entry reads as absent');
});

t.test('there is no route that changes or deletes an entry', async (t) => {
  for (const method of ['PUT', 'PATCH', 'DELETE', 'POST'] as const) {
    const response = await agent.call(method, '/v1/audit', { userId: admin.id, body: {} });
    t.equal(response.statusCode, 404, `${method} /v1/audit`);
  }
  t.notOk('delete' in agent.app.audit || 'update' in agent.app.audit, 'nor a repository method');
});

t.test('each entry is also a log line', async (t) => {
  await agent.call('POST', '/v1/invites', { userId: admin.id, body: {} });
  const line = await agent.logs.waitFor((l) => l.msg === 'audit' && (l.audit as { action?: string }).action === 'invite.created');
  t.match(line.audit, { actor: { userId: admin.id }, target: { kind: 'invite', id: /^[A-Za-z0-9_-]{43}$/ } });
});
