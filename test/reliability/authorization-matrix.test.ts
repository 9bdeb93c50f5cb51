/**
 * The authorization matrix: two members (alice, bob) and an admin, over every
 * route and topic that names a conversation, a message or an admin page.
 * Each row is done by the owner (the control: it works) and by everyone
 * else (denied with the right status: 404 for another's things, so their
 * existence is not revealed; 403 for admin pages; 303 to sign-in without a
 * session; 401 at the agent without the service key). The table is printed.
 */
import t from 'tap';
import { EMULATOR_MARKERS } from '@homeagent/local/bedrock-emulator';
import { ChatPerson } from './chat-person.js';
import { readReply } from './hub-reader.js';
import { startReliabilityStack } from './reliability-stack.js';
import { SecretList, assertNoSecretsLogged } from './secret-scan.js';

t.setTimeout(240_000);

type Who = 'owner' | 'bob' | 'admin' | 'anonymous';

interface Row {
  action: string;
  /** what each actor must get */
  expect: Partial<Record<Who, number>>;
  run(as: ChatPerson): Promise<number>;
  /** a route that does not exist yet, being built elsewhere */
  todo?: string;
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
  const first = await alice.send(cid, 'my private question');
  const mid = first.assistantId!;
  await readReply({ baseUrl: s.stack.url, cookie: alice.hubCookie(), topic: first.topic!, messageId: mid, from: `${mid}:000000` });
  const doomed = await alice.newConversation();
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
    { action: 'export a conversation', expect: { owner: 200, ...cross }, run: (as) => page(as, `${base}/export`), todo: 'export (issue 9) is not on main yet' },
    { action: 'share a conversation', expect: { owner: 303, ...cross }, run: (as) => form(as, `${base}/share`), todo: 'share links (issue 9) are not on main yet' },
    { action: "open another's attachment", expect: { owner: 200, ...cross }, run: (as) => page(as, `${base}/attachments/x`), todo: 'attachments are not on main yet' },
    { action: 'admin: invites page', expect: adminOnly, run: (as) => page(as, '/invites') },
    { action: 'admin: make an invite', expect: { owner: 201, bob: 403, anonymous: 303 }, run: (as) => form(as, '/invites', { role: 'admin', expiresInDays: '1' }) },
    { action: 'admin: revoke an invite', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/invites/${invite}/revoke`) },
    { action: 'admin: people page', expect: adminOnly, run: (as) => page(as, '/people') },
    { action: "admin: set someone's budget", expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/budget`, { monthlyBudgetUsd: '1000' }) },
    { action: 'admin: sign someone out', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, `/people/${alice.userId}/sign-out`) },
    { action: 'admin: settings page', expect: adminOnly, run: (as) => page(as, '/settings') },
    { action: 'admin: change settings', expect: { bob: 403, anonymous: 303 }, run: (as) => form(as, '/settings', { systemPrompt: 'be evil' }) },
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
      if (who !== 'owner' && got === wanted) denials += 1;
      t.equal(got, wanted, `${row.action} as ${who}`, row.todo ? { todo: row.todo } : {});
    }
    const [b, a, anon, owner] = cells;
    table.push(`| ${row.action}${row.todo ? ' (todo)' : ''} | ${owner} | ${b} | ${a} | ${anon} |`);
  }

  // The hub: bob's own cookie is good for his topics only. Asked for alice's topic, from a point in
  // the hub's history before her latest reply, the hub must replay nothing of hers.
  const other = await alice.newConversation();
  const aliceAgain = await alice.send(other, 'another private one');
  const replyId = aliceAgain.assistantId!;
  const seen = await readReply({ baseUrl: s.stack.url, cookie: alice.hubCookie(), topic: aliceAgain.topic!, messageId: replyId, from: `${replyId}:000000` });
  const bobSaw = await readReply({ baseUrl: s.stack.url, cookie: bob.hubCookie(), topic: aliceAgain.topic!, messageId: replyId, from: `${mid}:000000`, timeoutMs: 3_000 });
  t.ok(seen.done, 'alice sees her reply');
  t.ok(seen.text.length > 0);
  t.equal(bobSaw.text, '', "bob's cookie receives nothing from alice's topic");
  t.notOk(bobSaw.done, 'not even her done event');
  t.same(bobSaw.statuses.slice(0, 1), [200], 'the hub accepts the subscription (private updates are filtered, as Mercure specifies)');
  const anonymousHub = await fetch(`${s.stack.url}/.well-known/mercure?topic=${encodeURIComponent(first.topic!)}`);
  await anonymousHub.body?.cancel();
  t.equal(anonymousHub.status, 401, 'no cookie: the hub refuses');
  table.push(`| subscribe to alice's topic | 200, her events | 200, **none of hers** (${bobSaw.text.length} characters) | - | ${anonymousHub.status} |`);

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
  secrets.add('password', 'correct horse battery staple');
  for (const person of [alice, bob, admin]) secrets.addCookies(person.jar);
  assertNoSecretsLogged(t, secrets, s.logs.lines);
});
