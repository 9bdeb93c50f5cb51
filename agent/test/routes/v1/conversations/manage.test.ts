import t from 'tap';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import { LIMITS, type Message, type User } from '@homeagent/contract';
import { buildAgent, registerUser, startStandIns, until } from '../../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);
const alice = await registerUser(agent);
const bob = await registerUser(agent);

async function newConversation(user: User, title?: string): Promise<string> {
  const response = await agent.call('POST', '/v1/conversations', { userId: user.id, body: title ? { title } : {} });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json().conversation.id as string;
}

const listIds = async (user: User) =>
  ((await agent.call('GET', '/v1/conversations', { userId: user.id })).json().conversations as { id: string }[]).map((c) => c.id);

/** Every item stored under the conversation's message partition, read straight from the table. */
async function messageItems(conversationId: string): Promise<unknown[]> {
  const out = await agent.app.dynamo.send(
    new QueryCommand({ TableName: standIns.dynamo.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONV#${conversationId}` }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

async function sendAndFinish(user: User, conversationId: string, text: string): Promise<Message> {
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: user.id, body: { text } });
  if (sent.statusCode !== 202) throw new Error(sent.body);
  const messageId = sent.json().assistantMessage.id as string;
  const message = await until(async () => {
    const m = (await agent.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: user.id })).json().message as Message;
    return m.state === 'streaming' ? undefined : m;
  }, 'the reply to finish');
  // The lock is let go just after the message is finished.
  await until(async () => ((await agent.app.conversations.get(user.id, conversationId))?.activeMessageId ? undefined : true), 'the lock to be released');
  return message;
}

t.test('rename: trimmed, shown in the list and the detail, keeps its place', async (t) => {
  const older = await newConversation(alice, 'Older');
  const newer = await newConversation(alice, 'Newer');
  const before = await listIds(alice);
  t.ok(before.indexOf(newer) < before.indexOf(older));

  const renamed = await agent.call('PATCH', `/v1/conversations/${older}`, { userId: alice.id, body: { title: '  Trip to <Rome> & back  ' } });
  t.equal(renamed.statusCode, 200);
  t.equal(renamed.json().conversation.title, 'Trip to <Rome> & back', 'stored raw and trimmed');
  t.equal(renamed.json().conversation.id, older);

  const detail = await agent.call('GET', `/v1/conversations/${older}`, { userId: alice.id });
  t.equal(detail.json().conversation.title, 'Trip to <Rome> & back');
  t.same(await listIds(alice), before, 'renaming does not move it up the list');
});

t.test('a renamed conversation is not renamed again by its first message', async (t) => {
  const id = await newConversation(alice);
  await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: { title: 'My own name' } });
  await sendAndFinish(alice, id, 'What is the capital of France?');
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).json().conversation.title, 'My own name');
});

t.test('rename refuses bad titles and other people', async (t) => {
  const id = await newConversation(alice, 'Keep me');
  const blank = await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: { title: '   ' } });
  t.equal(blank.statusCode, 400);
  t.match(blank.json(), { code: 'validation', message: /title must not be blank/ });
  const empty = await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: { title: '' } });
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), { code: 'validation', message: /"title"/ });
  const long = await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: { title: 'x'.repeat(LIMITS.titleMax + 1) } });
  t.equal(long.statusCode, 400);
  t.match(long.json(), { message: /"title" must be at most 120 characters/ });
  const missing = await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: {} });
  t.equal(missing.statusCode, 400);
  const bobs = await agent.call('PATCH', `/v1/conversations/${id}`, { userId: bob.id, body: { title: 'Mine now' } });
  t.equal(bobs.statusCode, 404);
  t.match(bobs.json(), { code: 'not_found', message: /conversation does not exist/ });
  const unknown = await agent.call('PATCH', '/v1/conversations/nosuchconversation', { userId: alice.id, body: { title: 'x' } });
  t.equal(unknown.statusCode, 404);
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).json().conversation.title, 'Keep me', 'nothing was written');
});

