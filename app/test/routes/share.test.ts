/**
 * Share links against the whole system: made from a chat (the link shown
 * once), opened read-only by another person (noindex, no composer, the
 * snapshot as it was), listed and revoked by the sharer, refused after;
 * signed-out visitors only when the admin allows public links.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { startHousehold } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, ann, bob } = await startHousehold(t, 'homeagent-share-');

const annChat = await ann.chat('Our <i>secret</i> picnic spot');

async function makeLink(): Promise<string> {
  await ann.get(`${annChat}/share`);
  const made = await ann.post(`${annChat}/share`, {});
  if (made.status !== 201) throw new Error(`share failed: ${made.status}`);
  const url = /id="share-link" type="text" readonly value="([^"]+)"/.exec(made.body)?.[1];
  if (!url) throw new Error('no link on the page');
  return new URL(url).pathname;
}

t.test('a link opens a read-only snapshot for another signed-in person', async (t) => {
  t.match((await ann.get(annChat)).body, new RegExp(`href="${annChat}/share">Share a read-only link`));
  const link = await makeLink();
  t.match(link, /^\/share\/[A-Za-z0-9_-]{43}$/);
  // Sent after sharing: not in the snapshot.
  await ann.get(annChat);
  await ann.postPartial(`${annChat}/messages`, { text: 'added after sharing' });

  const page = await bob.get(link);
  t.equal(page.status, 200);
  t.equal(page.headers.get('x-robots-tag'), 'noindex');
  t.match(page.body, /<meta name="robots" content="noindex">/);
  t.match(page.body, /Our &lt;i&gt;secret&lt;\/i&gt; picnic spot/, 'the message, escaped');
  t.match(page.body, /Shared by ann Example/);
  t.notMatch(page.body, /added after sharing/, 'as it was when shared');
  t.notMatch(page.body, /id="composer"|name="text"/, 'no composer');
  t.notMatch(page.body, /Manage chat/);
});

t.test('the sharer lists and revokes; the link is refused after', async (t) => {
  const link = await makeLink();
  const list = await ann.get('/shares');
  t.equal(list.status, 200);
  const revoke = [...list.body.matchAll(/action="(\/shares\/[a-z0-9]+\/revoke)"/g)].map((m) => m[1]!);
  t.equal(revoke.length, 2, 'both links listed');
  t.notMatch(list.body, new RegExp(link.slice('/share/'.length)), 'the token is never shown again');
  t.match((await bob.get('/shares')).body, /You have not shared any chat/, 'Bob sees none of Ann\'s');
  t.equal((await bob.post(revoke[0]!, {})).status, 404, 'Bob cannot revoke Ann\'s link');

  for (const action of revoke) {
    await ann.get('/shares');
    const done = await ann.post(action, {});
    t.equal(done.status, 200);
    t.match(done.body, /The link was revoked/);
  }
  const refused = await bob.get(link);
  t.equal(refused.status, 404);
  t.match(refused.body, /This link does not work/);
  t.equal(refused.headers.get('x-robots-tag'), 'noindex');
  t.equal((await bob.get('/share/not-a-token')).status, 404);
});

t.test('signed-out visitors only when the admin allows public links', async (t) => {
  const link = await makeLink();
  const stranger = new HttpVisitor(stack.url);
  const refused = await stranger.get(link);
  t.equal(refused.status, 401);
  t.match(refused.body, /Sign in to see this chat/);
  t.notMatch(refused.body, /picnic/);

  t.equal((await bob.get('/settings/sharing')).status, 403, 'members cannot change it');
  t.match((await ann.get('/settings')).body, /href="\/settings\/sharing"/);
  const form = await ann.get('/settings/sharing');
  t.notMatch(form.body, /name="publicLinks" value="on" checked/, 'off by default');
  t.match((await ann.post('/settings/sharing', { publicLinks: 'on' })).body, /anyone with a link can now open/);
  const open = await stranger.get(link);
  t.equal(open.status, 200);
  t.match(open.body, /picnic spot/);
  await ann.get('/settings/sharing');
  await ann.post('/settings/sharing', {});
  t.equal((await stranger.get(link)).status, 401, 'off again');
});
