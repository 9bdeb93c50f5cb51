/**
 * The chat routes against the real system started by `startStack`:
 * sending, the bubbles htmx gets back, the final rendering, and bad input.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { decodeJwt } from 'jose';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(300_000);

// Each chat begins with a first message whose reply is awaited: a quick emulator keeps that short ([[emulator:slow]] stays slow).
// Ann sends far more than 20 messages a minute here; the send limit itself is tested in people-management.test.ts.
const { stack, dataDir, adminInvite } = await startLocalStack(t, 'homeagent-conversations-', {
  tokensPerSecond: 2_000,
  firstTokenDelayMs: 0,
  env: { app: { SEND_RATE_PER_MINUTE: '1000' } },
});

const ann = new HttpVisitor(stack.url);
const registered = await ann.register(adminInvite, 'ann');
if (registered.status !== 303) throw new Error(`registration failed: ${registered.status} ${registered.body}`);

/** A chat begins with its first message: starts one and waits for that first reply, so the next send is free to go. */
async function newConversation(firstText = 'Hello'): Promise<string> {
  const { path, id } = await ann.startChat(firstText);
  await ann.replyFinished(path);
  return id;
}

/** The assistant message id in the bubbles htmx got back. */
function assistantIdOf(bubbles: string): string {
  const match = /class="bubble bubble-assistant streaming" id="message-([a-z0-9]+)"/.exec(bubbles);
  if (!match) throw new Error(`no streaming assistant bubble in: ${bubbles}`);
  return match[1]!;
}

