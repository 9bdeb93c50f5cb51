import t from 'tap';
import { EMULATOR_MARKERS, emulatorReply, inputTokenCount, replyTokens, type ConverseRequest } from '@homeagent/local/bedrock-emulator';
import { DEFAULT_SYSTEM_PROMPT } from '../../../../src/config.js';
import { conversationTopic, updateId, type DeltaEvent, type Message, type User } from '@homeagent/contract';
import { renderMarkdown, streamView } from '@homeagent/markdown';
import { monthOf } from '../../../../src/budget.js';
import { buildAgent, PUBLIC_URL, registerUser, startStandIns, subscriberToken, until, type TestAgent } from '../../../helper.js';
import { subscribe, type SseEvent, type Subscription } from '../../../sse-client.js';

t.setTimeout(300_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns);
const hubUrl = standIns.hub!.url;

/** What a page shows after applying `deltas` to what it showed (`from`, e.g. a checkpoint's view): rendered blocks, then the tail as text. */
function shown(deltas: SseEvent[], from = { html: '', tail: '' }): { html: string; tail: string } {
  let { html, tail } = from;
  for (const event of deltas) {
    const delta = JSON.parse(event.data) as DeltaEvent;
    html += delta.html;
    tail = delta.replace ? delta.text : tail + delta.text;
  }
  return { html, tail };
}

/** A finished reply as a reload shows it. */
const finalView = (text: string) => ({ html: renderMarkdown(text), tail: '' });

const requestOf = (texts: string[]): ConverseRequest => ({
  messages: texts.map((text, i) => ({ role: i % 2 === 0 ? 'user' : 'assistant', content: [{ text }] })),
  system: [{ text: DEFAULT_SYSTEM_PROMPT }],
});

async function newConversation(a: TestAgent, user: User): Promise<string> {
  const response = await a.call('POST', '/v1/conversations', { userId: user.id, body: {} });
  if (response.statusCode !== 201) throw new Error(response.body);
  return response.json().conversation.id as string;
}

async function listen(user: User, conversationId: string, lastEventId?: string): Promise<Subscription> {
  const subscription = await subscribe({
    hubUrl,
    topics: [conversationTopic(PUBLIC_URL, user.id, conversationId)],
    token: await subscriberToken(user.id),
    ...(lastEventId ? { lastEventId } : {}),
  });
  t.teardown(() => subscription.close());
  return subscription;
}

const send = (a: TestAgent, user: User, conversationId: string, text: string) =>
  a.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: user.id, body: { text } });

const isDone = (messageId: string) => (e: SseEvent) => e.type === 'done' && JSON.parse(e.data).messageId === messageId;

/** The reply pieces (`delta` events) of one message, in the order they arrived. */
const piecesOf = (events: SseEvent[], messageId: string) => events.filter((e) => e.type === 'delta' && e.id?.startsWith(`${messageId}:`));

async function getMessage(a: TestAgent, user: User, conversationId: string, messageId: string): Promise<Message> {
  const response = await a.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: user.id });
  if (response.statusCode !== 200) throw new Error(response.body);
  return response.json().message;
}

const alice = await registerUser(agent, 'member');
const bob = await registerUser(agent, 'member');

