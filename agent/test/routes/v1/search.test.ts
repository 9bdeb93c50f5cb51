/**
 * GET /v1/search: one's own chats by title and message text, case- and
 * accent-insensitive, with marked snippets; never another person's.
 */
import t from 'tap';
import type { SearchResponse, User } from '@homeagent/contract';
import { newId } from '../../../src/id-generator.js';
import { buildAgent, registerUser, startStandIns, until } from '../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);

const search = async (user: User, q: string) => {
  const response = await agent.call('GET', `/v1/search?q=${encodeURIComponent(q)}`, { userId: user.id });
  if (response.statusCode !== 200) throw new Error(`search answered ${response.statusCode}: ${response.body}`);
  return response.json() as SearchResponse;
};

/** Stores a conversation with messages as a send would (message, then the list's updatedAt moves). */
async function seed(user: User, title: string, texts: string[]): Promise<string> {
  const conversation = await agent.app.conversations.create(user.id, title);
  for (const [i, text] of texts.entries()) {
    await agent.app.messages.create({
      id: newId(), conversationId: conversation.id, userId: user.id, role: i % 2 === 0 ? 'user' : 'assistant', text, state: 'complete', createdAt: new Date().toISOString(),
    });
  }
  await agent.app.conversations.touch(user.id, conversation.id);
  return conversation.id;
}

const alice = await registerUser(agent);
const bob = await registerUser(agent);
const aliceChat = await seed(alice, 'Dinner ideas', ['What goes with a Crème brûlée?', 'A light dessert wine, or strong coffee after the <b>crème</b>.']);
const bobChat = await seed(bob, 'Crème brûlée for Bob', ['Bob asks about crème brûlée too']);

t.test('finds message text case- and accent-insensitively, with the match marked', async (t) => {
  const { hits, truncated } = await search(alice, 'CREME');
  t.equal(truncated, false);
  t.equal(hits.length, 2, 'both messages, no title hit');
  t.ok(hits.every((h) => h.conversationId === aliceChat && h.conversationTitle === 'Dinner ideas'));
  const reply = hits.find((h) => h.role === 'assistant')!;
  t.ok(reply.messageId, 'a message hit names its message');
  t.same(reply.snippet, [
    { text: 'A light dessert wine, or strong coffee after the <b>', match: false },
    { text: 'crème', match: true },
    { text: '</b>.', match: false },
  ], 'the original text (unescaped: the app escapes), the match marked');
  t.equal(hits[0]!.role, 'assistant', 'newest message first');
});

t.test('every word must appear; a title matches too', async (t) => {
  t.equal((await search(alice, 'creme coffee')).hits.length, 1);
  t.equal((await search(alice, 'creme tea')).hits.length, 0);
  const title = await search(alice, 'dinner');
  t.equal(title.hits.length, 1);
  t.equal(title.hits[0]!.messageId, undefined);
  t.same(title.hits[0]!.snippet, [{ text: 'Dinner', match: true }, { text: ' ideas', match: false }]);
});

t.test('never shows another person, with the very same words', async (t) => {
  const bobs = await search(bob, 'crème brûlée');
  t.ok(bobs.hits.length >= 2);
  t.ok(bobs.hits.every((h) => h.conversationId === bobChat), 'only Bob\'s own chat');
  const alices = await search(alice, 'brulee');
  t.ok(alices.hits.every((h) => h.conversationId === aliceChat), 'only Alice\'s own chat');
  t.notOk(JSON.stringify(alices).includes('Bob'));
});

t.test('a new message, a finished reply and a delete show at the next search', async (t) => {
  const send = await agent.call('POST', `/v1/conversations/${aliceChat}/messages`, { userId: alice.id, body: { text: 'Tell me about pavlova' } });
  t.equal(send.statusCode, 202);
  t.equal((await search(alice, 'pavlova')).hits.filter((h) => h.role === 'user').length, 1, 'the sent message at once');
  // The emulator's reply quotes the message and ends with its own words: found once the reply is final.
  const replyId = send.json().assistantMessage.id as string;
  const reply = await until(async () => {
    const r = await agent.call('GET', `/v1/conversations/${aliceChat}/messages/${replyId}`, { userId: alice.id });
    const message = r.json().message as { state: string; text: string };
    return message.state === 'complete' ? message : undefined;
  }, 'the reply to finish');
  t.match(reply.text, /system prompt/, 'the stored reply holds the words searched for below');
  const found = (await search(alice, 'pavlova')).hits.find((h) => h.role === 'assistant');
  t.equal(found?.messageId, replyId, 'the finished reply is found');
  const byReplyWords = await search(alice, 'system prompt');
  t.ok(byReplyWords.hits.some((h) => h.messageId === replyId), 'by words only the reply has', { hits: byReplyWords.hits });
  const deleted = await agent.call('DELETE', `/v1/conversations/${aliceChat}`, { userId: alice.id });
  t.equal(deleted.statusCode, 204);
  t.same((await search(alice, 'pavlova')).hits, []);
});

t.test('bad queries are refused with a sentence', async (t) => {
  const blank = await agent.call('GET', '/v1/search?q=%20%20', { userId: alice.id });
  t.equal(blank.statusCode, 400);
  t.match(blank.json(), { code: 'validation', message: 'Write a word to search for.' });
  const missing = await agent.call('GET', '/v1/search', { userId: alice.id });
  t.equal(missing.statusCode, 400);
  const long = await agent.call('GET', `/v1/search?q=${'a'.repeat(201)}`, { userId: alice.id });
  t.equal(long.statusCode, 400);
  const nobody = await agent.call('GET', '/v1/search?q=creme');
  t.equal(nobody.statusCode, 400);
});
