/**
 * Sending again safely (contract send-retry.ts): designed backpressure (503
 * `busy` with Retry-After, nothing written) and the idempotency key (the same
 * send again is answered with the same messages, never a second reply).
 */
import t from 'tap';
import { IDEMPOTENCY_KEY_HEADER, type User } from '@homeagent/contract';
import { sendFingerprint, SEND_PENDING_MS } from '../../../../src/send-claim.js';
import { sendKeyTtl } from '../../../../src/plugins/app/send-keys-repository.js';
import { buildAgent, registerUser, startStandIns, until, type TestAgent } from '../../../helper.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);

async function newConversation(a: TestAgent, user: User): Promise<string> {
  const response = await a.call('POST', '/v1/conversations', { userId: user.id, body: {} });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json().conversation.id as string;
}

const messagesOf = async (a: TestAgent, user: User, conversationId: string) =>
  (await a.call('GET', `/v1/conversations/${conversationId}`, { userId: user.id })).json().messages as { id: string; role: string; state: string; text: string }[];

const conversationsOf = async (a: TestAgent, user: User) => (await a.call('GET', '/v1/conversations', { userId: user.id })).json().conversations as { id: string }[];

/** Waits until no reply of the conversation streams (a condition on the stored state). */
const settled = (a: TestAgent, user: User, conversationId: string) =>
  until(async () => ((await messagesOf(a, user, conversationId)).some((m) => m.state === 'streaming') ? undefined : true), 'the reply to end');

let keys = 0;
const freshKey = () => `test-key-${Date.now().toString(36)}-${(keys++).toString().padStart(4, '0')}`;

t.test('with no room for another send, a send and a first message answer 503 busy with Retry-After and write nothing', async (t) => {
  const full = await buildAgent(t, standIns, { SEND_MAX_IN_FLIGHT: '0', SEND_RETRY_AFTER_S: '3' });
  const alice = await registerUser(full);
  const conversationId = await newConversation(full, alice);

  const sent = await full.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: alice.id, body: { text: 'hello' } });
  t.equal(sent.statusCode, 503);
  t.match(sent.json(), { code: 'busy', message: /^HomeAgent is busy right now — try again in \d seconds\./ });
  const wait = Number(sent.headers['retry-after']);
  t.ok(wait >= 3 && wait <= 6, `Retry-After is between the configured 3 seconds and twice that (${String(sent.headers['retry-after'])})`);
  t.match(sent.json().message, new RegExp(`in ${wait} seconds`), 'the sentence names the same wait as the header');
  t.same(await messagesOf(full, alice, conversationId), [], 'no message was stored');

  const started = await full.call('POST', '/v1/conversations/start', { userId: alice.id, body: { text: 'a new chat' }, headers: { [IDEMPOTENCY_KEY_HEADER]: freshKey() } });
  t.equal(started.statusCode, 503);
  t.equal(started.json().code, 'busy');
  t.ok(Number(started.headers['retry-after']) >= 3);
  t.same((await conversationsOf(full, alice)).map((c) => c.id), [conversationId], 'no new conversation was stored');

  // Other routes are not sends: reading still works while sends are refused.
  t.equal((await full.call('GET', `/v1/conversations/${conversationId}`, { userId: alice.id })).statusCode, 200);
  t.ok(full.logs.lines.some((l) => l.msg === 'send shed: busy' && l.reason === 'in_flight'), 'the shed send is logged with its reason');
});

t.test('a send while the event loop lags past the threshold answers 503 busy', async (t) => {
  const lagging = await buildAgent(t, standIns, { SEND_MAX_EVENT_LOOP_LAG_MS: '200' });
  const bob = await registerUser(lagging);
  const conversationId = await newConversation(lagging, bob);
  // Keep the loop from running for a whole second, as a CPU-starved task does.
  const blockedUntil = Date.now() + 1_000;
  while (Date.now() < blockedUntil) {
    // busy on purpose
  }
  const sent = await lagging.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: bob.id, body: { text: 'hello' } });
  t.equal(sent.statusCode, 503);
  t.equal(sent.json().code, 'busy');
  t.ok(Number(sent.headers['retry-after']) >= 2);
  t.same(await messagesOf(lagging, bob, conversationId), [], 'no message was stored');
  t.ok(lagging.logs.lines.some((l) => l.msg === 'send shed: busy' && l.reason === 'event_loop_lag'));
});