t.test('a reply streams to the hub in order and complete, and is stored', async (t) => {
  const conversationId = await newConversation(agent, alice);
  const mine = await listen(alice, conversationId);
  // Bob subscribes to Alice's topic by name and to everything: private updates must reach neither.
  const bobsToken = await subscriberToken(bob.id);
  const snoop = await subscribe({ hubUrl, topics: [conversationTopic(PUBLIC_URL, alice.id, conversationId)], token: bobsToken });
  const snoopAll = await subscribe({ hubUrl, topics: ['*'], token: bobsToken });
  t.teardown(() => {
    snoop.close();
    snoopAll.close();
  });

  const text = 'Hello <b>world</b> & "friends", it\'s me';
  const response = await send(agent, alice, conversationId, text);
  t.equal(response.statusCode, 202);
  const body = response.json();
  t.equal(body.topic, conversationTopic(PUBLIC_URL, alice.id, conversationId));
  t.match(body.userMessage, { role: 'user', text, state: 'complete', conversationId });
  const assistant = body.assistantMessage as Message;
  t.match(assistant, { role: 'assistant', text: '', state: 'streaming', lastEventId: updateId(assistant.id, 0) });
  t.ok(body.userMessage.id < assistant.id, 'the reply sorts after the message');

  await mine.waitFor(isDone(assistant.id));
  const events = mine.events.filter((e) => e.id?.startsWith(`${assistant.id}:`));
  t.equal(events[0]?.type, 'start', 'the start event comes first');
  t.same(JSON.parse(events[0]!.data), { messageId: assistant.id });
  t.same(
    events.map((e) => e.id),
    events.map((_, i) => updateId(assistant.id, i)),
    'ids are consecutive, so nothing is missing or out of order',
  );
  t.equal(events.at(-1)?.type, 'done', 'done comes last');
  const pieces = piecesOf(events, assistant.id);
  const request = requestOf([text]);
  const reply = emulatorReply(request);
  t.same(shown(pieces), finalView(reply), 'the pieces add up to the rendered reply, with nothing left as text');
  t.match(shown(pieces).html, /&lt;b&gt;world&lt;\/b&gt;/, 'what the person wrote stays text');
  // One per coalesced group of tokens, plus the last one that renders the rest.
  t.ok(pieces.length >= 1 && pieces.length <= replyTokens(reply).length + 1, 'deltas are published at most one per token');
  // `text` is shown as text (textContent), so only `html` could carry markup.
  t.notOk(pieces.some((p) => /<b>/.test(JSON.parse(p.data).html)), 'no raw HTML reaches the page');
  t.ok(pieces.every((p) => JSON.parse(p.data).messageId === assistant.id), 'each delta names its message');

  const done = JSON.parse(events.at(-1)!.data);
  const expectedUsage = {
    inputTokens: inputTokenCount(request),
    outputTokens: replyTokens(reply).length,
    costUsd: (inputTokenCount(request) * 5 + replyTokens(reply).length * 25) / 1_000_000,
  };
  t.same(done, { messageId: assistant.id, state: 'complete', usage: expectedUsage });

  const stored = await getMessage(agent, alice, conversationId, assistant.id);
  t.same(stored, {
    id: assistant.id,
    conversationId,
    role: 'assistant',
    text: reply,
    state: 'complete',
    createdAt: assistant.createdAt,
    lastEventId: pieces.at(-1)!.id,
    model: 'us.anthropic.claude-opus-4-6-v1',
    modelName: 'Claude Opus 4.6',
    context: { sent: 0, leftOut: 0 },
    usage: expectedUsage,
  });

  t.equal(snoop.events.length, 0, "Bob's subscription to Alice's topic got nothing");
  t.equal(snoopAll.events.length, 0, "Bob's subscription to everything got nothing");

  const detail = (await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: alice.id })).json();
  t.equal(detail.conversation.title, text, 'the first message names the conversation');
  t.same(detail.messages.map((m: Message) => [m.role, m.state]), [['user', 'complete'], ['assistant', 'complete']]);

  // The month's usage holds the real cost only: the reservation was settled.
  const usage = await agent.app.usage.get(alice.id, monthOf());
  t.equal(usage.spentMicroUsd, Math.round(expectedUsage.costUsd * 1_000_000));
  t.equal(usage.committedMicroUsd, usage.spentMicroUsd, 'nothing stays reserved');
  t.equal(usage.outputTokens, expectedUsage.outputTokens);
});

t.test('the next message sends the conversation so far, and a late subscriber catches up from the start id', async (t) => {
  const conversationId = await newConversation(agent, alice);
  const live = await listen(alice, conversationId);
  const first = (await send(agent, alice, conversationId, 'first question')).json().assistantMessage as Message;
  await live.waitFor(isDone(first.id));
  const firstReply = emulatorReply(requestOf(['first question']));

  const second = (await send(agent, alice, conversationId, 'second question')).json().assistantMessage as Message;
  await live.waitFor(isDone(second.id));
  const expected = emulatorReply(requestOf(['first question', firstReply, 'second question']));
  t.match(expected, /\*\*3 messages\*\*/, 'the model saw three messages');
  t.equal((await getMessage(agent, alice, conversationId, second.id)).text, expected);

  // A page opened after the fact subscribes from the start id and gets the whole reply from history.
  const late = await listen(alice, conversationId, second.lastEventId);
  await late.waitFor(isDone(second.id));
  t.same(shown(piecesOf(late.events, second.id)), finalView(expected));
  t.equal(piecesOf(late.events, first.id).length, 0, 'nothing of the earlier reply is repeated');
});

