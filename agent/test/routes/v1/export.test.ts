/** GET /v1/export: all of one person's data, and nothing of anyone else's. */
import t from 'tap';
import { DATA_EXPORT_FORMAT, type DataExport, type User } from '@homeagent/contract';
import { newId } from '../../../src/id-generator.js';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);

async function seed(user: User, title: string, texts: string[]): Promise<string> {
  const conversation = await agent.app.conversations.create(user.id, title);
  for (const [i, text] of texts.entries()) {
    await agent.app.messages.create({
      id: newId(), conversationId: conversation.id, userId: user.id, role: i % 2 === 0 ? 'user' : 'assistant', text, state: 'complete', createdAt: new Date().toISOString(),
      ...(i % 2 === 1 ? { model: 'us.anthropic.claude-haiku-4-5-20251001-v1:0', usage: { inputTokens: 10 * i, outputTokens: 5, costUsd: 0.0001 } } : {}),
    });
  }
  await agent.app.conversations.touch(user.id, conversation.id);
  return conversation.id;
}

t.test('every conversation of the person with models, times, tokens and cost', async (t) => {
  const alice = await registerUser(agent);
  const bob = await registerUser(agent);
  const first = await seed(alice, 'First', ['hello', 'hi there']);
  const second = await seed(alice, 'Second', ['one', 'two', 'three', 'four']);
  await seed(bob, 'Bob secret', ['bob only']);

  const response = await agent.call('GET', '/v1/export', { userId: alice.id });
  t.equal(response.statusCode, 200);
  const data = response.json<DataExport>();
  t.equal(data.format, DATA_EXPORT_FORMAT);
  t.match(data.user, { id: alice.id, username: alice.username, displayName: alice.displayName });
  t.notOk('passwordHash' in data.user, 'no secret of the account');
  t.same(data.conversations.map((c) => c.conversation.id), [second, first], 'newest first');
  const two = data.conversations[0]!;
  t.equal(two.messages.length, 4);
  t.same(two.models, ['us.anthropic.claude-haiku-4-5-20251001-v1:0']);
  t.same(two.totals, { inputTokens: 40, outputTokens: 10, costUsd: 0.0002 });
  t.match(two.messages[1], { role: 'assistant', text: 'two', usage: { inputTokens: 10, outputTokens: 5 } });
  t.notOk(JSON.stringify(data).includes('bob only'), 'nothing of Bob\'s');

  const empty = await agent.call('GET', '/v1/export', { userId: (await registerUser(agent)).id });
  t.same(empty.json().conversations, []);
  t.equal((await agent.call('GET', '/v1/export')).statusCode, 400, 'for somebody only');
});
