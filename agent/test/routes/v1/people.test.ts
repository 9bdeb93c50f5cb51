import t from 'tap';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { startS3 } from '@homeagent/local/s3';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import type { User } from '@homeagent/contract';
import { monthOf } from '../../../src/budget.js';
import { buildAgent, PASSWORD, registerUser, startStandIns, until, type TestAgent } from '../../helper.js';

t.setTimeout(300_000);

// A table of its own: "the last admin" depends on everyone in it.
const standIns = await startStandIns(t, { bedrock: true, hub: true });
// Removal deletes a person's files too: a bucket of its own.
const BUCKET = 'homeagent-attachments';
const s3 = await startS3({ buckets: [BUCKET] });
t.teardown(() => s3.close());
process.env.AWS_ENDPOINT_URL_S3 = s3.url;
const agent = await buildAgent(t, standIns, { ATTACHMENTS_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: s3.url });
const filesOf = (userId: string) => s3.store.keys(BUCKET).filter((k) => k.startsWith(`attachments/${userId}/`));
const upload = (userId: string, name: string, text: string) =>
  agent.call('POST', '/v1/attachments', { userId, body: Buffer.from(text), headers: { 'content-type': 'application/octet-stream', 'x-file-name': encodeURIComponent(name) } });
const admin = await registerUser(agent, 'admin', 'the-admin');
const member = await registerUser(agent, 'member');

async function signIn(a: TestAgent, username: string, password = PASSWORD) {
  return a.call('POST', '/v1/sessions', { body: { username, password } });
}