t.test('one reply at a time; stop keeps the partial text; a reload resumes from the checkpoint', async (t) => {
  const conversationId = await newConversation(agent, alice);
  const live = await listen(alice, conversationId);
  const text = `tell me slowly ${EMULATOR_MARKERS.slow}`;
  const assistant = (await send(agent, alice, conversationId, text)).json().assistantMessage as Message;

  const busy = await send(agent, alice, conversationId, 'are you there?');
  t.equal(busy.statusCode, 409);
  t.match(busy.json(), { code: 'reply_in_progress', message: /still answering/ });

  // A reload: the stored checkpoint plus what the hub sends after its id is the reply so far.
  const checkpoint = await until(async () => {
    const m = await getMessage(agent, alice, conversationId, assistant.id);
    return m.text !== '' && m.lastEventId !== updateId(assistant.id, 0) ? m : undefined;
  }, 'a checkpoint');
  t.equal(checkpoint.state, 'streaming');
  const reloaded = await listen(alice, conversationId, checkpoint.lastEventId);
  await reloaded.waitFor((e) => e.type === 'delta');

  const stop = await agent.call('POST', `/v1/conversations/${conversationId}/messages/${assistant.id}/stop`, { userId: alice.id });
  t.equal(stop.statusCode, 200);
  const stopped = stop.json().message as Message;
  t.equal(stopped.state, 'stopped');
  const full = emulatorReply(requestOf([text]));
  t.ok(stopped.text.length > 0 && stopped.text.length < full.length, 'a part of the reply is kept');
  t.ok(full.startsWith(stopped.text), 'the kept part is the start of the reply');

  const done = await live.waitFor(isDone(assistant.id));
  t.match(JSON.parse(done.data), { messageId: assistant.id, state: 'stopped' });
  t.same(shown(piecesOf(live.events, assistant.id)), finalView(stopped.text), 'the page saw exactly what was kept');
  await reloaded.waitFor(isDone(assistant.id));
  t.same(
    shown(piecesOf(reloaded.events, assistant.id), streamView(checkpoint.text)),
    finalView(stopped.text),
    'checkpoint + the rest from the hub: nothing lost, nothing doubled',
  );

  const again = await agent.call('POST', `/v1/conversations/${conversationId}/messages/${assistant.id}/stop`, { userId: alice.id });
  t.equal(again.statusCode, 409);
  t.match(again.json(), { code: 'not_streaming' });

  const next = await send(agent, alice, conversationId, 'and now?');
  t.equal(next.statusCode, 202, 'the conversation is free again');
  await live.waitFor(isDone(next.json().assistantMessage.id));
});

t.test('Bedrock failures end the reply with a sentence a person understands', async (t) => {
  const cases = [
    { marker: EMULATOR_MARKERS.throttle, message: /too many requests/, metric: 'BedrockThrottles', final: false },
    { marker: EMULATOR_MARKERS.validation, message: /could not accept this request/, metric: 'AgentErrors', final: true },
    { marker: EMULATOR_MARKERS.internal, message: /ran into a problem/, metric: 'AgentErrors', final: false },
  ];
  for (const c of cases) {
    const conversationId = await newConversation(agent, alice);
    const live = await listen(alice, conversationId);
    const before = await agent.app.usage.get(alice.id, monthOf());
    const response = await send(agent, alice, conversationId, `please fail ${c.marker}`);
    t.equal(response.statusCode, 202, c.marker);
    const id = response.json().assistantMessage.id as string;
    const done = JSON.parse((await live.waitFor(isDone(id))).data);
    t.match(done, { messageId: id, state: 'error', error: c.message }, c.marker);
    const stored = await getMessage(agent, alice, conversationId, id);
    t.equal(stored.state, 'error');
    t.match(stored.error, c.message);
    t.notMatch(stored.error, /Exception|emulator/, 'no technical detail is shown to the person');
    t.equal(stored.errorFinal, c.final ? true : undefined, 'a refusal is marked final, a passing fault is not');
    const after = await agent.app.usage.get(alice.id, monthOf());
    t.equal(after.committedMicroUsd - after.spentMicroUsd, before.committedMicroUsd - before.spentMicroUsd, 'the reservation was released');
    t.ok(
      agent.logs.lines.some((l) => l.msg === 'metric' && typeof l[c.metric] === 'number'),
      `${c.metric} is reported`,
    );
    const next = await send(agent, alice, conversationId, 'try again');
    t.equal(next.statusCode, 202, 'the conversation is usable after an error');
    const nextId = next.json().assistantMessage.id as string;
    if (c.final) {
      // Issue 14 item 3: the refused message leaves the context, so it cannot poison the next turn.
      t.match(JSON.parse((await live.waitFor(isDone(nextId))).data), { state: 'complete' }, 'the next message passes');
      t.notOk(JSON.stringify(standIns.emulator!.requests.at(-1)!.messages).includes(c.marker), 'the refused text was not sent again');
    } else {
      // A passing fault keeps the message: the errored reply is left out and the two user messages are
      // joined into one, so the marker is still in it and the emulator fails the same way again.
      t.match(JSON.parse((await live.waitFor(isDone(nextId))).data), { state: 'error', error: c.message });
    }
  }
});

