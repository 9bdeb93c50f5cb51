/**
 * Renaming and deleting a conversation, against the real system started by
 * `startStack`: the forms, the partials htmx gets back, the confirmation
 * step, refusals, and that nobody else can do either.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { decodeJwt } from 'jose';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(300_000);

// Each chat begins with a first message whose reply is awaited: a quick emulator keeps that short ([[emulator:slow]] stays slow).
const { stack, dataDir, adminInvite } = await startLocalStack(t, 'homeagent-manage-', { tokensPerSecond: 2_000, firstTokenDelayMs: 0 });

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann')).status !== 303) throw new Error('registration failed');

const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
const invite = await fetch(`${stack.endpoints.agent}/v1/invites`, {
  method: 'POST',
  headers: { authorization: `Bearer ${secrets.serviceKey}`, 'x-user-id': decodeJwt(ann.jar.session!).sub!, 'content-type': 'application/json' },
  body: JSON.stringify({ role: 'member' }),
});
const bob = new HttpVisitor(stack.url);
if ((await bob.register(((await invite.json()) as { code: string }).code, 'bob')).status !== 303) throw new Error('Bob could not register');
await bob.get('/');

/** The title a chat gets from its first message. */
const FIRST_TITLE = 'Picnic plans';

/** A chat begins with its first message: starts one and waits for that reply, so nothing is streaming. */
async function newConversation(): Promise<string> {
  const { path, id } = await ann.startChat(FIRST_TITLE);
  await ann.replyFinished(path);
  return id;
}

const headingOf = (body: string) => /<h1 id="chat-title">([^<]*)<\/h1>/.exec(body)?.[1];

t.test('the conversation page has a Rename form labelled Title and a way to delete', async (t) => {
  const id = await newConversation();
  const page = await ann.get(`/c/${id}`);
  t.match(page.body, /<label for="rename-title">Title<\/label>/);
  t.match(page.body, new RegExp(`<input id="rename-title" name="title"[^>]*value="${FIRST_TITLE}"`));
  t.match(page.body, /<button type="submit">Rename<\/button>/);
  t.match(page.body, new RegExp(`<a class="button-danger" href="/c/${id}/delete">Delete chat</a>`));
});

t.test('renaming with htmx answers the form and the title, heading and sidebar partials', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const renamed = await ann.postPartial(`/c/${id}/rename`, { title: '  Plans for <May> & "June"  ' });
  t.equal(renamed.status, 200);
  t.match(renamed.body, /^<form id="rename-form"/, 'the form answers itself');
  t.match(renamed.body, /value="Plans for &lt;May&gt; &amp; &quot;June&quot;"/, 'with the new title, escaped and trimmed');
  t.match(renamed.body, /<title>Plans for &lt;May&gt; &amp; &quot;June&quot; · HomeAgent<\/title>/);
  t.match(renamed.body, /<hx-partial hx-target="#chat-title" hx-swap="textContent">Plans for &lt;May&gt;/);
  t.match(renamed.body, /<hx-partial hx-target="#conversation-nav"[^>]*>[\s\S]*aria-current="page"[\s\S]*Plans for &lt;May&gt;/);
  t.notMatch(renamed.body, /<May>/, 'nothing unescaped');

  const page = await ann.get(`/c/${id}`);
  t.equal(headingOf(page.body), 'Plans for &lt;May&gt; &amp; &quot;June&quot;', 'the new title stays after a reload');
  t.match((await ann.get('/')).body, /Plans for &lt;May&gt;/, 'and shows in the list');
});

t.test('without JavaScript renaming redirects back to the conversation', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const res = await ann.post(`/c/${id}/rename`, { title: 'Plain form title' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), `/c/${id}`);
  t.equal(headingOf((await ann.get(`/c/${id}`)).body), 'Plain form title');
});

t.test('bad titles are refused beside the form, and nothing changes', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  await ann.postPartial(`/c/${id}/rename`, { title: 'Keep this' });
  const blank = await ann.postPartial(`/c/${id}/rename`, { title: '   ' });
  t.equal(blank.status, 400);
  t.match(blank.body, /Write a title before renaming/);
  const long = await ann.postPartial(`/c/${id}/rename`, { title: 'x'.repeat(121) });
  t.equal(long.status, 400);
  t.match(long.body, /at most 120 characters/);
  const missing = await ann.postPartial(`/c/${id}/rename`, {});
  t.equal(missing.status, 400);
  t.match(missing.body, /title/i);
  t.equal(headingOf((await ann.get(`/c/${id}`)).body), 'Keep this');
});

t.test('CSRF: rename and delete without the token are refused with 403', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  t.equal((await ann.post(`/c/${id}/rename`, { title: 'Forged', _csrf: 'nope' })).status, 403);
  t.equal((await ann.post(`/c/${id}/delete`, { _csrf: 'nope' })).status, 403);
  const page = await ann.get(`/c/${id}`);
  t.equal(page.status, 200, 'still there');
  t.equal(headingOf(page.body), FIRST_TITLE, 'not renamed');
});

