/**
 * Share links: a snapshot copied at share time behind a token stored only
 * as its SHA-256; the owner lists and revokes; signed-in only by default,
 * anyone when an admin allows it.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { User } from '@homeagent/contract';
import { newId } from '../../../src/id-generator.js';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);

async function seed(user: User, title: string, texts: string[]): Promise<string> {
  const conversation = await agent.app.conversations.create(user.id, title);
  for (const [i, text] of texts.entries()) {
    await agent.app.messages.create({ id: newId(), conversationId: conversation.id, userId: user.id, role: i % 2 === 0 ? 'user' : 'assistant', text, state: 'complete', createdAt: new Date().toISOString() });
  }
  return conversation.id;
}

const admin = await registerUser(agent, 'admin');
const alice = await registerUser(agent);
const bob = await registerUser(agent);
const chat = await seed(alice, 'Holiday plans', ['Where shall we go?', 'The **lake**.']);

t.test('a link shows the snapshot as it was, to a signed-in person', async (t) => {
  const made = await agent.call('POST', `/v1/conversations/${chat}/shares`, { userId: alice.id });
  t.equal(made.statusCode, 201);
  const { share, token } = made.json();
  t.match(token, /^[A-Za-z0-9_-]{43}$/);
  t.match(share, { conversationId: chat, title: 'Holiday plans', messageCount: 2 });

  // Later changes do not reach the snapshot.
  await seed(alice, 'other', ['x']);
  await agent.call('PATCH', `/v1/conversations/${chat}`, { userId: alice.id, body: { title: 'Renamed' } });
  await agent.app.messages.create({ id: newId(), conversationId: chat, userId: alice.id, role: 'user', text: 'added later', state: 'complete', createdAt: new Date().toISOString() });

  const opened = await agent.call('GET', `/v1/shared/${token}`, { userId: bob.id });
  t.equal(opened.statusCode, 200);
  const snapshot = opened.json();
  t.equal(snapshot.title, 'Holiday plans');
  t.equal(snapshot.sharedBy, alice.displayName);
  t.same(snapshot.messages.map((m: { text: string }) => m.text), ['Where shall we go?', 'The **lake**.']);
  t.notOk(JSON.stringify(snapshot).includes(alice.id), 'the owner\'s id is not handed out');

  // Only the hash is stored.
  const items = (await agent.app.dynamo.send(new ScanCommand({ TableName: standIns.dynamo.tableName }))).Items ?? [];
  const hash = createHash('sha256').update(token).digest('hex');
  t.notOk(JSON.stringify(items).includes(token), 'the token is nowhere in the table');
  t.ok(items.some((i) => i.pk === `SHARE#${hash}`), 'its SHA-256 is');

  const listed = await agent.call('GET', '/v1/shares', { userId: alice.id });
  t.same(listed.json().shares.map((s: { id: string }) => s.id), [share.id]);
  t.same((await agent.call('GET', '/v1/shares', { userId: bob.id })).json().shares, [], 'Bob has none');

  t.equal((await agent.call('DELETE', `/v1/shares/${share.id}`, { userId: bob.id })).statusCode, 404, 'Bob cannot revoke it');
  t.equal((await agent.call('DELETE', `/v1/shares/${share.id}`, { userId: alice.id })).statusCode, 204);
  const revoked = await agent.call('GET', `/v1/shared/${token}`, { userId: bob.id });
  t.equal(revoked.statusCode, 404);
  t.match(revoked.json(), { code: 'not_found', message: /revoked/ });
  t.same((await agent.call('GET', '/v1/shares', { userId: alice.id })).json().shares, []);
  const left = (await agent.app.dynamo.send(new ScanCommand({ TableName: standIns.dynamo.tableName }))).Items ?? [];
  t.notOk(left.some((i) => String(i.pk).startsWith('SHARE#') || String(i.sk).startsWith('SHARE#')), 'the copy is gone too');
});

t.test('signed-in only by default; public when an admin allows it', async (t) => {
  const { token } = (await agent.call('POST', `/v1/conversations/${chat}/shares`, { userId: alice.id })).json();
  const anonymous = await agent.call('GET', `/v1/shared/${token}`);
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { code: 'sign_in_required' });

  t.equal((await agent.call('PUT', '/v1/settings/sharing', { userId: alice.id, body: { publicLinks: true } })).statusCode, 403, 'members cannot');
  t.same((await agent.call('GET', '/v1/settings/sharing', { userId: admin.id })).json(), { publicLinks: false });
  t.same((await agent.call('PUT', '/v1/settings/sharing', { userId: admin.id, body: { publicLinks: true } })).json(), { publicLinks: true });
  t.equal((await agent.call('GET', `/v1/shared/${token}`)).statusCode, 200);

  // A change of models keeps the sharing choice.
  const settings = (await agent.call('GET', '/v1/settings', { userId: admin.id })).json();
  t.equal((await agent.call('PUT', '/v1/settings', { userId: admin.id, body: settings })).statusCode, 200);
  t.same((await agent.call('GET', '/v1/settings/sharing', { userId: admin.id })).json(), { publicLinks: true });

  await agent.call('PUT', '/v1/settings/sharing', { userId: admin.id, body: { publicLinks: false } });
  t.equal((await agent.call('GET', `/v1/shared/${token}`)).statusCode, 401);
  t.equal((await agent.call('PUT', '/v1/settings/sharing', { userId: admin.id, body: { publicLinks: 'yes' } })).statusCode, 400);
});

t.test('refusals', async (t) => {
  t.equal((await agent.call('POST', `/v1/conversations/${chat}/shares`, { userId: bob.id })).statusCode, 404, 'not Bob\'s chat');
  const empty = await seed(alice, 'Empty', []);
  const nothing = await agent.call('POST', `/v1/conversations/${empty}/shares`, { userId: alice.id });
  t.equal(nothing.statusCode, 409);
  t.match(nothing.json(), { code: 'nothing_to_share' });
  t.equal((await agent.call('GET', `/v1/shared/${'A'.repeat(43)}`, { userId: bob.id })).statusCode, 404, 'a guessed token');
  t.equal((await agent.call('GET', '/v1/shared/short', { userId: bob.id })).statusCode, 400, 'not a token');
});
