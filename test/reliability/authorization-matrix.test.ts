/**
 * The authorization matrix: two members (alice, bob) and an admin, over every
 * route and topic that names a conversation, a message, an export, a share
 * link, an attachment or an admin page. Each row is done by the owner (the
 * control: it works) and by everyone else (denied with the right status: 404
 * for another's things, so their existence is not revealed; 403 for admin
 * pages; 303 to sign-in without a session; 401 at the agent without the
 * service key). The table is printed.
 *
 * Attachments are tried at the app's routes (upload, download, remove, and
 * through a share link's snapshot) and at the agent's API as the app calls it
 * with each person's id. A reset link made by the admin is used, so its token
 * is in the secret scan.
 */
import t from 'tap';
import { FILE_NAME_HEADER } from '@homeagent/contract';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import { cookieHeader } from '../../app/test/app-builder.js';
import { ChatPerson } from './chat-person.js';
import { readReply, watchTopic } from './hub-reader.js';
import { startReliabilityStack } from './reliability-stack.js';
import { SecretList, assertNoSecretsLogged } from './secret-scan.js';

t.setTimeout(600_000);

type Who = 'owner' | 'bob' | 'admin' | 'anonymous';

interface Row {
  action: string;
  /** what each actor must get */
  expect: Partial<Record<Who, number>>;
  run(as: ChatPerson): Promise<number>;
  /** a route that does not exist yet, being built elsewhere */
  todo?: string;
}

/** One small text file, a kind Claude reads (a document), for the attachment rows. */
const PASSWORD = 'correct horse battery staple';
const NOTE = { bytes: Buffer.from('the shopping list: eggs, flour, milk\n'), name: 'private note.txt' };
const NEW_PASSWORD = 'a brand new passphrase for carol';
/** What the remove row answers when someone else's remove did remove the file. */
const REMOVED = 0;

/** Uploads as the page's Attach button does (the file's bytes, its name in a header, the CSRF token); the new id. */
async function uploadThroughApp(baseUrl: string, as: ChatPerson, file: { bytes: Buffer; name: string }): Promise<string> {
  await as.get('/c/new');
  const answer = await fetch(`${baseUrl}/attachments`, {
    method: 'POST',
    headers: { ...pageHeaders(baseUrl, as), 'content-type': 'application/octet-stream', [FILE_NAME_HEADER]: encodeURIComponent(file.name) },
    body: file.bytes as Uint8Array<ArrayBuffer>,
  });
  const chip = await answer.text();
  const id = /data-attachment-id="([^"]+)"/.exec(chip)?.[1];
  if (answer.status !== 201 || !id) throw new Error(`${as.username} could not upload through the app: ${answer.status} ${chip.slice(0, 200)}`);
  return id;
}

/** Removes an attachment as a chip's remove button does (a DELETE with the CSRF token). */
async function removeThroughApp(baseUrl: string, as: ChatPerson, id: string): Promise<number> {
  if (!as.token) await as.get(as.username === 'anonymous' ? '/sign-in' : '/');
  const answer = await fetch(`${baseUrl}/attachments/${id}`, { method: 'DELETE', headers: pageHeaders(baseUrl, as), redirect: 'manual' });
  await answer.body?.cancel();
  return answer.status;
}

/** The headers a request of the page's own script carries: the cookies, its origin, the CSRF token, htmx's marks. */
function pageHeaders(baseUrl: string, as: ChatPerson): Record<string, string> {
  return { cookie: cookieHeader(as.jar), origin: baseUrl, 'x-csrf-token': as.token, 'hx-request': 'true', 'hx-request-type': 'partial' };
}

