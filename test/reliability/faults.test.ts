/**
 * Faults, each with what the person sees, nothing lost, and recovery without
 * a hand: Bedrock throttling before the first token (retried by the SDK with
 * backoff) and mid-stream (partial kept), a validation error (not retried),
 * a stream that goes silent (given up after the idle timeout), the hub killed
 * and restarted mid-reply, a client that leaves mid-reply, two tabs
 * sending at once, and DynamoDB not answering for a while (the agent's way to
 * it cut, database-link.ts). The agent killed mid-reply is agent-crash.test.ts.
 */
import t, { type Test } from 'tap';
import { EMULATOR_MARKERS, emulatorReply } from '@homeagent/local/bedrock-emulator';
import { ChatPerson, type Sent } from './chat-person.js';
import { readReply, type ReadReply } from './hub-reader.js';
import { startReliabilityStack, type ReliabilityStack } from './reliability-stack.js';
import { SecretList, assertNoSecretsLogged } from './secret-scan.js';
import { auditTable } from './table-audit.js';

t.setTimeout(480_000);

// Long enough that a first connection to Bedrock on a machine under heavy load is not taken for a silent stream.
const IDLE_MS = 5_000;

interface StoredMessage {
  state: string;
  text: string;
  error?: string;
}

/** What the emulator answers to a first message (the agent always sends a system prompt). */
// Every chat here begins with "Hello" and its reply (chat-person.ts newConversation): the question is the third message.
const fullReply = (question: string) =>
  emulatorReply({
    messages: [
      { role: 'user', content: [{ text: 'Hello' }] },
      { role: 'assistant', content: [{ text: 'the first reply' }] },
      { role: 'user', content: [{ text: question }] },
    ],
    system: [{ text: 'given' }],
  });

let s: ReliabilityStack;
let alice: ChatPerson;
let unexpected: string | undefined;
const survived: string[] = [];

t.before(async () => {
  s = await startReliabilityStack(t, 'faults', { databaseLink: true, env: { agent: { STREAM_IDLE_TIMEOUT_MS: String(IDLE_MS) } } });
  void s.stack.unexpectedExit.then((exit) => (unexpected = exit.service));
  alice = new ChatPerson(s.stack.url, 'alice');
  await alice.join(s.adminInvite);
});

/** Sends `text` in a new conversation and reads the reply to its end; what the person saw, what was stored, the final bubble. */
async function converse(text: string, conversationId?: string, read: { leaveAfter?: number; during?: (pieces: number) => void } = {}) {
  const id = conversationId ?? (await alice.newConversation());
  const sent = await alice.send(id, text);
  if (!sent.assistantId) throw new Error(`the send was refused: ${sent.response.status} ${sent.response.body.slice(0, 200)}`);
  let leave!: () => void;
  const left = new Promise<void>((resolve) => (leave = resolve));
  const reply = await readReply({
    baseUrl: s.stack.url,
    cookie: alice.hubCookie(),
    topic: sent.topic!,
    messageId: sent.assistantId,
    from: `${sent.assistantId}:000000`,
    timeoutMs: 120_000,
    ...(read.leaveAfter !== undefined ? { leave: left } : {}),
    onPiece: (_t, pieces) => {
      read.during?.(pieces);
      if (read.leaveAfter !== undefined && pieces >= read.leaveAfter) leave();
    },
  });
  return { conversationId: id, sent, reply, ...(await settled(id, sent)) };
}

