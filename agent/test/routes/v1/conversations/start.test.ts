/**
 * A chat begins with its first message: POST /v1/conversations/start creates
 * the conversation, already named, together with the message; a refused
 * first message leaves nothing behind. A plain send names an untitled chat
 * at once, not when the reply ends.
 */
import t from 'tap';
import { conversationTopic } from '@homeagent/contract';
import { buildAgent, PUBLIC_URL, registerUser, startStandIns, subscriberToken } from '../../../helper.js';
import { subscribe } from '../../../sse-client.js';

t.setTimeout(300_000);

// A slow reply, so "named before the reply ends" is observable.
const standIns = await startStandIns(t, { bedrock: true, hub: true, tokensPerSecond: 20 });
const agent = await buildAgent(t, standIns);

const list = async (userId: string) => (await agent.call('GET', '/v1/conversations', { userId })).json().conversations as { id: string; title: string }[];

t.test('start creates the conversation named from the first message, with both messages', async (t) => {
  const alice = await registerUser(agent);
  const response = await agent.call('POST', '/v1/conversations/start', { userId: alice.id, body: { text: '  Plan the  garden\nfor spring ' } });
  t.equal(response.statusCode, 201);
  const body = response.json();
  t.equal(body.conversation.title, 'Plan the garden for spring');
  t.match(body.userMessage, { role: 'user', text: '  Plan the  garden\nfor spring ', conversationId: body.conversation.id });
  t.match(body.assistantMessage, { role: 'assistant', state: 'streaming' });
  t.equal(body.topic, conversationTopic(PUBLIC_URL, alice.id, body.conversation.id));
  const listed = await list(alice.id);
  t.same(listed.map((c) => c.title), ['Plan the garden for spring'], 'the list has it with its title while the reply streams');
  const hub = await subscribe({ hubUrl: standIns.hub!.url, topics: [body.topic], token: await subscriberToken(alice.id), lastEventId: body.assistantMessage.lastEventId });
  t.teardown(() => hub.close());
  await hub.waitFor((e) => e.type === 'done');
});

t.test('a refused first message stores no conversation', async (t) => {
  const tight = await buildAgent(t, standIns, { MONTHLY_BUDGET_USD: '0.005' });
  const carol = await registerUser(tight);
  const refused = await tight.call('POST', '/v1/conversations/start', { userId: carol.id, body: { text: 'an expensive question' } });
  t.equal(refused.statusCode, 402);
  t.match(refused.json(), { code: 'budget_exceeded' });
  t.same(await list(carol.id), [], 'no empty chat is left behind');

  const blank = await agent.call('POST', '/v1/conversations/start', { userId: carol.id, body: { text: '   ' } });
  t.equal(blank.statusCode, 400);
  t.match(blank.json(), { code: 'validation', message: /must not be blank/ });
  const missing = await agent.call('POST', '/v1/conversations/start', { userId: carol.id, body: {} });
  t.equal(missing.statusCode, 400);
  t.same(await list(carol.id), []);
});

t.test('sending in an untitled chat names it at once, before the reply ends', async (t) => {
  const bob = await registerUser(agent);
  const created = (await agent.call('POST', '/v1/conversations', { userId: bob.id, body: {} })).json().conversation;
  const sent = await agent.call('POST', `/v1/conversations/${created.id}/messages`, { userId: bob.id, body: { text: 'Name me now please' } });
  t.equal(sent.statusCode, 202);
  const reply = await agent.call('GET', `/v1/conversations/${created.id}/messages/${sent.json().assistantMessage.id}`, { userId: bob.id });
  t.equal(reply.json().message.state, 'streaming', 'the reply is still running');
  t.equal((await list(bob.id)).find((c) => c.id === created.id)?.title, 'Name me now please');
  await agent.call('POST', `/v1/conversations/${created.id}/messages/${sent.json().assistantMessage.id}/stop`, { userId: bob.id, body: {} });
});