t.test('the same send again with its key is answered with the same messages, and no second reply starts', async (t) => {
  const carol = await registerUser(agent);
  const conversationId = await newConversation(agent, carol);
  const key = freshKey();
  const send = (text: string) =>
    agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: carol.id, body: { text }, headers: { [IDEMPOTENCY_KEY_HEADER]: key } });

  const first = await send('what is the weather like?');
  t.equal(first.statusCode, 202);
  const again = await send('what is the weather like?');
  t.equal(again.statusCode, 202, 'sent again while the reply streams: no 409');
  t.equal(again.json().userMessage.id, first.json().userMessage.id);
  t.equal(again.json().assistantMessage.id, first.json().assistantMessage.id);
  t.equal(again.json().topic, first.json().topic);

  await settled(agent, carol, conversationId);
  const late = await send('what is the weather like?');
  t.equal(late.statusCode, 202, 'and again once the reply ended');
  t.equal(late.json().assistantMessage.id, first.json().assistantMessage.id);
  t.equal(late.json().assistantMessage.state, 'complete', 'now with the finished reply');

  const stored = await messagesOf(agent, carol, conversationId);
  t.same(stored.map((m) => m.role), ['user', 'assistant'], 'one message and one reply, however often it was sent');

  const other = await send('something else entirely');
  t.equal(other.statusCode, 422, 'the same key with another message is refused');
  t.equal(other.json().code, 'idempotency_key_reused');
  t.equal((await messagesOf(agent, carol, conversationId)).length, 2, 'and writes nothing');

  t.equal(agent.app.sendAdmission.inFlight, 0, 'every answered send was counted out');
});

t.test('a new chat sent again with its key is the same chat', async (t) => {
  const dave = await registerUser(agent);
  const key = freshKey();
  const start = () => agent.call('POST', '/v1/conversations/start', { userId: dave.id, body: { text: 'plan a trip' }, headers: { [IDEMPOTENCY_KEY_HEADER]: key } });
  const first = await start();
  t.equal(first.statusCode, 201);
  const again = await start();
  t.equal(again.statusCode, 201);
  t.equal(again.json().conversation.id, first.json().conversation.id);
  t.equal(again.json().assistantMessage.id, first.json().assistantMessage.id);
  t.same((await conversationsOf(agent, dave)).map((c) => c.id), [first.json().conversation.id], 'one chat');
  await settled(agent, dave, first.json().conversation.id);
  t.equal((await messagesOf(agent, dave, first.json().conversation.id)).length, 2);
});

t.test('while the first attempt is still being stored, the second is told to come back; a gone attempt is taken over', async (t) => {
  const erin = await registerUser(agent);
  const conversationId = await newConversation(agent, erin);
  const body = { text: 'are you there?' };
  const held = (pendingUntil: number, key: string) => ({
    userId: erin.id,
    key,
    conversationId,
    userMessageId: `held${key.slice(-4)}user`,
    assistantId: `held${key.slice(-4)}reply`,
    fingerprint: sendFingerprint(conversationId, body),
    pendingUntil,
    ttl: sendKeyTtl(),
  });
  // An attempt that has claimed its key and not yet written its messages.
  const busyKey = freshKey();
  t.equal(await agent.app.sendKeys.claim(held(Date.now() + SEND_PENDING_MS, busyKey)), undefined);
  const meanwhile = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: erin.id, body, headers: { [IDEMPOTENCY_KEY_HEADER]: busyKey } });
  t.equal(meanwhile.statusCode, 503);
  t.match(meanwhile.json(), { code: 'send_in_progress', message: /still being sent — try again in \d seconds/ });
  t.ok(Number(meanwhile.headers['retry-after']) >= 1);
  t.same(await messagesOf(agent, erin, conversationId), [], 'nothing written');

  // An attempt that claimed its key and then died (its time to write is long past): the retry goes ahead, once.
  const goneKey = freshKey();
  t.equal(await agent.app.sendKeys.claim(held(Date.now() - 1, goneKey)), undefined);
  const retry = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: erin.id, body, headers: { [IDEMPOTENCY_KEY_HEADER]: goneKey } });
  t.equal(retry.statusCode, 202);
  t.equal((await agent.app.sendKeys.get(erin.id, goneKey))?.userMessageId, retry.json().userMessage.id, 'the key now names the retry');
  await settled(agent, erin, conversationId);
  t.same((await messagesOf(agent, erin, conversationId)).map((m) => m.role), ['user', 'assistant']);
});

t.test('a send refused before it wrote anything gives its key back', async (t) => {
  const frank = await registerUser(agent);
  const conversationId = await newConversation(agent, frank);
  const key = freshKey();
  const refused = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, {
    userId: frank.id,
    body: { text: 'hello', model: 'no-such-model' },
    headers: { [IDEMPOTENCY_KEY_HEADER]: key },
  });
  t.equal(refused.statusCode, 400);
  t.equal(refused.json().code, 'model_unavailable');
  t.equal(await agent.app.sendKeys.get(frank.id, key), undefined, 'the key is free again');
  const malformed = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: frank.id, body: { text: 'hello' }, headers: { [IDEMPOTENCY_KEY_HEADER]: 'short' } });
  t.equal(malformed.statusCode, 400, 'a malformed key is a 400');
  t.match(malformed.json(), { code: 'validation', message: /idempotency-key/ });
});