t.test('metrics are CloudWatch EMF lines', async (t) => {
  const line = agent.logs.lines.find((l) => l.msg === 'metric' && 'TimeToFirstTokenMs' in l);
  t.ok(line, 'time to first token is reported');
  t.match(line, {
    Service: 'agent',
    TimeToFirstTokenMs: Number,
    _aws: { Timestamp: Number, CloudWatchMetrics: [{ Namespace: 'HomeAgent', Dimensions: [['Service']], Metrics: [{ Name: 'TimeToFirstTokenMs', Unit: 'Milliseconds' }] }] },
  });
  const spend = agent.logs.lines.filter((l) => l.msg === 'metric' && 'DailySpendUsd' in l).map((l) => l.DailySpendUsd as number);
  t.ok(spend.length >= 2, 'daily spend is reported after each reply');
  t.ok(spend.every((v, i) => i === 0 || v >= spend[i - 1]!), 'and only grows within the day');
});

t.test("another person's conversation is not found, and bad input is refused", async (t) => {
  const conversationId = await newConversation(agent, alice);
  const live = await listen(alice, conversationId);
  const id = (await send(agent, alice, conversationId, 'hi')).json().assistantMessage.id as string;
  await live.waitFor(isDone(id));

  for (const [method, url, body] of [
    ['POST', `/v1/conversations/${conversationId}/messages`, { text: 'let me in' }],
    ['GET', `/v1/conversations/${conversationId}/messages/${id}`, undefined],
    ['POST', `/v1/conversations/${conversationId}/messages/${id}/stop`, undefined],
    ['GET', `/v1/conversations/${conversationId}`, undefined],
  ] as const) {
    const response = await agent.call(method, url, { userId: bob.id, ...(body ? { body } : {}) });
    t.equal(response.statusCode, 404, `${method} ${url} as Bob`);
    t.equal(response.json().code, 'not_found');
  }

  const cases: Array<[string, unknown, number, RegExp]> = [
    ['missing text', {}, 400, /"text" is required/],
    ['empty text', { text: '' }, 400, /"text" must not be empty/],
    ['blank text', { text: '   \n ' }, 400, /"text" must not be blank/],
    ['oversized text', { text: 'x'.repeat(16_001) }, 400, /"text" must be at most 16000 characters/],
    ['number text', { text: 42 }, 400, /"text" must be a string/],
    ['null text', { text: null }, 400, /"text" must be a string/],
  ];
  for (const [name, body, status, message] of cases) {
    const response = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: alice.id, body });
    t.equal(response.statusCode, status, name);
    t.match(response.json(), { code: 'validation', message }, name);
  }
  const unknownConversation = await send(agent, alice, 'zzzzzzzzzzzz', 'hello');
  t.equal(unknownConversation.statusCode, 404);
  const badId = await send(agent, alice, 'NOT-AN-ID', 'hello');
  t.equal(badId.statusCode, 400);
  t.match(badId.json(), { code: 'validation', message: /"conversationId"/ });
  const unknownMessage = await agent.call('GET', `/v1/conversations/${conversationId}/messages/zzzzzz`, { userId: alice.id });
  t.equal(unknownMessage.statusCode, 404);
  const stopComplete = await agent.call('POST', `/v1/conversations/${conversationId}/messages/${id}/stop`, { userId: alice.id });
  t.equal(stopComplete.statusCode, 409);
  t.match(stopComplete.json(), { code: 'not_streaming', message: /already finished/ });
  const noUser = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { body: { text: 'hi' } });
  t.equal(noUser.statusCode, 400);

  const detail = (await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: alice.id })).json();
  t.equal(detail.messages.length, 2, 'refused requests stored nothing');
});