/** The stored message once it has ended (a reader that left does not wait for the end), and the bubble the page shows. */
async function settled(conversationId: string, sent: Sent): Promise<{ stored: StoredMessage; bubble: string }> {
  const path = `/v1/conversations/${conversationId}/messages/${sent.assistantId!}`;
  let stored: StoredMessage;
  // Waits on the hub's `done` where the person would; here, with no reader left, on the stored state itself.
  for (let tries = 0; ; tries++) {
    stored = ((await s.agent('GET', path, { userId: alice.userId })).body as { message: StoredMessage }).message;
    if (stored.state !== 'streaming' || tries > 600) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const bubble = (await alice.getPartial(`/c/${conversationId}/m/${sent.assistantId!}`)).body;
  return { stored, bubble };
}

/**
 * The conversation is not stuck: the next message is accepted (no 409) and
 * its reply ends. It also succeeds, except after a retryable failure
 * (throttling, a silent stream): that turn stays in the context by design,
 * since the same message may well be answered next time (issue 14 item 3
 * takes out only what Bedrock refused for good), and its emulator marker,
 * merged into the next turn, makes the emulator fail it again.
 */
async function stillUsable(tt: Test, conversationId: string, succeeds = true): Promise<void> {
  const next = await converse('are you still there?', conversationId);
  tt.equal(next.sent.response.status, 200, 'the next message is accepted');
  tt.not(next.stored.state, 'streaming', 'and its reply ends');
  if (succeeds) tt.equal(next.stored.state, 'complete', 'and succeeds');
}

function nothingLost(tt: Test, reply: ReadReply, stored: StoredMessage): void {
  tt.equal(reply.doubled, 0, 'no piece doubled');
  tt.equal(reply.lost, 0, 'no piece missing');
  tt.equal(stored.text, reply.text, 'the stored text is what the person saw');
}

t.test('throttled before the first token: retried with backoff, the person sees a whole reply', async (t) => {
  const refusalsBefore = s.logs.entries().filter((e) => e.service === 'bedrock-emulator' && e.status === 429).length;
  const question = `hello ${EMULATOR_MARKERS.throttleFirstAttempt}`;
  const { reply, stored } = await converse(question);
  const refusals = s.logs.entries().filter((e) => e.service === 'bedrock-emulator' && e.status === 429).length - refusalsBefore;
  t.equal(refusals, 1, 'Bedrock refused the first attempt');
  t.equal(stored.state, 'complete', 'the retry answered');
  t.equal(stored.text, fullReply(question));
  nothingLost(t, reply, stored);
  survived.push('throttling before the first token');
});

t.test('throttled on every attempt: a clear message, and the conversation is usable', async (t) => {
  const { conversationId, stored, bubble } = await converse(`hello ${EMULATOR_MARKERS.throttleBeforeStream}`);
  t.equal(stored.state, 'error');
  t.match(stored.error, /too many requests/i);
  t.match(bubble, /role="alert"[^>]*>[^<]*too many requests/i, 'the page says so in words');
  await stillUsable(t, conversationId, false);
  survived.push('throttling on every attempt');
});

t.test('throttled mid-stream: the partial reply is kept', async (t) => {
  const { conversationId, reply, stored, bubble } = await converse(`hello ${EMULATOR_MARKERS.throttle}`);
  t.equal(stored.state, 'error');
  t.ok(stored.text.length > 0, 'some text had arrived');
  nothingLost(t, reply, stored);
  t.match(bubble, /too many requests/i);
  await stillUsable(t, conversationId, false);
  survived.push('throttling mid-stream');
});

t.test('a validation error: not retried, a clear message, the conversation usable', async (t) => {
  const count = () => s.logs.entries().filter((e) => e.service === 'bedrock-emulator' && e.errorType === 'ValidationException').length;
  const before = count();
  const { conversationId, stored, bubble } = await converse(`hello ${EMULATOR_MARKERS.validation}`);
  t.equal(count() - before, 1, 'asked once, not retried');
  t.equal(stored.state, 'error');
  t.match(bubble, /role="alert"[^>]*>[^<]*could not accept this request/i);
  t.notMatch(bubble, /ValidationException|\b400\b/, 'no exception name or status code');
  // Issue 14 item 3: the refused message leaves the context, so the next one is answered.
  await stillUsable(t, conversationId);
  survived.push('a validation error');
});

t.test('a stream that goes silent is given up after the idle timeout, text kept', async (t) => {
  const { conversationId, reply, stored, bubble } = await converse(`hello ${EMULATOR_MARKERS.silent}`);
  t.equal(stored.state, 'error');
  t.match(stored.error, /stopped answering/);
  t.ok(stored.text.length > 0);
  nothingLost(t, reply, stored);
  t.match(bubble, /stopped answering/);
  t.ok(s.logs.entries().some((e) => e.service === 'bedrock-emulator' && e.msg === 'emulator reply aborted by the client'), 'the agent hung up on the silent stream');
  await stillUsable(t, conversationId, false);
  survived.push('a silent stream');
});

t.test('the hub killed and restarted mid-reply: the reply is stored whole and the reader gets its end', async (t) => {
  // A long question makes a long reply (the emulator quotes it): it outlasts the hub's restart on a loaded machine,
  // so the reply's end is published to a hub that is up again.
  const question = `slowly please ${EMULATOR_MARKERS.slow} ${'and take your time, '.repeat(20)}`;
  let restarting: Promise<void> | undefined;
  const { conversationId, reply, stored } = await converse(question, undefined, {
    during: (pieces) => {
      if (pieces === 3) restarting = s.stack.restart('hub', 'SIGKILL');
    },
  });
  await restarting;
  t.equal(stored.state, 'complete', 'the reply ran to its end');
  t.equal(stored.text, fullReply(question), 'every character is stored');
  t.ok(reply.done, 'the reader, reconnecting, was told the reply ended');
  t.ok(reply.reconnects > 0, 'the reader did lose its connection');
  t.equal(reply.doubled, 0, 'no piece doubled');
  await stillUsable(t, conversationId);
  survived.push('the hub killed and restarted');
});

t.test('a client that leaves mid-reply: the reply is stored complete', async (t) => {
  const question = 'I will not wait for the answer';
  const { conversationId, stored } = await converse(question, undefined, { leaveAfter: 2 });
  t.equal(stored.state, 'complete');
  t.equal(stored.text, fullReply(question));
  await stillUsable(t, conversationId);
  survived.push('a client that left');
});

t.test('two tabs send at once in one conversation: one answers, the other is told to wait', async (t) => {
  const conversationId = await alice.newConversation();
  const [a, b] = await Promise.all([alice.send(conversationId, `first tab ${EMULATOR_MARKERS.slow}`), alice.send(conversationId, 'second tab')]);
  const statuses = [a.response.status, b.response.status].sort();
  t.same(statuses, [200, 409], 'exactly one send was accepted');
  const refused = a.response.status === 409 ? a : b;
  t.match(refused.response.body, /still answering/i, 'the other tab says why, in words');
  const accepted = a.response.status === 200 ? a : b;
  const { stored } = await settled(conversationId, accepted);
  t.equal(stored.state, 'complete');
  await stillUsable(t, conversationId);
  survived.push('two tabs at once');
});

t.test('DynamoDB unreachable for a while: a friendly 503, nothing lost or half-written, back on its own', async (t) => {
  const link = s.databaseLink!;
  const agentUrl = s.stack.endpoints.agent;
  const conversationId = await alice.newConversation();
  const other = await alice.newConversation();
  const question = `slowly please ${EMULATOR_MARKERS.slow}`;
  const whole = fullReply(question);
  const sent = await alice.send(conversationId, question);
  t.equal(sent.response.status, 200, 'the message was accepted before the outage');
  const messageId = sent.assistantId!;
  let ended!: () => void;
  const replyEnded = new Promise<void>((resolve) => (ended = resolve));
  const reading = readReply({
    baseUrl: s.stack.url,
    cookie: alice.hubCookie(),
    topic: sent.topic!,
    messageId,
    from: `${messageId}:000000`,
    timeoutMs: 180_000,
    onPiece: (text, pieces) => {
      // The database goes away mid-reply, and stays away until Bedrock's stream has ended.
      if (pieces === 3) link.cut();
      if (text === whole) ended();
    },
  });
  await replyEnded;
  t.ok(link.isCut, 'the whole reply streamed to the person while the database was away');

  // What the person sees meanwhile: an answer within the SDK's timeouts, in words, not a hang.
  const within = { signal: AbortSignal.timeout(60_000) };
  const page = await alice.get(`/c/${conversationId}`);
  t.equal(page.status, 503, 'opening a chat: 503');
  t.match(page.body, /The database is not answering right now/, 'with the friendly page');
  t.notMatch(page.body, /TimeoutError|ECONN|stack|at \w+ \(/, 'no error name or trace');
  const refused = await alice.postPartial(`/c/${other}/messages`, { text: 'while the database is away' });
  t.equal(refused.status, 503, 'sending: 503');
  t.match(refused.body, /role="alert"[^>]*>[^<]*not answering right now/, 'said in the composer, in words');
  const ready = await fetch(`${agentUrl}/readyz`, within);
  t.equal(ready.status, 503, '/readyz says not ready');
  t.match(await ready.json(), { database: 'unreachable' }, 'and names the database');
  const live = await fetch(`${agentUrl}/healthz`, within);
  await live.body?.cancel();
  t.equal(live.status, 200, '/healthz stays 200: the task is not killed for it');
  t.ok(link.heldConnections > 0, 'the agent really tried the database and got no answer');

  link.mend();
  // Back without a hand: nobody restarts anything; readiness and the reply's end come on their own.
  let readyAgain = 0;
  for (let tries = 0; readyAgain !== 200 && tries < 100; tries++) {
    const answer = await fetch(`${agentUrl}/readyz`, within);
    await answer.body?.cancel();
    readyAgain = answer.status;
  }
  t.equal(readyAgain, 200, '/readyz is ready again');
  const reply = await reading;
  t.match(reply.done, { messageId, state: 'complete' }, 'the person is told the reply ended, complete');
  t.equal(reply.text, whole, 'and saw all of it');
  t.equal(reply.doubled, 0, 'no piece doubled');
  t.equal(reply.lost, 0, 'no piece missing');
  const { stored } = await settled(conversationId, sent);
  t.equal(stored.state, 'complete', 'stored complete');
  t.equal(stored.text, whole, 'every character the person saw is stored');
  const audit = await auditTable(s.stack.endpoints.dynamodb, s.stack.tableName);
  t.same(audit.problems.filter((p) => p.includes(conversationId) || p.includes(other)), [], 'nothing half-written: no reply left streaming, no lock, no message without its reply');
  const usage = (await s.agent('GET', '/v1/usage', { userId: alice.userId })).body as { committedUsd: number; spentUsd: number };
  t.equal(Number((usage.committedUsd - usage.spentUsd).toFixed(6)), 0, 'reserved minus settled is back to 0');
  await stillUsable(t, other);
  survived.push('DynamoDB unreachable for a while');
});

t.test('nothing went down, and no secret was logged', async (t) => {
  t.comment(`faults survived: ${survived.length} (${survived.join('; ')})`);
  t.equal(unexpected, undefined, 'no service stopped unexpectedly');
  const secrets = new SecretList();
  secrets.addLocalSecrets(s.secrets);
  secrets.add('invite code', s.adminInvite);
  secrets.add('password', 'correct horse battery staple');
  secrets.addCookies(alice.jar);
  assertNoSecretsLogged(t, secrets, s.logs.lines);
});
