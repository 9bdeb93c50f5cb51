/**
 * Load without loss: many conversations streaming at once (20 under
 * `npm test`, 200 in the soak run), each read through the edge as a browser
 * reads it. A quarter of the readers drop their connection mid-stream and
 * resume with Last-Event-ID, a quarter reload from the checkpoint (the stored
 * text and its id, what a reloaded page shows) and read on from there. Every
 * reader's text must equal the stored final text character for character,
 * no piece may be lost or doubled, and each person's reserved budget must
 * all be settled at the end.
 *
 * The agent sheds sends it cannot take now (503 `busy` with Retry-After,
 * contract send-retry.ts): each person then waits that long and presses Send
 * again (at most SEND_ATTEMPTS times), with the same composer, so the same
 * send key. Every conversation must still end with its reply read whole, each
 * with exactly one reply: none started for a send the person was not shown,
 * none doubled by sending again.
 */
import { writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import t from 'tap';
import { CONNECTION_LOST, ChatPerson, retryAfterOf } from './chat-person.js';
import { readReply, type ReadReply } from './hub-reader.js';
import { startReliabilityStack } from './reliability-stack.js';
import { SecretList, assertNoSecretsLogged } from './secret-scan.js';
import { SCALE } from './suite-scale.js';

t.setTimeout(SCALE.timeoutMs);

const CONVERSATIONS_PER_PERSON = 5;
const SETUP_BATCH = 8;

interface StoredMessage {
  id: string;
  role: string;
  state: string;
  text: string;
  lastEventId?: string;
}

t.test(`${SCALE.conversations} conversations streaming at once lose and double nothing`, async (t) => {
  // The agent's backpressure as it ships (docs/runtime.md), event-loop lag included (test stacks turn that off).
  // Each simulated person sends into several chats at once and again after every refusal: far more than a
  // person's 20 sends a minute, which is the app's limit to keep (429), not this scenario.
  const s = await startReliabilityStack(t, 'load', {
    tokensPerSecond: 20,
    env: { agent: { SEND_MAX_EVENT_LOOP_LAG_MS: '500' }, app: { SEND_RATE_PER_MINUTE: '10000' } },
  });
  let unexpected: string | undefined;
  void s.stack.unexpectedExit.then((exit) => (unexpected = exit.service));
  const admin = new ChatPerson(s.stack.url, 'admin');
  await admin.join(s.adminInvite);
  const secrets = new SecretList();
  secrets.addLocalSecrets(s.secrets);
  secrets.add('invite code', s.adminInvite);
  secrets.add('password', 'correct horse battery staple');

  const peopleCount = Math.ceil(SCALE.conversations / CONVERSATIONS_PER_PERSON);
  const people: ChatPerson[] = [];
  for (let i = 0; i < peopleCount; i++) {
    const invite = await admin.createInvite();
    secrets.add('invite code', invite);
    const person = new ChatPerson(s.stack.url, `reader${i}`);
    await person.join(invite);
    people.push(person);
  }
  // Setting up is not the scenario: conversations are made a few at a time; only the replies run all at once.
  const kinds = ['plain', 'drop', 'reload', 'plain'] as const;
  const work: Array<{ person: ChatPerson; conversationId: string; kind: (typeof kinds)[number] }> = [];
  for (let i = 0; i < SCALE.conversations; i += SETUP_BATCH) {
    const batch = Array.from({ length: Math.min(SETUP_BATCH, SCALE.conversations - i) }, (_, j) => i + j);
    work.push(
      ...(await Promise.all(
        batch.map(async (n) => {
          const person = people[n % peopleCount]!;
          return { person, conversationId: await person.newConversation(), kind: kinds[n % 4]! };
        }),
      )),
    );
  }

  let reloadsMidStream = 0;
  let resumes = 0;
  /** Every answer to every attempt, by status; and those refused without a Retry-After (not a designed refusal). */
  const statuses = new Map<number, number>();
  let undesigned = 0;
  let mostAttempts = 0;
  /** Why a send was refused, in the page's words (digits as N), with whether it said when to come back. */
  const refusals = new Map<string, number>();
  const startedAt = Date.now();
  const results = await Promise.all(
    work.map(async ({ person, conversationId, kind }, i) => {
      const sent = await person.send(conversationId, `question number ${i}: tell me about load`);
      mostAttempts = Math.max(mostAttempts, sent.attempts.length);
      for (const attempt of sent.attempts) {
        statuses.set(attempt.status, (statuses.get(attempt.status) ?? 0) + 1);
        if (attempt.status === 200) continue;
        if (attempt.status === CONNECTION_LOST) {
          // Not an answer: printed with the refusals and left to the figures (a send again cannot double it).
          refusals.set(`connection lost: ${attempt.body}`, (refusals.get(`connection lost: ${attempt.body}`) ?? 0) + 1);
          continue;
        }
        const designed = retryAfterOf(attempt) !== undefined;
        if (!designed) undesigned += 1;
        const alert = /(?:<p class="error">|role="alert">)([^<]*)/.exec(attempt.body)?.[1]?.trim() ?? attempt.body.slice(0, 120);
        const why = `${attempt.status} ${designed ? 'with' : 'without'} Retry-After: ${alert.replace(/\d+/g, 'N')}`;
        refusals.set(why, (refusals.get(why) ?? 0) + 1);
      }
      if (!sent.assistantId || !sent.topic) return { ok: false, reason: `send answered ${sent.response.status} after ${sent.attempts.length} attempts`, doubled: 0, lost: 0, conversationId, shownId: undefined };
      const messageId = sent.assistantId;
      const read = { baseUrl: s.stack.url, cookie: person.hubCookie(), topic: sent.topic, messageId, timeoutMs: SCALE.timeoutMs / 2 };
      let assembled: string;
      let reply: ReadReply;
      if (kind === 'reload') {
        // Leave after a few pieces, then come back as a reloaded page does: stored text, then the hub from its id.
        let leave!: () => void;
        const left = new Promise<void>((resolve) => (leave = resolve));
        await readReply({ ...read, from: `${messageId}:000000`, leave: left, onPiece: (_text, pieces) => pieces >= 3 && leave() });
        const checkpoint = ((await s.agent('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: person.userId })).body as { message: StoredMessage }).message;
        if (checkpoint.state !== 'streaming') {
          assembled = checkpoint.text;
          reply = { text: '', doubled: 0, lost: 0, reconnects: 0, statuses: [] };
        } else {
          reloadsMidStream += 1;
          reply = await readReply({ ...read, from: checkpoint.lastEventId ?? `${messageId}:000000` });
          assembled = checkpoint.text + reply.text;
        }
      } else {
        reply = await readReply({ ...read, from: `${messageId}:000000`, ...(kind === 'drop' ? { dropAfterPieces: 3 } : {}) });
        assembled = reply.text;
        resumes += reply.reconnects;
      }
      const stored = ((await s.agent('GET', `/v1/conversations/${conversationId}/messages/${messageId}`, { userId: person.userId })).body as { message: StoredMessage }).message;
      const ok = stored.state === 'complete' && assembled === stored.text;
      return { ok, reason: ok ? '' : `${kind}: ${stored.state}, assembled ${assembled.length} of ${stored.text.length} characters`, doubled: reply.doubled, lost: reply.lost, conversationId, shownId: messageId };
    }),
  );

  const failed = results.filter((r) => !r.ok);
  const doubled = results.reduce((sum, r) => sum + r.doubled, 0);
  const lost = results.reduce((sum, r) => sum + r.lost, 0);
  t.comment(`sends by status: ${JSON.stringify(Object.fromEntries(statuses))}; readers equal to the stored text: ${results.length - failed.length}/${results.length}; resumed with Last-Event-ID ${resumes}, reloaded mid-stream ${reloadsMidStream}; pieces lost ${lost}, doubled ${doubled}`);
  if (refusals.size > 0) t.comment(`refusals: ${JSON.stringify(Object.fromEntries(refusals))}`);
  // Every reply stored against the reply shown: a send the app gave up on (and told the person to try again
  // about) must not have started a reply of its own, and sending again with the same key must not start a second.
  // Each conversation began with one short exchange (chat-person.ts), so it must hold exactly two replies.
  const unshown: string[] = [];
  for (const [n, result] of results.entries()) {
    const { person } = work[n]!;
    if (!person.userId) continue;
    const detail = (await s.agent('GET', `/v1/conversations/${result.conversationId}`, { userId: person.userId })).body as { messages: StoredMessage[] };
    const replies = detail.messages.filter((m) => m.role === 'assistant');
    const questions = detail.messages.filter((m) => m.role === 'user');
    const extra = replies.slice(1).filter((m) => m.id !== result.shownId);
    if (replies.length !== 2 || questions.length !== 2 || extra.length > 0) {
      unshown.push(`${result.conversationId}: ${questions.length} messages, ${replies.length} replies, ${extra.length} not shown`);
    }
  }
  const agentAnswers = new Map<number, number>();
  const sendRequests = new Set<unknown>();
  for (const e of s.logs.entries()) {
    if (e.service !== 'agent') continue;
    const req = e.req as { method?: string; url?: string } | undefined;
    if (e.msg === 'incoming request' && req?.method === 'POST' && /^\/v1\/conversations\/[^/]+\/messages$/.test(req.url ?? '')) sendRequests.add(e.reqId);
    const code = (e.res as { statusCode?: number } | undefined)?.statusCode;
    if (e.msg === 'request completed' && sendRequests.has(e.reqId) && code !== undefined) agentAnswers.set(code, (agentAnswers.get(code) ?? 0) + 1);
  }
  t.comment(`the agent answered sends: ${JSON.stringify(Object.fromEntries(agentAnswers))}; most attempts by one person: ${mostAttempts}`);
  t.same(unshown, [], 'every conversation holds exactly the reply its person was shown: none unshown, none doubled');
  // What the services said went wrong (5xx and errors), by message and error name: where a refusal came from.
  const errors = new Map<string, number>();
  for (const e of s.logs.entries()) {
    if (typeof e.level !== 'number' || e.level < 40) continue;
    const err = e.err as { type?: string; code?: string; message?: string } | undefined;
    const key = `${String(e.service)}: ${String(e.msg)}${err ? ` (${err.type ?? ''} ${err.code ?? ''} ${(err.message ?? '').slice(0, 80)})` : ''}`;
    errors.set(key, (errors.get(key) ?? 0) + 1);
  }
  if (errors.size > 0) t.comment(`errors logged: ${JSON.stringify(Object.fromEntries(errors))}`);
  t.comment(`${SCALE.conversations} replies read in ${Math.round((Date.now() - startedAt) / 1000)} s; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  // Every captured line to a file, to study a failed soak afterwards (docs/RELIABILITY.md).
  if (process.env.RELIABILITY_LOG_DUMP) await writeFile(process.env.RELIABILITY_LOG_DUMP, `${s.logs.lines.join('\n')}\n`);
  t.ok(resumes > 0 && reloadsMidStream > 0, 'some readers really resumed and reloaded in the middle of a reply');
  t.equal(results.filter((r) => r.shownId !== undefined).length, SCALE.conversations, 'every send was accepted in the end');
  t.equal(undesigned, 0, 'every refusal was a designed one: 503 with Retry-After');
  t.same([...statuses.keys()].filter((status) => status !== 200 && status !== 503 && status !== CONNECTION_LOST), [], 'no answer but 200 and the designed 503');
  t.same(failed.map((f) => f.reason), [], 'every reader assembled exactly the stored final text');
  t.equal(lost, 0, 'no piece lost');
  t.equal(doubled, 0, 'no piece doubled');

  let outstanding = 0;
  for (const person of people) {
    secrets.addCookies(person.jar);
    // A person whose every send was refused never learned their id (it comes with a topic), so their usage
    // cannot be asked; those refusals already fail "every send was accepted in the end".
    if (!person.userId) continue;
    const usage = (await s.agent('GET', '/v1/usage', { userId: person.userId })).body as { committedUsd: number; spentUsd: number };
    outstanding += usage.committedUsd - usage.spentUsd;
  }
  secrets.addCookies(admin.jar);
  t.equal(Number(outstanding.toFixed(6)), 0, 'reserved minus settled is back to 0 for everyone');
  t.equal(unexpected, undefined, 'no service stopped');
  assertNoSecretsLogged(t, secrets, s.logs.lines);
});