t.test('over budget is a 402 that writes nothing', async (t) => {
  // $0.003 buys fewer than the 256 output tokens (BUDGET_MIN_OUTPUT_TOKENS) a reply gets at least.
  const tight = await buildAgent(t, standIns, { MONTHLY_BUDGET_USD: '0.003' });
  const carol = await registerUser(tight, 'member');
  const conversationId = await newConversation(tight, carol);
  const response = await send(tight, carol, conversationId, 'expensive question');
  t.equal(response.statusCode, 402);
  t.match(response.json(), { code: 'budget_exceeded', message: /\$0\.00 spent of \$0\.0030\. The budget renews on/ });
  const detail = (await tight.call('GET', `/v1/conversations/${conversationId}`, { userId: carol.id })).json();
  t.equal(detail.messages.length, 0, 'no message was stored');
  const usage = await tight.app.usage.get(carol.id, monthOf());
  t.equal(usage.committedMicroUsd, 0, 'nothing is reserved');
  // The lock was released: with the ordinary budget the same conversation works.
  const live = await listen(carol, conversationId);
  const ok = await send(agent, carol, conversationId, 'expensive question');
  t.equal(ok.statusCode, 202);
  await live.waitFor(isDone(ok.json().assistantMessage.id));
});

t.test('a reply left streaming by a crashed process becomes an error when read', async (t) => {
  const conversationId = await newConversation(agent, alice);
  const conversation = (await agent.app.conversations.get(alice.id, conversationId))!;
  const crashedAt = new Date(Date.now() - 10 * 60_000).toISOString();
  const messageId = 'crashed0000000000000000001';
  // What a process that died mid-stream leaves: a streaming message, its reservation and the lock;
  // a process of an older version, whose reservation was not held under the reply (no `reservationHeld`).
  t.ok(await agent.app.conversations.lock(alice.id, conversation.id, messageId));
  await agent.app.usage.release(alice.id, monthOf(), messageId, -5_000, false);
  await agent.app.messages.create({
    id: messageId,
    conversationId,
    userId: alice.id,
    role: 'assistant',
    text: 'half a rep',
    state: 'streaming',
    createdAt: crashedAt,
    checkpointAt: crashedAt,
    lastEventId: updateId(messageId, 3),
    reservedMicroUsd: 5_000,
    usageMonth: monthOf(),
  });
  const before = await agent.app.usage.get(alice.id, monthOf());
  const detail = (await agent.call('GET', `/v1/conversations/${conversationId}`, { userId: alice.id })).json();
  t.match(detail.messages[0], { id: messageId, state: 'error', text: 'half a rep', error: /interrupted/ });
  const after = await agent.app.usage.get(alice.id, monthOf());
  t.equal(before.committedMicroUsd - after.committedMicroUsd, 5_000, 'its reservation was released');
  const live = await listen(alice, conversationId);
  const next = await send(agent, alice, conversationId, 'hello again');
  t.equal(next.statusCode, 202, 'the lock it held was cleared');
  await live.waitFor(isDone(next.json().assistantMessage.id));
});

t.test('a hub that is down does not lose the reply', async (t) => {
  const offline = await buildAgent(t, standIns, { MERCURE_PUBLISH_URL: 'http://127.0.0.1:9/.well-known/mercure' });
  const dave = await registerUser(offline, 'member');
  const conversationId = await newConversation(offline, dave);
  const response = await send(offline, dave, conversationId, 'is anyone listening?');
  t.equal(response.statusCode, 202);
  const id = response.json().assistantMessage.id as string;
  await offline.logs.waitFor((l) => l.msg === 'reply finished' && l.messageId === id);
  const stored = await getMessage(offline, dave, conversationId, id);
  t.equal(stored.state, 'complete');
  t.equal(stored.text, emulatorReply(requestOf(['is anyone listening?'])));
  t.ok(offline.logs.lines.some((l) => l.msg === 'publishing to the hub failed' && l.level === 40), 'the failure is logged');
});

