import t from 'tap';
import { LIMITS } from '@homeagent/contract';
import { buildAgent, registerUser, startStandIns } from '../../../helper.js';

t.setTimeout(120_000);

const standIns = await startStandIns(t);
const agent = await buildAgent(t, standIns);
const alice = await registerUser(agent);
const bob = await registerUser(agent);

t.test('create, list newest first, read', async (t) => {
  const empty = await agent.call('GET', '/v1/conversations', { userId: alice.id });
  t.equal(empty.statusCode, 200);
  t.same(empty.json(), { conversations: [] });

  const first = await agent.call('POST', '/v1/conversations', { userId: alice.id, body: {} });
  t.equal(first.statusCode, 201);
  t.match(first.json().conversation, { id: /^[0-9a-z]+$/, userId: alice.id, title: 'New conversation', createdAt: String, updatedAt: String });
  const second = await agent.call('POST', '/v1/conversations', { userId: alice.id, body: { title: '  Holiday plans ' } });
  t.equal(second.json().conversation.title, 'Holiday plans');

  const bodiless = await agent.call('POST', '/v1/conversations', { userId: bob.id });
  t.equal(bodiless.statusCode, 201, 'no body means the default title');
  t.equal(bodiless.json().conversation.title, 'New conversation');

  const list = (await agent.call('GET', '/v1/conversations', { userId: alice.id })).json().conversations;
  t.same(list.map((c: { id: string }) => c.id), [second.json().conversation.id, first.json().conversation.id]);

  const detail = await agent.call('GET', `/v1/conversations/${first.json().conversation.id}`, { userId: alice.id });
  t.equal(detail.statusCode, 200);
  t.same(detail.json(), { conversation: first.json().conversation, messages: [] });

  t.same(
    (await agent.call('GET', '/v1/conversations', { userId: bob.id })).json().conversations.map((c: { id: string }) => c.id),
    [bodiless.json().conversation.id],
    "Bob sees only his own",
  );
  const bobReads = await agent.call('GET', `/v1/conversations/${first.json().conversation.id}`, { userId: bob.id });
  t.equal(bobReads.statusCode, 404);
});

t.test('a lone surrogate in JSON is stored as U+FFFD, never refused by the database', async (t) => {
  const response = await agent.call('POST', '/v1/conversations', {
    userId: alice.id,
    body: '{"title":"half \\ud83d an emoji"}',
    headers: { 'content-type': 'application/json' },
  });
  t.equal(response.statusCode, 201);
  t.equal(response.json().conversation.title, 'half \ufffd an emoji');
});

t.test('bad input is a 4xx with a message', async (t) => {
  const long = await agent.call('POST', '/v1/conversations', { userId: alice.id, body: { title: 'x'.repeat(LIMITS.titleMax + 1) } });
  t.equal(long.statusCode, 400);
  t.match(long.json(), { code: 'validation', message: /"title" must be at most 120 characters/ });
  const typed = await agent.call('POST', '/v1/conversations', { userId: alice.id, body: { title: 7 } });
  t.equal(typed.statusCode, 400);
  t.match(typed.json(), { message: /"title" must be a string/ });
  const noUser = await agent.call('GET', '/v1/conversations');
  t.equal(noUser.statusCode, 400);
  t.match(noUser.json(), { message: /header "x-user-id" is required/ });
  const badUser = await agent.call('GET', '/v1/conversations', { userId: 'Robert;DROP' });
  t.equal(badUser.statusCode, 400);
  const unknownUser = await agent.call('GET', '/v1/conversations', { userId: 'nosuchperson' });
  t.equal(unknownUser.statusCode, 401);
  t.match(unknownUser.json(), { code: 'unknown_user', message: /no account/ });
  const unknown = await agent.call('GET', '/v1/conversations/abc123', { userId: alice.id });
  t.equal(unknown.statusCode, 404);
  t.match(unknown.json(), { code: 'not_found', message: /conversation does not exist/ });
  const bad = await agent.call('GET', `/v1/conversations/${'a'.repeat(65)}`, { userId: alice.id });
  t.equal(bad.statusCode, 400);
});