async function scanAll(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await agent.app.dynamo.send(new ScanCommand({ TableName: standIns.dynamo.tableName, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The newest audit entries, as the admin's Activity page reads them. */
async function latestAudit(action: string) {
  const response = await agent.call('GET', `/v1/audit?action=${action}&limit=5`, { userId: admin.id });
  return response.json().entries as Array<{ actor: { userId?: string; username: string }; target?: { id?: string; username?: string }; detail?: Record<string, unknown> }>;
}

t.test('the last active admin can be neither demoted nor disabled, and nothing is written', async (t) => {
  const demote = await agent.call('PUT', `/v1/users/${admin.id}/role`, { userId: admin.id, body: { role: 'member' } });
  t.equal(demote.statusCode, 409);
  t.match(demote.json(), { code: 'last_admin', message: /last active admin.*Make someone else an admin first/ });
  const disable = await agent.call('PUT', `/v1/users/${admin.id}/state`, { userId: admin.id, body: { state: 'disabled' } });
  t.equal(disable.statusCode, 409);
  t.match(disable.json(), { code: 'last_admin' });
  const removeSelf = await agent.call('DELETE', `/v1/users/${admin.id}`, { userId: admin.id });
  t.equal(removeSelf.statusCode, 400);
  t.match(removeSelf.json(), { code: 'cannot_remove_self' });
  const stored = await agent.app.users.get(admin.id);
  t.equal(stored?.role, 'admin');
  t.equal(stored?.disabledAt, undefined);
  t.equal((await latestAudit('user.role_changed')).length, 0, 'no audit entry for a refused change');
});

t.test('members cannot manage anyone (403 before validation), and nothing changes', async (t) => {
  for (const [method, url, body] of [
    ['PUT', `/v1/users/${admin.id}/role`, { role: 'member' }],
    ['PUT', `/v1/users/${admin.id}/state`, { state: 'disabled' }],
    ['DELETE', `/v1/users/${admin.id}`, undefined],
    ['POST', `/v1/users/${admin.id}/reset-links`, undefined],
    ['GET', '/v1/audit', undefined],
  ] as const) {
    const refused = await agent.call(method, url, { userId: member.id, ...(body ? { body } : {}) });
    t.equal(refused.statusCode, 403, `${method} ${url}`);
    t.equal(refused.json().code, 'admin_only');
  }
  t.equal((await agent.app.users.get(admin.id))?.role, 'admin');
});

t.test('an admin changes a role, both ways, with an audit entry naming them', async (t) => {
  const promoted = await agent.call('PUT', `/v1/users/${member.id}/role`, { userId: admin.id, body: { role: 'admin' } });
  t.equal(promoted.statusCode, 200);
  t.match(promoted.json(), { user: { id: member.id, role: 'admin' }, state: 'active' });
  const [entry] = await latestAudit('user.role_changed');
  t.match(entry, { actor: { userId: admin.id, username: 'the-admin' }, target: { id: member.id, username: member.username }, detail: { from: 'member', to: 'admin' } });
  // With two admins, either may step down.
  const back = await agent.call('PUT', `/v1/users/${member.id}/role`, { userId: admin.id, body: { role: 'member' } });
  t.equal(back.json().user.role, 'member');
  const bad = await agent.call('PUT', `/v1/users/${member.id}/role`, { userId: admin.id, body: { role: 'owner' } });
  t.equal(bad.statusCode, 400);
  const unknown = await agent.call('PUT', '/v1/users/nosuchperson/role', { userId: admin.id, body: { role: 'admin' } });
  t.equal(unknown.statusCode, 404);
});

t.test('disabling ends every session at once, stops a streaming reply, and refuses sign-in; enabling lets them back', async (t) => {
  const person = await registerUser(agent, 'member');
  const session = (await signIn(agent, person.username)).json().session as { id: string };
  t.equal((await agent.call('GET', `/v1/sessions/${session.id}`)).statusCode, 200);
  const conversationId = (await agent.call('POST', '/v1/conversations', { userId: person.id, body: {} })).json().conversation.id as string;
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, {
    userId: person.id,
    body: { text: `a long answer please ${EMULATOR_MARKERS.slow}` },
  });
  t.equal(sent.statusCode, 202);
  const messageId = sent.json().assistantMessage.id as string;

  const disabled = await agent.call('PUT', `/v1/users/${person.id}/state`, { userId: admin.id, body: { state: 'disabled' } });
  t.equal(disabled.statusCode, 200);
  t.match(disabled.json(), { state: 'disabled' });
  const reply = await agent.app.messages.get(conversationId, messageId);
  t.equal(reply?.state, 'stopped', 'the reply was stopped before the answer');
  t.notOk(agent.app.streamRunner.isRunning(messageId));

  const stale = await agent.call('GET', `/v1/sessions/${session.id}`);
  t.equal(stale.statusCode, 403);
  t.match(stale.json(), { code: 'account_disabled', message: 'This account is disabled. Ask an admin.' });
  const api = await agent.call('GET', '/v1/conversations', { userId: person.id });
  t.equal(api.statusCode, 403);
  t.equal(api.json().code, 'account_disabled');
  const again = await signIn(agent, person.username);
  t.equal(again.statusCode, 403);
  t.equal(again.json().code, 'account_disabled');
  const wrong = await signIn(agent, person.username, 'not the password at all');
  t.equal(wrong.statusCode, 401, 'a wrong password still says only that');

  const [entry] = await latestAudit('user.disabled');
  t.match(entry, { actor: { userId: admin.id }, target: { id: person.id }, detail: { sessionsEnded: 1, repliesStopped: 1 } });

  const enabled = await agent.call('PUT', `/v1/users/${person.id}/state`, { userId: admin.id, body: { state: 'active' } });
  t.match(enabled.json(), { state: 'active' });
  t.equal((await agent.call('GET', `/v1/sessions/${session.id}`)).statusCode, 404, 'the old session stays ended');
  t.equal((await signIn(agent, person.username)).statusCode, 201);
});

t.test('a reset link works once, ends every session, and expired or used links are refused', async (t) => {
  const person = await registerUser(agent, 'member');
  const session = (await signIn(agent, person.username)).json().session as { id: string };
  const made = await agent.call('POST', `/v1/users/${person.id}/reset-links`, { userId: admin.id });
  t.equal(made.statusCode, 201);
  const { token } = made.json<{ token: string }>();
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.notOk(JSON.stringify(await scanAll()).includes(token), 'the token is stored nowhere');

  const info = await agent.call('GET', `/v1/reset-links/${token}`);
  t.match(info.json(), { username: person.username, displayName: person.displayName });
  const short = await agent.call('POST', `/v1/reset-links/${token}`, { body: { password: 'short' } });
  t.equal(short.statusCode, 400);
  const used = await agent.call('POST', `/v1/reset-links/${token}`, { body: { password: 'a brand new password' } });
  t.equal(used.statusCode, 204);
  t.equal((await agent.call('GET', `/v1/sessions/${session.id}`)).statusCode, 404, 'earlier sessions ended');
  t.equal((await signIn(agent, person.username)).statusCode, 401, 'the old password is gone');
  t.equal((await signIn(agent, person.username, 'a brand new password')).statusCode, 201);

  const twice = await agent.call('POST', `/v1/reset-links/${token}`, { body: { password: 'yet another password' } });
  t.equal(twice.statusCode, 410);
  t.match(twice.json(), { code: 'reset_link_used', message: /already been used/ });
  t.equal((await signIn(agent, person.username, 'yet another password')).statusCode, 401, 'nothing was written');

  const expiring = await agent.app.resetLinks.create(person.id, admin.id, Date.now() - 25 * 3_600_000);
  const expired = await agent.call('POST', `/v1/reset-links/${expiring.token}`, { body: { password: 'yet another password' } });
  t.equal(expired.statusCode, 410);
  t.match(expired.json(), { code: 'reset_link_expired', message: /expired/ });
  const unknown = await agent.call('GET', '/v1/reset-links/nosuchtoken');
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, 'reset_link_invalid');
  t.notOk(agent.logs.raw.some((line) => line.includes(token)), 'the token is never logged, not even in a URL');
  const [entry] = await latestAudit('password.reset_link_used');
  t.match(entry, { actor: { userId: person.id }, detail: { sessionsEnded: 1 } });
});

t.test('removing a person leaves no item of theirs in the table but audit entries', async (t) => {
  const person = await registerUser(agent, 'member', 'leaving-soon');
  await signIn(agent, person.username);
  await agent.call('POST', `/v1/users/${person.id}/reset-links`, { userId: admin.id });
  const conversationId = (await agent.call('POST', '/v1/conversations', { userId: person.id, body: {} })).json().conversation.id as string;
  const sentFile = (await upload(person.id, 'shopping list.txt', 'eggs, milk')).json().attachment.id as string;
  await upload(person.id, 'never sent.txt', 'a pending upload');
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: person.id, body: { text: 'remember this', attachmentIds: [sentFile] } });
  t.equal(sent.statusCode, 202, sent.body);
  const messageId = sent.json().assistantMessage.id as string;
  t.equal((await until(async () => ((await agent.app.usage.get(person.id, monthOf())).spentMicroUsd > 0 ? true : undefined), 'the reply settled')), true, 'they have usage');
  t.equal((await agent.app.messages.get(conversationId, messageId))?.state, 'complete');
  // The day's row is written just after the month's: wait for it, so the scan below proves it goes too.
  await until(async () => ((await agent.app.usage.personDays(person.id, monthOf())).length > 0 ? true : undefined), 'the day counted');
  const theirs = (items: Record<string, unknown>[]) =>
    items.filter((item) => JSON.stringify(item).includes(person.id) && !String(item.pk).startsWith('AUDIT#') && item.gsi1pk !== 'AUDIT');
  const share = await agent.call('POST', `/v1/conversations/${conversationId}/shares`, { userId: person.id });
  t.equal(share.statusCode, 201, share.body);
  const shareToken = share.json().token as string;
  t.equal(filesOf(person.id).length, 2, 'a sent and a pending file in the bucket');
  const before = theirs(await scanAll());
  t.ok(before.length >= 7, 'profile, username, session, reset link, conversation, messages, usage of the month and of the day, files, share');
  t.ok(before.some((item) => String(item.sk).startsWith('USAGE#DAY#')), 'the day row among them');

  const removed = await agent.call('DELETE', `/v1/users/${person.id}`, { userId: admin.id });
  t.equal(removed.statusCode, 204);
  const left = theirs(await scanAll());
  t.same(left.map((i) => `${String(i.pk)} ${String(i.sk)}`), [], 'nothing of theirs but audit entries');
  t.same(filesOf(person.id), [], 'no file of theirs in the bucket');
  t.equal((await agent.call('GET', `/v1/shared/${shareToken}`, { userId: admin.id })).statusCode, 404, 'their share link is gone with them');
  t.equal((await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: person.id })).statusCode, 401);
  const [entry] = await latestAudit('user.removed');
  t.match(entry, { actor: { userId: admin.id }, target: { id: person.id, username: 'leaving-soon' } });
  // The username is free again.
  t.equal((await registerUser(agent, 'member', 'leaving-soon')).username, 'leaving-soon');
});

t.test('a removal interrupted after its mark is finished on the next start', async (t) => {
  const person: User = await registerUser(agent, 'member');
  await signIn(agent, person.username);
  await agent.call('POST', '/v1/conversations', { userId: person.id, body: {} });
  t.ok(await agent.app.users.markRemoving(person.id));
  t.equal((await agent.call('GET', '/v1/conversations', { userId: person.id })).statusCode, 401, 'absent from the mark on');
  const listed = (await agent.call('GET', '/v1/users', { userId: admin.id })).json().users as Array<{ user: User }>;
  t.notOk(listed.some((s) => s.user.id === person.id), 'and off the People list');
  const restarted = await buildAgent(t, standIns);
  await restarted.logs.waitFor((l) => l.msg === 'finished removing an account' && l.userId === person.id);
  const left = (await scanAll()).filter((item) => JSON.stringify(item).includes(person.id) && !String(item.pk).startsWith('AUDIT#'));
  t.same(left, []);
});