t.test('closing the agent ends a running reply as interrupted, with its text kept', async (t) => {
  const closing = await buildAgent(t, standIns);
  const erin = await registerUser(closing, 'member');
  const conversationId = await newConversation(closing, erin);
  const live = await listen(erin, conversationId);
  const id = (await send(closing, erin, conversationId, `slowly please ${EMULATOR_MARKERS.slow}`)).json().assistantMessage.id as string;
  await live.waitFor((e) => e.type === 'delta' && e.id?.startsWith(`${id}:`) === true);
  await closing.app.close();

  const done = JSON.parse((await live.waitFor(isDone(id))).data);
  t.match(done, { state: 'error', error: /service restarted/ });
  const stored = await getMessage(agent, erin, conversationId, id);
  t.equal(stored.state, 'error');
  t.ok(stored.text.length > 0, 'the text so far is kept');
  t.same(shown(piecesOf(live.events, id)), finalView(stored.text));
  const next = await send(agent, erin, conversationId, 'still there?');
  t.equal(next.statusCode, 202, 'the lock was released');
  await live.waitFor(isDone(next.json().assistantMessage.id));
});

t.test('a stream that goes quiet is given up with a clear message', async (t) => {
  // The slow marker spaces tokens 200 ms apart, longer than this idle limit.
  const impatient = await buildAgent(t, standIns, { STREAM_IDLE_TIMEOUT_MS: '100' });
  const fay = await registerUser(impatient, 'member');
  const conversationId = await newConversation(impatient, fay);
  const live = await listen(fay, conversationId);
  const id = (await send(impatient, fay, conversationId, `take your time ${EMULATOR_MARKERS.slow}`)).json().assistantMessage.id as string;
  const done = JSON.parse((await live.waitFor(isDone(id))).data);
  t.match(done, { state: 'error', error: /stopped answering before the reply was finished/ });
  const stored = await getMessage(impatient, fay, conversationId, id);
  t.equal(stored.state, 'error');
  const next = await send(impatient, fay, conversationId, 'hello?');
  t.equal(next.statusCode, 202, 'the conversation is free again');
  await live.waitFor(isDone(next.json().assistantMessage.id));
});

t.test('every open page is told: sent (both ids), renamed, deleted, and the list topic follows', async (t) => {
  const { conversationListTopic } = await import('@homeagent/contract');
  const conversationId = await newConversation(agent, alice);
  const live = await subscribe({
    hubUrl,
    topics: [conversationTopic(PUBLIC_URL, alice.id, conversationId), conversationListTopic(PUBLIC_URL, alice.id)],
    token: await subscriberToken(alice.id),
  });
  t.teardown(() => live.close());
  const bobs = await subscribe({ hubUrl, topics: ['*'], token: await subscriberToken(bob.id) });
  t.teardown(() => bobs.close());

  const body = (await send(agent, alice, conversationId, 'in sync?')).json();
  const sent = await live.waitFor((e) => e.type === 'sent');
  t.same(JSON.parse(sent.data), { conversationId, userMessageId: body.userMessage.id, assistantMessageId: body.assistantMessage.id });
  await live.waitFor(isDone(body.assistantMessage.id));
  await live.waitFor((e) => e.type === 'changed' && live.events.indexOf(e) > live.events.findIndex(isDone(body.assistantMessage.id)));

  t.equal((await agent.call('PATCH', `/v1/conversations/${conversationId}`, { userId: alice.id, body: { title: 'Renamed' } })).statusCode, 200);
  t.same(JSON.parse((await live.waitFor((e) => e.type === 'renamed')).data), { conversationId });
  t.equal((await agent.call('DELETE', `/v1/conversations/${conversationId}`, { userId: alice.id })).statusCode, 204);
  t.same(JSON.parse((await live.waitFor((e) => e.type === 'deleted')).data), { conversationId });
  t.ok(live.events.filter((e) => e.type === 'changed').length >= 3, 'the list topic heard of the send, the reply, the rename and the delete');
  t.equal(bobs.events.length, 0, 'another person hears none of it');
});
