import t from 'tap';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { putNew, queryAll, queryItems, scanAll } from '../../../src/plugins/external/dynamodb.js';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

// A write whose answer came after the SDK's timeout is sent again: the second
// attempt finds the first one's item. These are the states it meets.
const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns, {}, { firstAdminInvite: false });
const { dynamo: doc } = agent.app;
const table = standIns.dynamo.tableName;

t.test('a new item written twice, as a retried attempt does, counts as written once', async (t) => {
  const item = { pk: 'TEST#1', sk: 'ITEM', text: 'hello', count: 2, gone: undefined };
  await putNew(doc, table, item);
  await putNew(doc, table, item);
  t.pass('the second attempt is not an error');
});

t.test('another item under the same key is a collision and throws, leaving the first', async (t) => {
  await putNew(doc, table, { pk: 'TEST#2', sk: 'ITEM', text: 'first' });
  await t.rejects(putNew(doc, table, { pk: 'TEST#2', sk: 'ITEM', text: 'second' }), { name: 'ConditionalCheckFailedException' });
  const stored = await agent.app.dynamo.send(new GetCommand({ TableName: table, Key: { pk: 'TEST#2', sk: 'ITEM' } }));
  t.equal(stored.Item?.text, 'first');
});

t.test("a conversation's lock taken again by the same message holds; another message is refused", async (t) => {
  const user = await registerUser(agent);
  const conversation = await agent.app.conversations.create(user.id, 'Locks');
  t.equal(await agent.app.conversations.lock(user.id, conversation.id, 'message-a'), true);
  t.equal(await agent.app.conversations.lock(user.id, conversation.id, 'message-a'), true, 'the retried attempt of the same lock');
  t.equal(await agent.app.conversations.lock(user.id, conversation.id, 'message-b'), false, 'another reply is still refused');
  await agent.app.conversations.unlock(user.id, conversation.id, 'message-a');
  t.equal(await agent.app.conversations.lock(user.id, conversation.id, 'message-b'), true);
});

t.test('an invite used again by the same registration (a retried attempt) holds; by another it is refused', async (t) => {
  const invite = await agent.app.invites.create({ role: 'member' });
  t.equal(await agent.app.invites.consume(invite.code, 'user-a'), true);
  t.equal(await agent.app.invites.consume(invite.code, 'user-a'), true, 'the retried attempt finds its own mark');
  t.equal(await agent.app.invites.consume(invite.code, 'user-b'), false, 'someone else finds it used');
});

t.test('a query or scan read page by page returns every item once, in order', async (t) => {
  const pk = 'TEST#PAGES';
  for (let i = 0; i < 7; i++) await putNew(doc, table, { pk, sk: `ITEM#${i}`, n: i });
  // Two items a page: four pages to follow.
  const read = await queryAll(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: 2 });
  t.same(read.map((item) => item.n as number), [0, 1, 2, 3, 4, 5, 6]);
  const scanned = await scanAll(doc, { TableName: table, FilterExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: 3 });
  t.same(scanned.map((item) => item.n as number).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6]);
  // Read as they are consumed: stopping early reads no further page.
  const firstThree: number[] = [];
  for await (const item of queryItems(doc, { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk }, Limit: 2 })) {
    firstThree.push(item.n as number);
    if (firstThree.length === 3) break;
  }
  t.same(firstThree, [0, 1, 2]);
});

t.test("a reply's end lets go of its own lock and moves the chat up in one write; another's lock stays", async (t) => {
  const user = await registerUser(agent);
  const conversation = await agent.app.conversations.create(user.id, 'Ends');
  t.ok(await agent.app.conversations.lock(user.id, conversation.id, 'reply-a'));
  await agent.app.conversations.unlockAndTouch(user.id, conversation.id, 'reply-a');
  const after = (await agent.app.conversations.get(user.id, conversation.id))!;
  t.equal(after.activeMessageId, undefined, 'the lock is gone');
  t.ok(after.updatedAt > conversation.updatedAt, 'and the chat moved up');

  t.ok(await agent.app.conversations.lock(user.id, conversation.id, 'reply-b'));
  await agent.app.conversations.unlockAndTouch(user.id, conversation.id, 'reply-a');
  const still = (await agent.app.conversations.get(user.id, conversation.id))!;
  t.equal(still.activeMessageId, 'reply-b', "another reply's lock is kept");
  t.ok(still.updatedAt > after.updatedAt, 'the chat still moved up');
});
