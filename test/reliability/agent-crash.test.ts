/**
 * Issue 14 item 2: the agent killed (SIGKILL) in the middle of a reply and
 * started again. The reply must end as interrupted within seconds (its lease
 * runs out and the new agent settles it, nobody has to open the page), keep
 * every piece the person already saw, free the conversation for the next
 * message, and give back the budget it had reserved.
 */
import t from 'tap';
import { EMULATOR_MARKERS, emulatorReply } from '@homeagent/local/bedrock-emulator';
import { ChatPerson } from './chat-person.js';
import { readReply } from './hub-reader.js';
import { startReliabilityStack } from './reliability-stack.js';
import { SecretList, assertNoSecretsLogged } from './secret-scan.js';

const LEASE_MS = 4_000;
/** The rule before leases: a reply without a checkpoint for this long was taken as crashed. */
const STALE_STREAM_MS = 3 * 60_000;
t.setTimeout(240_000);

t.test('the agent killed mid-reply: settled as interrupted, text kept, conversation free', async (t) => {
  const s = await startReliabilityStack(t, 'agent-crash', { env: { agent: { REPLY_LEASE_MS: String(LEASE_MS) } } });
  let unexpected: string | undefined;
  void s.stack.unexpectedExit.then((exit) => (unexpected = exit.service));
  const alice = new ChatPerson(s.stack.url, 'alice');
  await alice.join(s.adminInvite);
  const conversationId = await alice.newConversation();
  const question = `tell me slowly ${EMULATOR_MARKERS.slow}`;
  const sent = await alice.send(conversationId, question);
  t.equal(sent.response.status, 200, 'the message was accepted');
  const messageId = sent.assistantId!;

  let sawFive!: () => void;
  const fivePieces = new Promise<void>((resolve) => (sawFive = resolve));
  const reading = readReply({
    baseUrl: s.stack.url,
    cookie: alice.hubCookie(),
    topic: sent.topic!,
    messageId,
    from: `${messageId}:000000`,
    timeoutMs: 90_000,
    onPiece: (_text, pieces) => {
      if (pieces >= 5) sawFive();
    },
  });
  await fivePieces;
  const killedAt = Date.now();
  await s.stack.restart('agent', 'SIGKILL');
  const restartedAt = Date.now();

  // Nobody reads the conversation: the new agent's start-up sweep must settle it on its own.
  const read = await reading;
  const settledAfterMs = Date.now() - restartedAt;
  t.ok(read.done, 'the person is told the reply ended');
  t.match(read.done, { messageId, state: 'error', error: /interrupted/ });
  // Not a speed check: the old rule waited 3 minutes without a checkpoint; the lease is what ends it now.
  t.ok(settledAfterMs < STALE_STREAM_MS / 3, `settled by the lease, ${settledAfterMs} ms after the new agent was up (the restart took ${restartedAt - killedAt} ms), not after the 3-minute stale rule`);
  t.equal(read.doubled, 0, 'no piece doubled');
  t.equal(read.lost, 0, 'no piece missing in what the person saw');

  const stored = await s.agent('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: alice.userId });
  const message = (stored.body as { message: { state: string; text: string; error?: string } }).message;
  t.equal(message.state, 'error', 'stored as interrupted, not left streaming');
  t.ok(read.text.length > 0, 'some text was published before the kill');
  t.ok(message.text.startsWith(read.text), `every published character is kept (${read.text.length} seen, ${message.text.length} stored)`);
  // The agent always sends a system prompt, and the emulator's reply says so (its text past the first sentences);
  // the chat began with "Hello" and its reply (chat-person.ts newConversation), so the question is the third message.
  const full = emulatorReply({
    messages: [
      { role: 'user', content: [{ text: 'Hello' }] },
      { role: 'assistant', content: [{ text: 'the first reply' }] },
      { role: 'user', content: [{ text: question }] },
    ],
    system: [{ text: 'given' }],
  });
  t.ok(full.startsWith(message.text), 'and what is stored is what the model said');

  // The conversation is free at once: a new message is accepted and answered.
  const next = await alice.send(conversationId, 'are you back?');
  t.equal(next.response.status, 200, 'a new send is accepted, not 409');
  const after = await readReply({ baseUrl: s.stack.url, cookie: alice.hubCookie(), topic: next.topic!, messageId: next.assistantId!, from: `${next.assistantId!}:000000` });
  t.match(after.done, { state: 'complete' });

  const usage = (await s.agent('GET', '/v1/usage', { userId: alice.userId })).body as { committedUsd: number; spentUsd: number };
  t.equal(Number((usage.committedUsd - usage.spentUsd).toFixed(6)), 0, 'reserved minus settled is back to 0');
  t.equal(unexpected, undefined, 'no service stopped unexpectedly');
  t.ok(s.logs.entries().some((e) => e.msg === 'settled a reply that was not running' && e.messageId === messageId), 'the new agent says it settled the reply');

  const secrets = new SecretList();
  secrets.addLocalSecrets(s.secrets);
  secrets.add('invite code', s.adminInvite);
  secrets.add('password', 'correct horse battery staple');
  secrets.addCookies(alice.jar);
  assertNoSecretsLogged(t, secrets, s.logs.lines);
});
