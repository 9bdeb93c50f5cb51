/**
 * "New chat" stores nothing: the button and /c/new open an empty composer;
 * the first message creates the conversation, named from it, and opens it.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-new-chat-');
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann')).status !== 303) throw new Error('registration failed');

const chatLinks = async () => [...(await ann.get('/')).body.matchAll(/href="\/c\/([a-z0-9]+)"/g)].map((m) => m[1]);

t.test('the New chat button and page store nothing', async (t) => {
  const home = await ann.get('/');
  t.match(home.body, /<form method="post" action="\/c\/new" class="new-chat">/);
  const clicked = await ann.post('/c/new', {});
  t.equal(clicked.status, 303);
  t.equal(clicked.headers.get('location'), '/c/new');
  const page = await ann.get('/c/new');
  t.equal(page.status, 200);
  t.match(page.body, /hx-post="\/c\/new\/messages"/);
  t.match(page.body, /<textarea id="message" name="text"/);
  t.notMatch(page.body, /Manage chat/, 'nothing to rename or delete yet');
  t.same(await chatLinks(), [], 'no conversation was stored');
});

t.test('the first message creates the chat with its title and opens it', async (t) => {
  await ann.get('/c/new');
  const sent = await ann.postPartial('/c/new/messages', { text: 'Plan a picnic by the lake' });
  t.equal(sent.status, 200);
  const location = sent.headers.get('hx-replace-url') ?? '';
  t.match(location, /^\/c\/[a-z0-9]+$/, 'the address becomes the new chat\'s');
  t.match(sent.body, /class="bubble bubble-assistant streaming"/, 'the reply streams in place');
  t.match(sent.body, new RegExp(`hx-post="${location}/messages"`), 'the composer now posts to the new chat');
  t.match(sent.body, /<hx-partial hx-target="#chat-title" hx-swap="textContent">Plan a picnic by the lake<\/hx-partial>/, 'the title at once');
  const page = await ann.get(location);
  t.match(page.body, /<h1 id="chat-title">Plan a picnic by the lake<\/h1>/, 'named at once');
  t.match(page.body, /Plan a picnic by the lake<\/div>/, 'the message is there');
  t.equal((await chatLinks()).length, 1);

  // Without htmx the form posts and is redirected.
  await ann.get('/c/new');
  const plain = await ann.post('/c/new/messages', { text: 'Second one' });
  t.equal(plain.status, 303);
  t.match(plain.headers.get('location') ?? '', /^\/c\/[a-z0-9]+$/);
});

t.test('a blank first message is refused and stores nothing', async (t) => {
  const before = (await chatLinks()).length;
  await ann.get('/c/new');
  const blank = await ann.postPartial('/c/new/messages', { text: '   ' });
  t.equal(blank.status, 400);
  t.match(blank.body, /Write a message before sending/);
  t.equal((await chatLinks()).length, before);
  const signedOut = await new HttpVisitor(stack.url).get('/c/new');
  t.equal(signedOut.status, 303, 'signed out people are sent to sign in');
});
