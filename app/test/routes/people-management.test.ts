/**
 * Running the household from the app, against the real system: role
 * changes, the last admin, disabling (the person lands on sign-in told
 * why), reset links end to end, removal behind its confirmation page, the
 * Activity page, the account page and the send limit. Every refusal is a
 * clear 4xx that writes nothing.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(600_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-manage-', {
  tokensPerSecond: 2_000,
  firstTokenDelayMs: 0,
  env: { app: { SEND_RATE_PER_MINUTE: '2' } },
});

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');

async function newMember(username: string): Promise<{ visitor: HttpVisitor; id: string }> {
  const code = await ann.createInvite();
  const visitor = new HttpVisitor(stack.url);
  if ((await visitor.register(code, username, PASSWORD)).status !== 303) throw new Error(`${username} could not register`);
  const page = await ann.get('/people');
  const id = new RegExp(`id="person-([a-z0-9]+)"[^>]*>\\s*<h2[^>]*>${username} Example`).exec(page.body)?.[1];
  if (!id) throw new Error(`no card for ${username}`);
  return { visitor, id };
}

function annId(body: string): string {
  return /id="person-([a-z0-9]+)"[^>]*>\s*<h2[^>]*>ann Example/.exec(body)![1]!;
}

t.test('the last admin cannot step down or be disabled: the card says why, nothing changes', async (t) => {
  const page = await ann.get('/people');
  const id = annId(page.body);
  const demote = await ann.postPartial(`/people/${id}/role`, { role: 'member' });
  t.equal(demote.status, 409);
  t.match(demote.body, /<p class="form-error" role="alert">ann Example is the last active admin/);
  const disable = await ann.postPartial(`/people/${id}/state`, { state: 'disabled' });
  t.equal(disable.status, 409);
  t.match((await ann.get('/people')).body, /Admin · you/, 'still an admin');
  t.equal((await ann.get('/settings')).status, 200, 'and can still run the place');
});

t.test('role changes answer with the card; forged forms and members are refused and write nothing', async (t) => {
  const { visitor: cleo, id } = await newMember('cleo');
  const promoted = await ann.postPartial(`/people/${id}/role`, { role: 'admin' });
  t.equal(promoted.status, 200);
  t.match(promoted.body, /cleo Example is now an admin\./);
  t.match(promoted.body, /· Admin/);
  const back = await ann.postPartial(`/people/${id}/role`, { role: 'member' });
  t.match(back.body, /· Member/);

  const forged = await ann.post(`/people/${id}/role`, { role: 'admin', _csrf: 'forged' });
  t.equal(forged.status, 403);
  const foreign = await ann.post(`/people/${id}/role`, { role: 'admin' }, { origin: 'https://evil.example' });
  t.equal(foreign.status, 403);
  const bad = await ann.postPartial(`/people/${id}/role`, { role: 'owner' });
  t.equal(bad.status, 400);
  await cleo.get('/');
  const byMember = await cleo.post(`/people/${id}/role`, { role: 'admin' });
  t.equal(byMember.status, 403);
  t.match((await ann.get('/people')).body, new RegExp(`id="person-${id}"[\\s\\S]*?· Member`), 'still a member');
});

t.test('every people action refuses a forged form (403) and writes nothing', async (t) => {
  const { visitor: kim, id } = await newMember('kim');
  const forms: Array<[string, Record<string, string>]> = [
    [`/people/${id}/role`, { role: 'admin' }],
    [`/people/${id}/state`, { state: 'disabled' }],
    [`/people/${id}/reset-link`, {}],
    [`/people/${id}/budget`, { monthlyBudgetUsd: '3' }],
    [`/people/${id}/sign-out`, {}],
    [`/people/${id}/remove`, {}],
  ];
  for (const [path, fields] of forms) {
    const forged = await ann.post(path, { ...fields, _csrf: 'forged' });
    t.equal(forged.status, 403, `${path} with a forged token`);
    const foreign = await ann.post(path, fields, { origin: 'https://evil.example' });
    t.equal(foreign.status, 403, `${path} from another origin`);
  }
  const card = (await ann.get('/people')).body;
  const kimCard = card.slice(card.indexOf(`id="person-${id}"`), card.indexOf('</article>', card.indexOf(`id="person-${id}"`)));
  t.match(kimCard, /· Member/, 'still a member');
  t.match(kimCard, /Active · last sign-in/, 'still active');
  t.match(kimCard, /\(the default budget\)/, 'budget unchanged');
  t.notMatch(kimCard, /reset-link-created/, 'no reset link made');
  t.equal((await kim.get('/')).status, 200, 'still signed in');
  // Newest first: any entry these forms had made would be on the first page, naming kim as the target.
  const activity = (await ann.get('/activity')).body;
  t.match(activity, /<td><span class="actor">kim<\/span><\/td>\s*<td>Invite used<\/td>/, 'the page holds her entries');
  t.notMatch(activity, /<td>(Reset link made|Account disabled|Role changed|Budget changed|Signed out everywhere|Account removed)<\/td>\s*<td>kim<\/td>/, 'and no audit entry of any of it');

  // Her own account's forms too.
  const own: Array<[string, Record<string, string>]> = [
    ['/account/display-name', { displayName: 'Not Kim' }],
    ['/sign-out-everywhere', {}],
  ];
  await kim.get('/account');
  for (const [path, fields] of own) {
    t.equal((await kim.post(path, { ...fields, _csrf: 'forged' })).status, 403, `${path} with a forged token`);
  }
  const account = await kim.get('/account');
  t.equal(account.status, 200, 'still signed in');
  t.match(account.body, /value="kim Example"/, 'name unchanged');
});

t.test('a disabled person is cut off at once and told why; enabled, they sign in again', async (t) => {
  const { visitor: dan, id } = await newMember('dan');
  t.equal((await dan.get('/')).status, 200);
  const disabled = await ann.postPartial(`/people/${id}/state`, { state: 'disabled' });
  t.equal(disabled.status, 200);
  t.match(disabled.body, /dan Example is disabled and signed out everywhere\./);
  t.match(disabled.body, /Disabled · last sign-in/);
  const next = await dan.get('/');
  t.equal(next.status, 303);
  t.equal(next.headers.get('location'), '/sign-in?reason=disabled');
  t.match((await dan.get('/sign-in?reason=disabled')).body, /This account is disabled\. Ask an admin\./);
  const retry = await dan.post('/sign-in', { username: 'dan', password: PASSWORD });
  t.equal(retry.status, 403);
  t.match(retry.body, /This account is disabled\. Ask an admin\./);

  await ann.postPartial(`/people/${id}/state`, { state: 'active' });
  await dan.get('/sign-in');
  t.equal((await dan.post('/sign-in', { username: 'dan', password: PASSWORD })).status, 303);
});

t.test('a reset link, shown once, sets a new password and then works no more', async (t) => {
  const { visitor: eve, id } = await newMember('eve');
  const made = await ann.postPartial(`/people/${id}/reset-link`, {});
  t.equal(made.status, 200);
  const link = /id="person-[a-z0-9]+-reset-link" class="copyable" value="([^"]+)"/.exec(made.body)?.[1];
  t.ok(link?.startsWith(`${stack.url}/reset/`), 'a link to the reset page');
  t.notOk((await ann.get('/people')).body.includes(link!), 'shown only once');
  const path = new URL(link!).pathname;

  const stranger = new HttpVisitor(stack.url);
  const page = await stranger.get(path);
  t.match(page.body, /Choose a new password/);
  t.match(page.body, /For <strong>eve Example<\/strong> \(eve\)/);
  const short = await stranger.post(path, { password: 'short' });
  t.equal(short.status, 400);
  t.match(short.body, /too short/);
  const set = await stranger.post(path, { password: 'a completely new password' });
  t.equal(set.status, 303);
  t.equal(set.headers.get('location'), '/sign-in?reason=password-reset');
  t.equal((await eve.get('/')).status, 303, 'her earlier session ended');

  const again = await stranger.get(path);
  t.equal(again.status, 410);
  t.match(again.body, /already been used/);
  const reuse = await stranger.post(path, { password: 'yet another new password' });
  t.equal(reuse.status, 410);
  await eve.get('/sign-in');
  t.equal((await eve.post('/sign-in', { username: 'eve', password: 'yet another new password' })).status, 401, 'the used link set nothing');
  t.equal((await eve.post('/sign-in', { username: 'eve', password: 'a completely new password' })).status, 303);
  t.equal((await stranger.get('/reset/nosuchtoken')).status, 404);
});

t.test('removal: a confirmation page says what goes; then the person is gone', async (t) => {
  const { visitor: fay, id } = await newMember('fay');
  const confirm = await ann.get(`/people/${id}/remove`);
  t.equal(confirm.status, 200);
  t.match(confirm.body, /<h1>Remove fay Example\?<\/h1>/);
  t.match(confirm.body, /conversations and every message/);
  t.match(confirm.body, /activity log keeps/);
  const forged = await ann.post(`/people/${id}/remove`, { _csrf: 'forged' });
  t.equal(forged.status, 403);
  t.match((await ann.get('/people')).body, /fay Example/, 'still there after a forged form');
  const removed = await ann.post(`/people/${id}/remove`, {});
  t.equal(removed.status, 303);
  t.equal(removed.headers.get('location'), '/people?notice=removed');
  const people = await ann.get('/people?notice=removed');
  t.match(people.body, /The account was removed\./);
  t.notMatch(people.body, /fay Example/);
  t.equal((await fay.get('/')).status, 303, 'signed out');
});

t.test('the Activity page lists what happened, with the right actor, filtered by kind', async (t) => {
  const page = await ann.get('/activity?action=user.removed');
  t.equal(page.status, 200);
  t.match(page.body, /<h1>Activity<\/h1>/);
  t.match(page.body, /<td><span class="actor">ann<\/span><\/td>\s*<td>Account removed<\/td>\s*<td>fay<\/td>/);
  t.notMatch(page.body, /<td>Reset link made<\/td>/, 'only the chosen kind');
  const all = await ann.get('/activity');
  t.match(all.body, /<span class="actor">eve<\/span><\/td>\s*<td>Reset link used/);
  t.match(all.body, /<span class="actor">dan<\/span><\/td>\s*<td>Sign-in failed \(refused\)/);
  const bad = await ann.get('/activity?cursor=bm90LWEtY3Vyc29y');
  t.equal(bad.status, 400);
  const { visitor: gus } = await newMember('gus');
  t.equal((await gus.get('/activity')).status, 403, 'members cannot see it');
});

t.test('the account page: name, password (current one required), devices', async (t) => {
  const { visitor: hal } = await newMember('hal');
  const other = new HttpVisitor(stack.url);
  await other.get('/sign-in');
  await other.post('/sign-in', { username: 'hal', password: PASSWORD }, { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Version/18.0 Safari/605.1' });
  const page = await hal.get('/account');
  t.equal(page.status, 200);
  t.match(page.body, /<label for="display-name">Display name<\/label>/);
  t.match(page.body, /Safari on iOS/);
  t.match(page.body, /this device/);
  t.match(page.body, /signed in on/);

  const named = await hal.post('/account/display-name', { displayName: '  Hal 9000  ' });
  t.equal(named.status, 303);
  t.match((await hal.get('/account?done=name')).body, /value="Hal 9000"/);
  const blank = await hal.post('/account/display-name', { displayName: '   ' });
  t.equal(blank.status, 400);

  const wrong = await hal.post('/account/password', { currentPassword: 'not my password', newPassword: 'a fresh long password' });
  t.equal(wrong.status, 400);
  t.match(wrong.body, /That is not your current password, so nothing was changed\./);
  t.equal((await other.get('/')).status, 200, 'nothing ended by the refusal');
  const forged = await hal.post('/account/password', { currentPassword: PASSWORD, newPassword: 'a fresh long password', _csrf: 'forged' });
  t.equal(forged.status, 403);
  const changed = await hal.post('/account/password', { currentPassword: PASSWORD, newPassword: 'a fresh long password' });
  t.equal(changed.status, 303);
  t.equal((await hal.get('/')).status, 200, 'this device stays signed in');
  t.equal((await other.get('/')).status, 303, 'the other one is signed out');
});

t.test('sending faster than the limit is a 429 with Retry-After, shown in the composer', async (t) => {
  const { visitor: ida } = await newMember('ida');
  await ida.get('/');
  const created = await ida.post('/c', {});
  const chat = created.headers.get('location')!;
  await ida.get(chat);
  const statuses: number[] = [];
  let refused: Awaited<ReturnType<typeof ida.postPartial>> | undefined;
  for (let i = 0; i < 3; i++) {
    const response = await ida.postPartial(`${chat}/messages`, { text: `message ${i}` });
    statuses.push(response.status);
    if (response.status === 429) refused = response;
    // One reply at a time: wait until this one is over before the next.
    for (let n = 0; n < 400 && response.status === 200; n++) {
      if (!/data-state="streaming"/.test((await ida.get(chat)).body)) break;
    }
  }
  t.same(statuses, [200, 200, 429]);
  // The wait is what is left of the minute: up to "1 minute" when the window has just begun.
  t.match(refused!.body, /faster than 2 a minute\. Try again in (\d+ seconds?|1 minute)\./);
  t.match(refused!.headers.get('retry-after') ?? '', /^\d+$/);
});