/** Waits until the agent has finished the reply (a condition, polled), and returns its rendered bubble. */
async function finishedBubble(conversationId: string, messageId: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await ann.getPartial(`/c/${conversationId}/m/${messageId}`);
    if (res.status !== 200) throw new Error(`message fetch failed: ${res.status}`);
    if (!/data-state="streaming"/.test(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error('the reply did not finish');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

t.test('a plain form post to /c opens New chat and stores nothing', async (t) => {
  const before = await ann.get('/');
  const chats = (body: string) => [...body.matchAll(/href="\/c\/([a-z0-9]{20,})"/g)].map((m) => m[1]).sort();
  const posted = await ann.post('/c', {});
  t.equal(posted.status, 303);
  t.equal(posted.headers.get('location'), '/c/new', 'to the empty composer');
  t.same(chats((await ann.get('/')).body), chats(before.body), 'no conversation was stored');
  const page = await ann.get('/c/new');
  t.match(page.body, /hx-post="\/c\/new\/messages"/);
});

t.test('a chat begun with its first message has the message form, and the list links to it', async (t) => {
  const id = await newConversation();
  const page = await ann.get(`/c/${id}`);
  t.equal(page.status, 200);
  t.match(page.body, /<label for="message" class="visually-hidden">Message<\/label>/);
  t.match(page.body, /<textarea id="message" name="text"/);
  t.match(page.body, />Send<\/button>/);
  t.match(page.body, new RegExp(`hx-post="/c/${id}/messages"`));

  const list = await ann.get('/');
  t.match(list.body, new RegExp(`href="/c/${id}"`), 'the list links to it');
});

t.test('htmx partial requests get the page body alone, others the full page', async (t) => {
  const id = await newConversation();
  const full = await ann.get(`/c/${id}`);
  t.match(full.body, /^<!doctype html>/);
  const partial = await ann.getPartial(`/c/${id}`);
  t.equal(partial.status, 200);
  t.notMatch(partial.body, /<html|<head|<body/);
  t.match(partial.body, /^<div class="chat-layout">/);
  t.match(partial.body, /id="composer"/);
});

t.test('the conversation list is newest first', async (t) => {
  const older = await newConversation();
  const newer = await newConversation();
  const list = await ann.get('/');
  const olderAt = list.body.indexOf(`href="/c/${older}"`);
  const newerAt = list.body.indexOf(`href="/c/${newer}"`);
  t.ok(newerAt > 0 && olderAt > 0);
  t.ok(newerAt < olderAt, 'the newer conversation comes first');
});

t.test('the list page holds one live connection, to the list topic only, and refreshes from /conversation-list', async (t) => {
  const id = await newConversation();
  const list = await ann.get('/');
  const connects = [...list.body.matchAll(/hx-sse:connect="([^"]+)"/g)];
  t.equal(connects.length, 1, 'one live connection');
  const url = new URL(connects[0]![1]!.replace(/&amp;/g, '&'), stack.url);
  t.equal(url.origin, stack.url, 'same origin');
  t.same(url.searchParams.getAll('topic').map((topic) => /\/users\/[^/]+\/conversations$/.test(topic)), [true], 'the list topic alone');
  t.match(list.body, /data-refresh-path="\/conversation-list"/);
  t.match(list.body, new RegExp(`<div id="chat-list"><ul class="conversation-list">[\\s\\S]*href="/c/${id}"`));

  const refresh = await ann.getPartial('/conversation-list');
  t.equal(refresh.status, 200);
  t.match(refresh.body, /^<hx-partial hx-target="#chat-list" hx-swap="outerHTML"><div id="chat-list">/);
  t.match(refresh.body, new RegExp(`href="/c/${id}"`));
  t.ok(refresh.headers.getSetCookie().some((c) => c.startsWith('mercureAuthorization=')), 'it renews the hub cookie a reconnect needs');
  t.equal((await new HttpVisitor(stack.url).get('/conversation-list')).status, 303, 'signed out: to the sign-in page');
});

t.test('sending answers both bubbles; the page holds one live connection, same-origin, to its topics', async (t) => {
  const id = await newConversation('First words');
  const page = await ann.get(`/c/${id}`);
  const connects = [...page.body.matchAll(/hx-sse:connect="([^"]+)"/g)];
  t.equal(connects.length, 1, 'one live connection per page');
  const url = new URL(connects[0]![1]!.replace(/&amp;/g, '&'), stack.url);
  t.equal(url.origin, stack.url, 'same origin');
  t.equal(url.pathname, '/.well-known/mercure');
  const topics = url.searchParams.getAll('topic');
  t.equal(topics.length, 2);
  t.match(topics[0], new RegExp(`/users/[^/]+/conversations/${id}$`), 'the conversation');
  t.match(topics[1], /\/users\/[^/]+\/conversations$/, 'and the list, for the sidebar');
  t.equal(url.searchParams.get('lastEventID'), null, 'nothing streams now: no history to replay');
  t.match(page.body, /<div id="announcer" class="visually-hidden" role="status" aria-live="polite"/);

  const res = await ann.postPartial(`/c/${id}/messages`, { text: 'Hi <b>there</b>' });
  t.equal(res.status, 200);
  t.ok(
    res.headers.getSetCookie().some((c) => c.startsWith('mercureAuthorization=') && /Path=\/\.well-known\/mercure/.test(c)),
    'the send renews the short-lived hub token the page subscribes with',
  );
  t.match(res.body, /class="bubble bubble-user"[\s\S]*Hi &lt;b&gt;there&lt;\/b&gt;/, 'my message, escaped');
  const messageId = assistantIdOf(res.body);
  t.notMatch(res.body, /hx-target="#conversation-nav"|hx-target="#budget-left"/, 'the sidebar and the budget come with the live `changed` event, not twice');
  const sidebar = await ann.getPartial(`/c/${id}/sidebar`);
  t.match(sidebar.body, /<hx-partial hx-target="#chat-title" hx-swap="textContent">First words<\/hx-partial>/, 'what that event makes the page ask for: the title');
  t.match(sidebar.body, /<hx-partial hx-target="#conversation-nav"[^>]*>[\s\S]*aria-current="page"/, 'and the sidebar');
  t.notMatch(res.body, /hx-sse:connect/, 'the bubble does not subscribe on its own');
  t.notMatch(res.body, /aria-live/, 'the growing text is not a live region');
  t.match(res.body, new RegExp(`data-path="/c/${id}/m/${messageId}" data-seq="0"`), 'the bubble knows where it is and which update it holds');
  t.match(res.body, /<div class="blocks"><\/div><div class="tail plain"><\/div>/, 'empty so far');
  t.match(res.body, />Stop<\/button>/);
  t.match(res.body, /<hx-partial hx-target="#composer" hx-swap="outerHTML">/, 'a fresh form comes back');

  const final = await finishedBubble(id, messageId);
  t.match(final, /data-state="complete"/);
  t.notMatch(final, /hx-target="#conversation-nav"/, 'the finished bubble alone: the `changed` after its `done` refreshes the sidebar');
  t.notMatch(final, />Stop</);
});

t.test('Markdown in a reply is rendered and raw HTML in it is shown as text', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const res = await ann.postPartial(`/c/${id}/messages`, { text: 'Say <script>alert("x")</script> and [bad](javascript:alert(1))' });
  const final = await finishedBubble(id, assistantIdOf(res.body));
  t.match(final, /class="bubble-text markdown"/);
  t.match(final, /<blockquote>/, 'the quote is rendered as Markdown');
  t.match(final, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;/, 'the script tag is text');
  t.notMatch(final, /<script/i);
  t.notMatch(final, /href="javascript:/i);

  // A full page load shows the same, finished.
  const page = await ann.get(`/c/${id}`);
  t.notMatch(page.body.replace(/<script src="\/[^"]+" defer><\/script>/g, ''), /<script/i, 'no script tags but our own three');
});

t.test('a second message while a reply streams is refused next to the form', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const first = await ann.postPartial(`/c/${id}/messages`, { text: 'A slow one please [[emulator:slow]]' });
  t.equal(first.status, 200);
  const second = await ann.postPartial(`/c/${id}/messages`, { text: 'And another' });
  t.equal(second.status, 409);
  t.match(second.body, /still answering/);
  t.match(second.body, /^<p class="error" role="alert">/, 'an HTML fragment for htmx to swap');

  // Once some text is saved (a checkpoint), stop it: the partial reply is kept and shown as stopped.
  const messageId = assistantIdOf(first.body);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const now = await ann.getPartial(`/c/${id}/m/${messageId}`);
    if (/class="tail plain">[^<]+</.test(now.body) || /class="blocks"><[a-z]/.test(now.body)) break;
    if (Date.now() > deadline) throw new Error('no checkpoint text appeared');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const stopped = await ann.postPartial(`/c/${id}/m/${messageId}/stop`, {});
  t.equal(stopped.status, 200);
  t.match(stopped.body, /data-state="stopped"/);
  t.match(stopped.body, /Stopped before the end/);
  t.match(stopped.body, /You said:/, 'the partial text is kept');
  t.notMatch(stopped.body, />Stop</, 'no Stop button on a stopped reply');
});

t.test('a failed reply shows what went wrong', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const res = await ann.postPartial(`/c/${id}/messages`, { text: 'Please fail [[emulator:internal]]' });
  t.equal(res.status, 200);
  const final = await finishedBubble(id, assistantIdOf(res.body));
  t.match(final, /data-state="error"/);
  t.match(final, /<p class="bubble-note bubble-error" role="alert">[^<]+<\/p>/, 'a sentence about the failure');
});

t.test('bad input on the message form: 4xx with a clear message, never 5xx', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const cases: Array<[string, Record<string, string | string[]>, number, RegExp]> = [
    ['missing text', {}, 400, /Message is missing/],
    // Blank text is the route's to refuse (a no-script Remove posts the form with no text yet).
    ['empty text', { text: '' }, 400, /Write a message before sending/],
    ['only spaces', { text: '   \n ' }, 400, /Write a message before sending/],
    ['oversized text', { text: 'x'.repeat(16_001) }, 400, /Message is too long \(at most 16000 characters\)/],
    ['text sent twice', { text: ['a', 'b'] }, 400, /Message must be a single text value/],
  ];
  for (const [name, fields, status, message] of cases) {
    const res = await ann.postPartial(`/c/${id}/messages`, fields);
    t.equal(res.status, status, name);
    t.match(res.body, message, name);
  }
});

t.test('unknown and malformed conversation and message ids: 4xx with a clear message', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const unknownPage = await ann.get('/c/0000000000000000000000000');
  t.equal(unknownPage.status, 404);
  t.notMatch(unknownPage.body, /Something went wrong/);

  const malformed = await ann.get('/c/not%20an%20id!');
  t.equal(malformed.status, 400);
  t.match(malformed.body, /The conversation id has characters that are not allowed/);

  const unknownSend = await ann.postPartial('/c/0000000000000000000000000/messages', { text: 'hello?' });
  t.equal(unknownSend.status, 404);

  const unknownMessage = await ann.getPartial(`/c/${id}/m/0000000000000000000000000`);
  t.equal(unknownMessage.status, 404);

  const unknownStop = await ann.postPartial(`/c/${id}/m/0000000000000000000000000/stop`, {});
  t.equal(unknownStop.status, 404);

  const tooLong = await ann.get(`/c/${'a'.repeat(101)}`);
  t.equal(tooLong.status, 400);
  t.match(tooLong.body, /The conversation id is too long/);
});

