/**
 * A send the agent refuses for now (503 `busy`, designed backpressure:
 * contract send-retry.ts): the composer says when to try again, the page
 * answers 503 with the agent's Retry-After, and nothing the person typed is
 * lost, with htmx and without. The agent of this stack takes no send at all
 * (SEND_MAX_IN_FLIGHT=0), so every send is refused the same way.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite, dataDir } = await startLocalStack(t, 'homeagent-send-busy-', { env: { agent: { SEND_MAX_IN_FLIGHT: '0', SEND_RETRY_AFTER_S: '4' } } });
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann')).status !== 303) throw new Error('registration failed');

/** What a subtest asserts with (structural: the root and subtests share these). */
type Asserts = Pick<typeof t, 'ok' | 'equal'>;

const BUSY = /HomeAgent is busy right now — try again in (\d) seconds\./;
const sendKeyOf = (page: string) => /name="sendKey" value="([A-Za-z0-9_-]+)"/.exec(page)?.[1];
const unescape = (text: string) => text.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'");

/** The agent's Retry-After reaches the person: a whole number of seconds between the configured 4 and twice that, said in words too. */
function checkWait(t: Asserts, status: number, headers: Headers, body: string) {
  t.equal(status, 503);
  const header = Number(headers.get('retry-after'));
  t.ok(header >= 4 && header <= 8, `Retry-After ${String(headers.get('retry-after'))}`);
  const said = BUSY.exec(unescape(body));
  t.ok(said, 'the person is told to try again and when');
  t.equal(Number(said?.[1]), header, 'the sentence and the header name the same wait');
}

t.test('a new chat refused as busy keeps the text, with htmx and without', async (t) => {
  const text = 'Plan a picnic <by the lake> & bring "snacks"';
  const page = await ann.get('/c/new');
  const key = sendKeyOf(page.body);
  t.ok(key, 'the composer carries a send key');

  const partial = await ann.postPartial('/c/new/messages', { text, sendKey: key! });
  checkWait(t, partial.status, partial.headers, partial.body);
  t.notMatch(partial.body, /<form id="composer"/, 'htmx keeps the form on the page: only the sentence is swapped in');

  const plain = await ann.post('/c/new/messages', { text, sendKey: key! });
  checkWait(t, plain.status, plain.headers, plain.body);
  t.match(plain.body, /<textarea id="message" name="text"[^>]*>Plan a picnic &lt;by the lake&gt; &amp; bring &quot;snacks&quot;<\/textarea>/, 'the page again, with the text as typed (escaped)');
  t.equal(sendKeyOf(plain.body), key, 'with the same send key, so sending again is the same send');
  t.notMatch((await ann.get('/')).body, /href="\/c\/[a-z0-9]+"/, 'no chat was stored');
});

t.test('a message refused as busy in a chat keeps the text, with htmx and without', async (t) => {
  // The chat is made at the agent directly (making one is not a send): the app's own sends are all refused here.
  const listPage = await ann.get('/');
  const userId = /\/users\/([0-9a-z]+)\//.exec(decodeURIComponent(unescape(listPage.body)))?.[1];
  t.ok(userId, "the page's topic names the person");
  const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { serviceKey: string };
  const created = await fetch(`${stack.endpoints.agent}/v1/conversations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secrets.serviceKey}`, 'x-user-id': userId!, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Garden' }),
  });
  t.equal(created.status, 201);
  const conversationId = ((await created.json()) as { conversation: { id: string } }).conversation.id;

  const page = await ann.get(`/c/${conversationId}`);
  const key = sendKeyOf(page.body);
  t.ok(key);
  const partial = await ann.postPartial(`/c/${conversationId}/messages`, { text: 'When do I plant tulips?', sendKey: key! });
  checkWait(t, partial.status, partial.headers, partial.body);

  const plain = await ann.post(`/c/${conversationId}/messages`, { text: 'When do I plant tulips?', sendKey: key! });
  checkWait(t, plain.status, plain.headers, plain.body);
  t.match(plain.body, /<textarea id="message" name="text"[^>]*>When do I plant tulips\?<\/textarea>/);
  t.equal(sendKeyOf(plain.body), key);
  t.notMatch((await ann.get(`/c/${conversationId}`)).body, /When do I plant tulips\?<\/div>/, 'no message was stored');
});