t.test('every cross access is denied with the right status', async (t) => {
  const s = await startReliabilityStack(t, 'authz');
  const admin = new ChatPerson(s.stack.url, 'admin');
  await admin.join(s.adminInvite);
  const alice = new ChatPerson(s.stack.url, 'alice');
  await alice.join(await admin.createInvite());
  const bob = new ChatPerson(s.stack.url, 'bob');
  await bob.join(await admin.createInvite());
  // Bob chats too: it gives him his own topic and id, the cookie he will try on alice's.
  const bobsOwn = await bob.newConversation();
  await bob.send(bobsOwn, 'my own question');
  if (!bob.userId) throw new Error('bob has no user id');
  const anonymous = new ChatPerson(s.stack.url, 'anonymous');
  await anonymous.get('/sign-in');

  const cid = await alice.newConversation();
  // An attachment of alice's, uploaded through the app as the page's Attach button does, and sent in the chat.
  const photo = await uploadThroughApp(s.stack.url, alice, NOTE);
  const first = await alice.send(cid, 'my private question', { attachmentIds: photo });
  // Another of hers, never sent: a share link's snapshot must not open it.
  const unsent = await uploadThroughApp(s.stack.url, alice, { ...NOTE, name: 'unsent note.txt' });
  const mid = first.assistantId!;
  await readReply({ baseUrl: s.stack.url, cookie: alice.hubCookie(), topic: first.topic!, messageId: mid, from: `${mid}:000000` });
  const doomed = await alice.newConversation();
  // The admin chats too: the agent rows need the admin's id (it comes with a topic).
  await admin.send(await admin.newConversation(), 'an admin question');
  if (!admin.userId) throw new Error('the admin has no user id');

  // A share link of alice's conversation: its token (shown once) and its id (on her list of links).
  await alice.get(`/c/${cid}/share`);
  const shared = await alice.post(`/c/${cid}/share`, {});
  const shareToken = /\/share\/([A-Za-z0-9_-]{43})/.exec(shared.body)?.[1];
  const shareId = /action="\/shares\/([A-Za-z0-9_-]+)\/revoke"/.exec((await alice.get('/shares')).body)?.[1];
  if (shared.status !== 201 || !shareToken || !shareId) throw new Error(`alice could not share: ${shared.status} ${shared.body.slice(0, 200)}`);
  // An attachment of alice's, uploaded at the agent's API as the app calls it.
  const uploaded = await s.agent('POST', '/v1/attachments', { userId: alice.userId, file: NOTE });
  const attachmentId = (uploaded.body as { attachment?: { id: string } }).attachment?.id;
  if (uploaded.status !== 201 || !attachmentId) throw new Error(`alice could not upload: ${uploaded.status} ${JSON.stringify(uploaded.body).slice(0, 200)}`);
  const agentAs = async (as: ChatPerson, method: string, path: string) => (await s.agent(method, path, { userId: as.userId })).status;

  // Carol forgot her password: the admin makes her a reset link, and she chooses a new one through it.
  const carol = new ChatPerson(s.stack.url, 'carol');
  await carol.join(await admin.createInvite());
  await carol.send(await carol.newConversation(), 'a question of carol');
  await admin.get('/people');
  const resetLink = await admin.post(`/people/${carol.userId}/reset-link`, {});
  const resetToken = /\/reset\/([A-Za-z0-9_%-]+)/.exec(resetLink.body)?.[1];
  if (!resetToken) throw new Error(`no reset link: ${resetLink.status} ${resetLink.body.slice(0, 200)}`);
  const carolAgain = new ChatPerson(s.stack.url, 'carol');
  await carolAgain.get(`/reset/${resetToken}`);
  const reset = await carolAgain.post(`/reset/${resetToken}`, { password: NEW_PASSWORD });
  t.equal(reset.status, 303, 'carol chose a new password through her link');
  t.equal((await carolAgain.post(`/reset/${resetToken}`, { password: NEW_PASSWORD })).status >= 400, true, 'the link is used up');

  // Alice signed in on a second device: her account page offers to end that session by its handle. No one else can.
  const alicesPhone = new ChatPerson(s.stack.url, 'alice');
  await alicesPhone.get('/sign-in');
  if ((await alicesPhone.post('/sign-in', { username: 'alice', password: PASSWORD })).status !== 303) throw new Error('alice could not sign in again');
  const aliceHandle = /action="\/account\/sessions\/([A-Za-z0-9_-]+)\/end"/.exec((await alice.get('/account')).body)?.[1];

  const invite = await admin.createInvite();
  await admin.get('/invites');
  const base = `/c/${cid}`;
  const page = async (as: ChatPerson, path: string) => (await as.get(path)).status;
  const form = async (as: ChatPerson, path: string, fields: Record<string, string> = {}) => {
    // Each actor posts with a CSRF token of its own session, as its own browser would.
    if (!as.token) await as.get(as === anonymous ? '/sign-in' : '/');
    return (await as.post(path, fields)).status;
  };
  const cross = { bob: 404, admin: 404, anonymous: 303 };
  const adminOnly = { owner: 200, bob: 403, anonymous: 303 };

  const rows: Row[] = [
    { action: 'read a conversation', expect: { owner: 200, ...cross }, run: (as) => page(as, base) },
    { action: 'read a message', expect: { owner: 303, ...cross }, run: (as) => page(as, `${base}/m/${mid}`) },
    { action: 'rename a conversation', expect: { owner: 303, ...cross }, run: (as) => form(as, `${base}/rename`, { title: 'renamed' }) },
    { action: 'send into a conversation', expect: { owner: 303, ...cross }, run: (as) => form(as, `${base}/messages`, { text: `more ${EMULATOR_MARKERS.slow}` }) },
    { action: 'stop a reply', expect: { owner: 303, ...cross }, run: (as) => form(as, `${base}/m/${mid}/stop`) },
    { action: 'open the delete page', expect: { owner: 200, ...cross }, run: (as) => page(as, `/c/${doomed}/delete`) },
    { action: 'export a conversation (Markdown)', expect: { owner: 200, ...cross }, run: (as) => page(as, `${base}/export.md`) },
    { action: 'export a conversation (JSON)', expect: { owner: 200, ...cross }, run: (as) => page(as, `${base}/export.json`) },
    { action: 'open the share page of a conversation', expect: { owner: 200, ...cross }, run: (as) => page(as, `${base}/share`) },
    { action: 'share a conversation', expect: { owner: 201, ...cross }, run: (as) => form(as, `${base}/share`) },
    // Designed: a live link opens for anyone signed in here (public links are off by default), not without a session.
    { action: 'open a live share link (by design)', expect: { owner: 200, bob: 200, admin: 200, anonymous: 401 }, run: (as) => page(as, `/share/${shareToken}`) },
    { action: "open another's attachment", expect: { owner: 200, ...cross }, run: (as) => page(as, `/attachments/${photo}`) },
    { action: "open an attachment through a live share link (by design)", expect: { owner: 200, bob: 200, admin: 200, anonymous: 401 }, run: (as) => page(as, `/share/${shareToken}/attachments/${photo}`) },
    { action: "open an attachment not in the shared snapshot through its link", expect: { owner: 404, bob: 404, admin: 404, anonymous: 401 }, run: (as) => page(as, `/share/${shareToken}/attachments/${unsent}`) },
    { action: "revoke another's share link", expect: { owner: 200, ...cross }, run: (as) => form(as, `/shares/${shareId}/revoke`) },
    // After the owner's revoke above: nobody, the owner included, opens it any more. Without a session the answer
    // is the same 401 as for a live link: an anonymous visitor cannot even tell whether a link was ever good.
    { action: 'open a revoked share link', expect: { owner: 404, bob: 404, admin: 404, anonymous: 401 }, run: (as) => page(as, `/share/${shareToken}`) },
    { action: "open an attachment through a revoked share link", expect: { owner: 404, bob: 404, admin: 404, anonymous: 401 }, run: (as) => page(as, `/share/${shareToken}/attachments/${photo}`) },
    // Answered as for a file already removed (the chip's remove button may be pressed twice): nothing is removed.
    { action: "remove another's attachment (answered as one already gone: nothing removed)", expect: { owner: 204, bob: 204, admin: 204, anonymous: 401 }, run: async (as) => {
      const status = await removeThroughApp(s.stack.url, as, unsent);
      return as === alice || (await alice.get(`/attachments/${unsent}`)).status === 200 ? status : REMOVED;
    } },
    { action: "open another's attachment (agent API)", expect: { owner: 200, bob: 404, admin: 404 }, run: (as) => agentAs(as, 'GET', `/v1/attachments/${attachmentId}`) },
    { action: "delete another's attachment (agent API)", expect: { owner: 204, bob: 404, admin: 404 }, run: (as) => agentAs(as, 'DELETE', `/v1/attachments/${attachmentId}`) },
    { action: 'admin: invites page', expect: adminOnly, run: (as) => page(as, '/invites') },
    { action: 'admin: make an invite', expect: { owner: 201, bob: 403, anonymous: 303 }, run: (as) => form(as, '/invites', { role: 'admin', expiresInDays: '1' }) },
    { action: 'admin: revoke an invite', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/invites/${invite}/revoke`) },
    { action: 'admin: people page', expect: adminOnly, run: (as) => page(as, '/people') },
    { action: "admin: set someone's budget", expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/budget`, { monthlyBudgetUsd: '1000' }) },
    { action: 'admin: sign someone out', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/sign-out`) },
    { action: "admin: change someone's role", expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/role`, { role: 'admin' }) },
    { action: 'admin: disable someone', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/state`, { state: 'disabled' }) },
    { action: 'admin: make a reset link for someone', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/reset-link`) },
    { action: "admin: open someone's remove page", expect: adminOnly, run: (as) => page(as, `/people/${alice.userId}/remove`) },
    { action: 'admin: remove someone', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/remove`) },
    { action: 'admin: spending page', expect: adminOnly, run: (as) => page(as, '/spending') },
    { action: 'admin: activity page', expect: adminOnly, run: (as) => page(as, '/activity') },
    { action: 'admin: settings page', expect: adminOnly, run: (as) => page(as, '/settings') },
    { action: 'admin: change settings', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, '/settings', { systemPrompt: 'be evil' }) },
    { action: 'admin: models page', expect: adminOnly, run: (as) => page(as, '/models') },
    { action: 'admin: disable a model', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, '/models/enabled', { modelId: 'any', enabled: 'false' }) },
    { action: 'admin: safety page', expect: adminOnly, run: (as) => page(as, '/safety') },
    { action: 'admin: set the default guardrail', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, '/safety/default', { identifier: '', version: '' }) },
    { action: 'admin: sharing settings page', expect: adminOnly, run: (as) => page(as, '/settings/sharing') },
    { action: 'admin: make share links public', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, '/settings/sharing', { publicLinks: 'on' }) },
    // Last: it ends the conversation the row above uses.
    { action: 'delete a conversation', expect: { owner: 303, ...cross }, run: (as) => form(as, `/c/${doomed}/delete`) },
  ];
  const actors: Record<Who, ChatPerson> = { owner: alice, bob, admin, anonymous };

  const table: string[] = ['| action | owner | bob (member) | admin | anonymous |', '|---|---|---|---|---|'];
  let denials = 0;
  for (const row of rows) {
    const cells: string[] = [];
    // The others first: the owner's control may change the thing (rename, delete).
    for (const who of ['bob', 'admin', 'anonymous', 'owner'] as Who[]) {
      const wanted = row.expect[who];
      if (wanted === undefined) {
        cells.push('-');
        continue;
      }
      const actor = who === 'owner' && row.action.startsWith('admin') ? admin : actors[who];
      const got = await row.run(actor);
      cells.push(got === wanted ? `${got}` : `**${got}** (want ${wanted})`);
      if (who !== 'owner' && got === wanted && wanted >= 300) denials += 1;
      t.equal(got, wanted, `${row.action} as ${who}`, row.todo ? { todo: row.todo } : {});
    }
    const [b, a, anon, owner] = cells;
    table.push(`| ${row.action}${row.todo ? ' (todo)' : ''} | ${owner} | ${b} | ${a} | ${anon} |`);
  }

  // Ending alice's session by its handle, as bob or the admin on their own account page: it answers as
  // for a session ended meanwhile (303 back to the account page) and changes nothing; her session goes on.
  if (!aliceHandle) throw new Error("alice's account page shows no session to end");
  for (const who of [bob, admin]) await form(who, `/account/sessions/${aliceHandle}/end`);
  const aliceStill = (await alice.get('/account')).body.includes(aliceHandle) && (await alicesPhone.get('/')).status === 200;
  t.ok(aliceStill, "no one else ends alice's session by its handle");
  table.push(`| end another's session by its handle | | ${aliceStill ? 'nothing ended' : '**ended**'} | ${aliceStill ? 'nothing ended' : '**ended**'} | |`);

  // The hub: bob's own cookie is good for his topics only. Live: bob listens on alice's topic before she
  // sends. History: asked for her topic from a point before her latest reply, the hub must replay nothing.
  const other = await alice.newConversation();
  const otherTopic = first.topic!.replace(cid, other);
  let aliceDone!: () => void;
  const aliceFinished = new Promise<void>((resolve) => (aliceDone = resolve));
  const bobLive = watchTopic({ baseUrl: s.stack.url, cookie: bob.hubCookie(), topic: otherTopic, until: aliceFinished });
  const aliceAgain = await alice.send(other, 'another private one');
  const replyId = aliceAgain.assistantId!;
  const seen = await readReply({ baseUrl: s.stack.url, cookie: alice.hubCookie(), topic: aliceAgain.topic!, messageId: replyId, from: `${replyId}:000000` });
  aliceDone();
  const live = await bobLive;
  const bobSaw = await readReply({ baseUrl: s.stack.url, cookie: bob.hubCookie(), topic: aliceAgain.topic!, messageId: replyId, from: `${mid}:000000`, timeoutMs: 3_000 });
  t.equal(otherTopic, aliceAgain.topic, 'bob guessed the topic right');
  t.ok(seen.done, 'alice sees her reply');
  t.ok(seen.text.length > 0);
  t.equal(live.status, 200, 'the hub accepts bob on her topic (private updates are filtered, as Mercure specifies)');
  t.equal(live.events, 0, "bob, listening live, receives nothing of alice's reply");
  t.equal(bobSaw.text, '', "bob's cookie receives nothing from alice's topic's history");
  t.notOk(bobSaw.done, 'not even her done event');
  t.same(bobSaw.statuses.slice(0, 1), [200], 'the hub accepts the subscription (private updates are filtered, as Mercure specifies)');
  // Issue 14 item 1: the Last-Event-ID header never hands out an id of an update bob may not receive.
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const peeks = [
    watchTopic({ baseUrl: s.stack.url, cookie: bob.hubCookie(), topic: otherTopic, until: stopped }),
    watchTopic({ baseUrl: s.stack.url, cookie: bob.hubCookie(), topic: otherTopic, until: stopped, lastEventID: `${mid}:000000` }),
  ];
  stop();
  const headers = (await Promise.all(peeks)).map((w) => w.lastEventIdHeader);
  t.equal(headers[0], null, 'no Last-Event-ID header when bob gave none');
  t.notOk(headers.some((h) => h !== null && (h.startsWith(replyId) || h.startsWith(mid))), `no id of alice's in the header (${JSON.stringify(headers)})`);
  const anonymousHub = await fetch(`${s.stack.url}/.well-known/mercure?topic=${encodeURIComponent(first.topic!)}`);
  await anonymousHub.body?.cancel();
  t.equal(anonymousHub.status, 401, 'no cookie: the hub refuses');
  table.push(`| subscribe to alice's topic with one's own cookie | 200, her events | 200, **none of hers**: live ${live.events} events, from history ${bobSaw.text.length} characters | - | ${anonymousHub.status} |`);
  table.push(`| learn alice's latest id from the hub's Last-Event-ID header | | ${headers.map((h) => h ?? 'no header').join(' / ')} | | |`);

  // The agent: only the app, with the service key, may call it; with the key it still answers per person.
  const path = `/v1/conversations/${cid}`;
  const agentRows: Array<[string, number, number]> = [
    ['agent without a key', (await s.agent('GET', path, { userId: alice.userId, key: '' })).status, 401],
    ['agent with a wrong key', (await s.agent('GET', path, { userId: alice.userId, key: `${s.secrets.serviceKey}x` })).status, 401],
    ["agent: bob's id on alice's conversation", (await s.agent('GET', path, { userId: bob.userId })).status, 404],
    ['agent: alice on her own', (await s.agent('GET', path, { userId: alice.userId })).status, 200],
  ];
  for (const [action, got, wanted] of agentRows) {
    t.equal(got, wanted, action);
    if (got === wanted && wanted !== 200) denials += 1;
    table.push(`| ${action} | ${got} | | | |`);
  }
  t.comment(`authorization matrix (${denials} cross accesses denied):\n${table.join('\n')}`);

  const secrets = new SecretList();
  secrets.addLocalSecrets(s.secrets);
  secrets.add('invite code', s.adminInvite);
  secrets.add('invite code', invite);
  secrets.add('share token', shareToken);
  secrets.add('reset link token', decodeURIComponent(resetToken));
  secrets.add('password', PASSWORD);
  secrets.add('password', NEW_PASSWORD);
  for (const person of [alice, alicesPhone, bob, admin, carol, carolAgain]) secrets.addCookies(person.jar);
  assertNoSecretsLogged(t, secrets, s.logs.lines);
});
