/**
 * The lease of a running reply (reply-lease.ts, stream-runner.ts): each
 * piece is saved before it is published, the lease is renewed while the
 * reply runs, a reply whose lease ran out is settled with all its text by
 * whoever sees it (a read, a starting agent), and one whose lease is still
 * good is left alone.
 */
import t from 'tap';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import { conversationTopic, updateId } from '@homeagent/contract';
import { monthOf } from '../../../src/budget.js';
import type { MessageRecord } from '../../../src/plugins/app/messages-repository.js';
import { buildAgent, PUBLIC_URL, registerUser, startStandIns, subscriberToken, until } from '../../helper.js';
import { subscribe } from '../../sse-client.js';

t.setTimeout(180_000);

const standIns = await startStandIns(t, { bedrock: true, hub: true });
const agent = await buildAgent(t, standIns, { REPLY_LEASE_MS: '1000' });
const alice = await registerUser(agent, 'member');

async function newConversation(): Promise<string> {
  const response = await agent.call('POST', '/v1/conversations', { userId: alice.id, body: {} });
  return response.json().conversation.id as string;
}

/** What a process that died mid-reply leaves: a streaming message under its lease, the lock, the reservation. */
async function abandoned(leaseExpiresAt: number): Promise<MessageRecord> {
  const conversationId = await newConversation();
  const id = `gone${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  t.ok(await agent.app.conversations.lock(alice.id, conversationId, id));
  t.ok(await agent.app.usage.reserve(alice.id, monthOf(), 7_000, 20_000_000, id));
  const record: MessageRecord = {
    id,
    conversationId,
    userId: alice.id,
    role: 'assistant',
    text: 'what the page showed',
    pendingText: ' and one more piece',
    state: 'streaming',
    createdAt: new Date().toISOString(),
    lastEventId: updateId(id, 4),
    leaseOwner: 'a-process-that-died',
    leaseExpiresAt,
    reservedMicroUsd: 7_000,
    reservationHeld: true,
    usageMonth: monthOf(),
  };
  await agent.app.messages.create(record);
  return record;
}

t.test('a reply whose lease is still good is left streaming; once it runs out, a read settles it with all its text', async (t) => {
  const record = await abandoned(Date.now() + 60_000);
  const read = () => agent.call('GET', `/v1/conversations/${record.conversationId}/messages/${record.id}`, { userId: alice.id });
  t.equal((await read()).json().message.state, 'streaming', 'another live process may still be running it');
  const busy = await agent.call('POST', `/v1/conversations/${record.conversationId}/messages`, { userId: alice.id, body: { text: 'hello?' } });
  t.equal(busy.statusCode, 409, 'and its conversation stays taken');

  await agent.app.messages.renewLease(record.conversationId, record.id, 'a-process-that-died', Date.now() - 1);
  const before = await agent.app.usage.get(alice.id, monthOf());
  const settled = (await read()).json().message;
  t.match(settled, { state: 'error', error: /interrupted/, text: 'what the page showed and one more piece' }, 'the written-ahead piece is kept too');
  const after = await agent.app.usage.get(alice.id, monthOf());
  t.equal(before.committedMicroUsd - after.committedMicroUsd, 7_000, 'its reservation is released');
  const next = await agent.call('POST', `/v1/conversations/${record.conversationId}/messages`, { userId: alice.id, body: { text: 'hello?' } });
  t.equal(next.statusCode, 202, 'the conversation is free');
  await until(async () => ((await agent.app.messages.get(record.conversationId, next.json().assistantMessage.id))?.state === 'complete' ? true : undefined), 'the next reply');
});

t.test('a starting agent settles a reply left by a dead process once its lease runs out, without anyone reading it', async (t) => {
  const record = await abandoned(Date.now() + 1_500);
  const live = await subscribe({ hubUrl: standIns.hub!.url, topics: [conversationTopic(PUBLIC_URL, alice.id, record.conversationId)], token: await subscriberToken(alice.id) });
  t.teardown(() => live.close());
  const restarted = await buildAgent(t, standIns, { REPLY_LEASE_MS: '1000' });
  const done = JSON.parse((await live.waitFor((e) => e.type === 'done')).data);
  t.match(done, { messageId: record.id, state: 'error' }, 'subscribers are told');
  const stored = await agent.app.messages.get(record.conversationId, record.id);
  t.match(stored, { state: 'error', text: 'what the page showed and one more piece' });
  t.notOk(stored?.leaseExpiresAt, 'the lease is gone with the reply');
  t.ok(restarted.logs.lines.some((l) => l.msg === 'settled a reply that was not running' && l.messageId === record.id));
});

t.test('a running reply saves each piece before publishing it and renews its lease', async (t) => {
  const conversationId = await newConversation();
  const live = await subscribe({ hubUrl: standIns.hub!.url, topics: [conversationTopic(PUBLIC_URL, alice.id, conversationId)], token: await subscriberToken(alice.id) });
  t.teardown(() => live.close());
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: alice.id, body: { text: `slowly ${EMULATOR_MARKERS.slow}` } });
  const id = sent.json().assistantMessage.id as string;
  const firstLease = (await agent.app.messages.get(conversationId, id))!.leaseExpiresAt!;
  t.ok(firstLease > Date.now(), 'the reply starts under a lease');
  // Pieces are `delta` events (rendered Markdown blocks and the open block's text).
  await live.waitFor((e) => e.type === 'delta' && e.id === updateId(id, 3));
  const stored = (await agent.app.messages.get(conversationId, id))!;
  // Saved before it is published: once the hub has sent piece 3, the table holds pieces 1 and 2 as text and piece 3 at least as pending.
  t.ok(stored.lastEventId! >= updateId(id, 2) && stored.text.length > 0, 'the table holds at least what the hub was sent');
  t.ok(stored.leaseOwner === agent.app.streamRunner.owner && stored.leaseExpiresAt! > firstLease, 'the lease was renewed by its owner');
  await agent.app.streamRunner.stop(id);
});

t.test('a reply settled elsewhere (its lease taken over) gives up its stream', async (t) => {
  const conversationId = await newConversation();
  const sent = await agent.call('POST', `/v1/conversations/${conversationId}/messages`, { userId: alice.id, body: { text: `slowly ${EMULATOR_MARKERS.slow}` } });
  const id = sent.json().assistantMessage.id as string;
  await until(async () => ((await agent.app.messages.get(conversationId, id))?.text ? true : undefined), 'a first saved piece');
  // Another process settling it, as after a lease that ran out during a long pause.
  await agent.app.messages.finish(conversationId, id, { text: 'settled elsewhere', state: 'error', error: 'interrupted' });
  await until(async () => (agent.app.streamRunner.isRunning(id) ? undefined : true), 'the stream to end', 20_000);
  t.ok(agent.logs.lines.some((l) => l.msg === 'the reply was settled elsewhere; giving up its stream' && l.messageId === id));
  t.match(await agent.app.messages.get(conversationId, id), { state: 'error', text: 'settled elsewhere' }, 'the first settlement stands');
});