t.test('delete removes the conversation and every message', async (t) => {
  const id = await newConversation(alice);
  const kept = await newConversation(alice, 'Kept');
  await sendAndFinish(alice, id, 'Hello there');
  t.equal((await messageItems(id)).length, 2, 'a question and a reply are stored');

  const bobTries = await agent.call('DELETE', `/v1/conversations/${id}`, { userId: bob.id });
  t.equal(bobTries.statusCode, 404, 'another person cannot delete it');
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 200, 'still there after their attempt');

  const deleted = await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id });
  t.equal(deleted.statusCode, 204);
  t.equal(deleted.body, '');
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 404);
  t.same(await messageItems(id), [], 'no message is left behind');
  const ids = await listIds(alice);
  t.notOk(ids.includes(id));
  t.ok(ids.includes(kept), 'other conversations stay');

  const again = await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id });
  t.equal(again.statusCode, 404);
  t.match(again.json(), { code: 'not_found' });
  t.equal((await agent.call('PATCH', `/v1/conversations/${id}`, { userId: alice.id, body: { title: 'back' } })).statusCode, 404);
  const send = await agent.call('POST', `/v1/conversations/${id}/messages`, { userId: alice.id, body: { text: 'hi' } });
  t.equal(send.statusCode, 404, 'no message can be added to a deleted conversation');
  t.same(await messageItems(id), []);
});

t.test('delete works in batches for long conversations', async (t) => {
  const id = await newConversation(alice);
  const now = new Date().toISOString();
  for (let i = 0; i < 60; i++) {
    await agent.app.messages.create({ id: `m${String(i).padStart(3, '0')}`, conversationId: id, userId: alice.id, role: 'user', text: `message ${i}`, state: 'complete', createdAt: now });
  }
  t.equal((await messageItems(id)).length, 60);
  t.equal((await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 204);
  t.same(await messageItems(id), []);
});

t.test('a conversation marked for deletion is absent at once, and a retry finishes the purge', async (t) => {
  const id = await newConversation(alice);
  await sendAndFinish(alice, id, 'Something to remember');
  // The state a delete that stopped after its first step leaves behind.
  t.equal(await agent.app.conversations.markDeleted(alice.id, id), undefined);
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 404);
  t.notOk((await listIds(alice)).includes(id));
  t.equal((await agent.call('POST', `/v1/conversations/${id}/messages`, { userId: alice.id, body: { text: 'hi' } })).statusCode, 404);
  t.equal((await messageItems(id)).length, 2, 'messages still stored until the purge');

  t.equal((await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 204);
  t.same(await messageItems(id), []);
});

t.test('delete is refused while a reply streams, and works once it is stopped', async (t) => {
  const id = await newConversation(alice);
  const sent = await agent.call('POST', `/v1/conversations/${id}/messages`, { userId: alice.id, body: { text: `Tell me a long story ${EMULATOR_MARKERS.slow}` } });
  t.equal(sent.statusCode, 202);
  const messageId = sent.json().assistantMessage.id as string;

  const refused = await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id });
  t.equal(refused.statusCode, 409);
  t.match(refused.json(), { code: 'reply_in_progress', message: /Stop the reply first/ });
  t.equal((await agent.call('GET', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 200, 'nothing was deleted');
  t.ok((await listIds(alice)).includes(id), 'still listed');

  const stopped = await agent.call('POST', `/v1/conversations/${id}/messages/${messageId}/stop`, { userId: alice.id });
  t.equal(stopped.statusCode, 200);
  await until(async () => ((await agent.app.conversations.get(alice.id, id))?.activeMessageId ? undefined : true), 'the lock to be released');
  t.equal((await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 204);
  t.same(await messageItems(id), []);
});

t.test('a lock left behind by a finished reply does not block a delete; a fresh orphan lock does', async (t) => {
  const id = await newConversation(alice);
  const reply = await sendAndFinish(alice, id, 'Hello again');
  // The moment between a reply finishing and its lock being let go, held open.
  t.ok(await agent.app.conversations.lock(alice.id, id, reply.id));
  t.equal((await agent.call('DELETE', `/v1/conversations/${id}`, { userId: alice.id })).statusCode, 204);
  t.same(await messageItems(id), []);

  const other = await newConversation(alice);
  // A lock whose message was never written (a send that crashed a moment ago).
  t.ok(await agent.app.conversations.lock(alice.id, other, 'neverwritten'));
  const refused = await agent.call('DELETE', `/v1/conversations/${other}`, { userId: alice.id });
  t.equal(refused.statusCode, 409);
  t.equal((await agent.call('GET', `/v1/conversations/${other}`, { userId: alice.id })).statusCode, 200);
});