t.test("another person cannot see, send to, or stop someone else's conversation", async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const sent = await ann.postPartial(`/c/${id}/messages`, { text: 'private words [[emulator:slow]]' });
  const messageId = assistantIdOf(sent.body);

  // Ann is the admin; her invite for Bob comes from the agent's API (the app has no invite page yet).
  const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  const annId = decodeJwt(ann.jar.session!).sub!;
  const invite = await fetch(`${stack.endpoints.agent}/v1/invites`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.serviceKey}`, 'x-user-id': annId, 'content-type': 'application/json' },
    body: JSON.stringify({ role: 'member' }),
  });
  t.equal(invite.status, 201);
  const { code } = (await invite.json()) as { code: string };

  const bob = new HttpVisitor(stack.url);
  t.equal((await bob.register(code, 'bob')).status, 303);
  await bob.get('/');
  const list = await bob.get('/');
  t.notMatch(list.body, new RegExp(id), "Ann's conversation is not in Bob's list");
  const page = await bob.get(`/c/${id}`);
  t.equal(page.status, 404);
  t.notMatch(page.body, /private words/);
  t.equal((await bob.getPartial(`/c/${id}/m/${messageId}`)).status, 404);
  t.equal((await bob.postPartial(`/c/${id}/messages`, { text: 'hi' })).status, 404);
  t.equal((await bob.postPartial(`/c/${id}/m/${messageId}/stop`, {})).status, 404);

  // Ann's reply is untouched by all that: still streaming, or (on a busy machine) finished, never stopped by Bob.
  const untouched = await ann.getPartial(`/c/${id}/m/${messageId}`);
  t.match(untouched.body, /data-state="(streaming|complete)"/);
  if (/data-state="streaming"/.test(untouched.body)) await ann.postPartial(`/c/${id}/m/${messageId}/stop`, {});
});

t.test('CSRF: a message POST without or with a wrong token is refused with 403', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  t.equal((await ann.postPartial(`/c/${id}/messages`, { _csrf: '', text: 'hi' })).status, 403);
  t.equal((await ann.postPartial(`/c/${id}/messages`, { _csrf: 'wrong', text: 'hi' })).status, 403);
  const otherOrigin = await ann.post(`/c/${id}/messages`, { text: 'hi' }, { origin: 'https://evil.example' });
  t.equal(otherOrigin.status, 403);
  // An anonymous visitor's token does not work for a signed-in session.
  const anonymous = new HttpVisitor(stack.url);
  await anonymous.get('/sign-in');
  t.equal((await ann.postPartial(`/c/${id}/messages`, { _csrf: anonymous.token, text: 'hi' })).status, 403);
});

t.test('without JavaScript the message form still works (303 back to the conversation)', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const res = await ann.post(`/c/${id}/messages`, { text: 'plain form' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), `/c/${id}`);
  const page = await ann.get(`/c/${id}`);
  t.match(page.body, /plain form/);
});
