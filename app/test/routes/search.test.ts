/**
 * The search field and results page against the whole system: one's own
 * chats only (two people, the same words), escaped snippets with the match
 * marked, links to the message, and bad queries answered with a sentence.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { startHousehold } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, ann, bob } = await startHousehold(t, 'homeagent-search-');

const annChat = await ann.chat('My <b>Crème</b> brûlée recipe');
const bobChat = await bob.chat('Bob has a crème brûlée recipe too');

t.test('the search field sits above the chat list', async (t) => {
  const home = await ann.get('/');
  t.match(home.body, /<form role="search"[^>]*action="\/search"/);
  t.match(home.body, /<label for="search-chats"[^>]*>Search chats<\/label>/);
  t.ok(home.body.indexOf('role="search"') < home.body.indexOf('conversation-list'));
  t.match((await ann.get(annChat)).body, /role="search"/, 'and in the sidebar of a chat');
});

t.test('finds one\'s own messages, accent-insensitive, escaped and marked', async (t) => {
  const page = await ann.get('/search?q=CREME');
  t.equal(page.status, 200);
  t.match(page.body, /My &lt;b&gt;<mark>Crème<\/mark>&lt;\/b&gt; brûlée recipe/, 'escaped text, the match in <mark>');
  const links = [...page.body.matchAll(/<a href="(\/c\/[a-z0-9]+)#message-([a-z0-9]+)">/g)];
  t.ok(links.length >= 2, 'the message and the reply quoting it');
  t.ok(links.every((l) => l[1] === annChat), 'all in Ann\'s chat');
  const opened = await ann.get(links[0]![1]!);
  t.match(opened.body, new RegExp(`id="message-${links[0]![2]}"`), 'the link opens the conversation with that message');
  t.notMatch(page.body, /Bob/, 'nothing of Bob\'s');
  t.match(page.body, /value="CREME"/, 'the field keeps the query');
});

t.test('Bob sees only his own chat for the very same words', async (t) => {
  const page = await bob.get('/search?q=cr%C3%A8me%20br%C3%BBl%C3%A9e');
  const chats = new Set([...page.body.matchAll(/<a href="(\/c\/[a-z0-9]+)[#"]/g)].map((m) => m[1]).filter((p) => p !== '/'));
  t.same([...chats], [bobChat]);
  t.notMatch(page.body, /My &lt;b&gt;/);
});

t.test('no match, blank and overlong queries are answered with a sentence', async (t) => {
  t.match((await ann.get('/search?q=zebra')).body, /Nothing in your chats matches “zebra”/);
  const blank = await ann.get('/search?q=%20');
  t.equal(blank.status, 200);
  t.notMatch(blank.body, /search-summary/);
  const long = await ann.get(`/search?q=${'a'.repeat(300)}`);
  t.equal(long.status, 400);
  t.match(long.body, /at most 200 characters/);
  const signedOut = await new HttpVisitor(stack.url).get('/search?q=creme');
  t.equal(signedOut.status, 303);
});