t.test('delete asks first, then deletes and goes to the list; the page is then 404', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  await ann.postPartial(`/c/${id}/rename`, { title: 'Doomed <chat>' });
  const sent = await ann.postPartial(`/c/${id}/messages`, { text: 'Remember this' });
  t.equal(sent.status, 200);

  const confirm = await ann.get(`/c/${id}/delete`);
  t.equal(confirm.status, 200);
  t.match(confirm.body, /<h1>Delete this chat\?<\/h1>/);
  t.match(confirm.body, /“Doomed &lt;chat&gt;”/, 'names the chat, escaped');
  t.match(confirm.body, new RegExp(`<form method="post" action="/c/${id}/delete"`));
  t.match(confirm.body, new RegExp(`<a href="/c/${id}">Cancel</a>`));
  t.equal((await ann.get(`/c/${id}`)).status, 200, 'opening the confirmation deletes nothing');

  // The reply may still be streaming: a delete waits for it (409) rather than cutting it off.
  let deleted;
  const deadline = Date.now() + 60_000;
  for (;;) {
    deleted = await ann.post(`/c/${id}/delete`, {});
    if (deleted.status !== 409) break;
    t.match(deleted.body, /Stop the reply first/);
    if (Date.now() > deadline) throw new Error('the reply never finished');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  t.equal(deleted.status, 303);
  t.equal(deleted.headers.get('location'), '/');
  const list = await ann.get('/');
  t.notMatch(list.body, new RegExp(`/c/${id}`), 'gone from the list');
  const page = await ann.get(`/c/${id}`);
  t.equal(page.status, 404);
  t.notMatch(page.body, /Remember this/);
  t.equal((await ann.get(`/c/${id}/delete`)).status, 404);
  t.equal((await ann.post(`/c/${id}/delete`, {})).status, 404, 'a second delete finds nothing');
});

t.test('with htmx, delete answers HX-Redirect to the list', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}/delete`);
  const res = await ann.postPartial(`/c/${id}/delete`, {});
  t.equal(res.status, 200);
  t.equal(res.headers.get('hx-redirect'), '/');
  t.equal((await ann.get(`/c/${id}`)).status, 404);
});

t.test('deleting while a reply streams is refused with a sentence; stopping it first works', async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  const sent = await ann.postPartial(`/c/${id}/messages`, { text: 'A slow one please [[emulator:slow]]' });
  const messageId = /id="message-([a-z0-9]+)"[^>]*data-state="streaming"|class="bubble bubble-assistant streaming" id="message-([a-z0-9]+)"/.exec(sent.body);
  const assistantId = messageId?.[1] ?? messageId?.[2];
  if (!assistantId) throw new Error(`no streaming bubble in ${sent.body}`);
  const refused = await ann.post(`/c/${id}/delete`, {});
  t.equal(refused.status, 409);
  t.match(refused.body, /Claude is still answering in this conversation\. Stop the reply first/);
  t.equal((await ann.get(`/c/${id}`)).status, 200, 'nothing was deleted');

  t.equal((await ann.postPartial(`/c/${id}/m/${assistantId}/stop`, {})).status, 200);
  const deleted = await ann.post(`/c/${id}/delete`, {});
  t.equal(deleted.status, 303);
  t.equal((await ann.get(`/c/${id}`)).status, 404);
});

t.test("another person can neither rename nor delete someone else's conversation", async (t) => {
  const id = await newConversation();
  await ann.get(`/c/${id}`);
  await ann.postPartial(`/c/${id}/rename`, { title: 'Ann only' });

  t.equal((await bob.get(`/c/${id}/delete`)).status, 404);
  await bob.get('/');
  const rename = await bob.postPartial(`/c/${id}/rename`, { title: 'Bob was here' });
  t.equal(rename.status, 404);
  t.match(rename.body, /conversation does not exist/);
  const del = await bob.post(`/c/${id}/delete`, {});
  t.equal(del.status, 404);

  const page = await ann.get(`/c/${id}`);
  t.equal(page.status, 200, "Ann's conversation is still there");
  t.equal(headingOf(page.body), 'Ann only');
});

t.test('malformed ids are a 4xx, never a 5xx', async (t) => {
  await ann.get('/');
  t.equal((await ann.get('/c/bad%20id/delete')).status, 400);
  t.equal((await ann.post('/c/bad%20id/delete', {})).status, 400);
  t.equal((await ann.postPartial('/c/bad%20id/rename', { title: 'x' })).status, 400);
  t.equal((await ann.postPartial('/c/nosuchchat/rename', { title: 'x' })).status, 404);
});
