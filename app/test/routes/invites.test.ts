/**
 * Admins invite people from the app, against the real system (agent,
 * dynalite, hub, edge) started by `startStack`: the page, the new invite's
 * code and link, the register page the link opens, members kept out, and
 * bad input refused with a sentence.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { HttpVisitor, type VisitResponse } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-invites-');

const admin = new HttpVisitor(stack.url);
const registered = await admin.register(adminInvite, 'ann');
if (registered.status !== 303) throw new Error(`the first admin could not register: ${registered.status}`);

const HOUR = 3_600_000;

/** The new invite on a page or fragment: its code, the link to share, when it expires. */
function createdInvite(body: string): { code: string; link: string; expiresAt: Date } {
  const code = /id="created-invite-code"[^>]*\svalue="([^"]+)"/.exec(body)?.[1];
  const link = /id="invite-link"[^>]*\svalue="([^"]+)"/.exec(body)?.[1];
  const expires = /<div class="invite-created">[\s\S]*?<time datetime="([^"]+)"/.exec(body)?.[1];
  if (!code || !link || !expires) throw new Error(`no new invite in: ${body.slice(0, 500)}`);
  return { code, link, expiresAt: new Date(expires) };
}

async function openInvitePage(visitor: HttpVisitor): Promise<VisitResponse> {
  const page = await visitor.get('/invites');
  if (page.status !== 200) throw new Error(`invite page answered ${page.status}`);
  return page;
}

t.test('a signed-out visitor is sent to sign in', async (t) => {
  for (const method of ['GET', 'POST'] as const) {
    const res = await fetch(`${stack.url}/invites`, { method, redirect: 'manual' });
    t.equal(res.status, 303, method);
    t.equal(res.headers.get('location'), '/sign-in', method);
  }
});

t.test('an admin finds the page from the header and sees the form', async (t) => {
  const home = await admin.get('/');
  t.equal(home.status, 200);
  t.match(home.body, /<a class="button-quiet" href="\/invites">Invite someone<\/a>/, 'the header links to the page');

  const page = await openInvitePage(admin);
  t.match(page.body, /<title>Invite someone · HomeAgent<\/title>/);
  t.match(page.body, /<label for="invite-role">Role<\/label>/);
  t.match(page.body, /<option value="member" selected>Member<\/option>/, 'member by default');
  t.match(page.body, /<option value="admin" >Admin<\/option>/);
  t.match(page.body, /<label for="invite-days">Expires after \(days\)<\/label>/);
  t.match(page.body, /id="invite-days" name="expiresInDays" type="number"[^>]*value="7"/, 'seven days by default');
  t.match(page.body, /<button type="submit" class="button-primary">Create invite<\/button>/);
  t.match(page.body, /name="_csrf" value="[^"]+"/, 'the form carries its CSRF token');
  t.notMatch(page.body, /invite-created/, 'no invite before the button is pressed');

  const partial = await admin.getPartial('/invites');
  t.equal(partial.status, 200);
  t.notMatch(partial.body, /<html/, 'htmx gets the page body alone');
  t.match(partial.body, /Create invite/);
});

t.test('creating a member invite shows its code and a link that opens the register page with it', async (t) => {
  await openInvitePage(admin);
  const before = Date.now();
  const res = await admin.post('/invites', { role: 'member', expiresInDays: '7' });
  t.equal(res.status, 201);
  const { code, link, expiresAt } = createdInvite(res.body);
  t.equal(link, `${stack.url}/register?invite=${encodeURIComponent(code)}`);
  t.ok(Math.abs(expiresAt.getTime() - (before + 7 * 24 * HOUR)) < HOUR, `expires in 7 days: ${expiresAt.toISOString()}`);
  t.match(res.body, /makes them a\s+<strong>member<\/strong>/);

  // The person the link was sent to.
  const bob = new HttpVisitor(stack.url);
  const registerPage = await bob.get(new URL(link).pathname + new URL(link).search);
  t.equal(registerPage.status, 200);
  t.match(registerPage.body, new RegExp(`id="invite-code" name="inviteCode" value="${code}"`), 'the code is filled in');
  const joined = await bob.post('/register', { inviteCode: code, username: 'bob', displayName: 'Bob B', password: 'correct horse battery staple' });
  t.equal(joined.status, 303, 'registered');
  t.equal(joined.headers.get('location'), '/');
  const home = await bob.get('/');
  t.equal(home.status, 200);
  t.match(home.body, /Bob B/);
  t.notMatch(home.body, /Invite someone/, 'a member has no invite link');

  // The invite worked once.
  const carl = new HttpVisitor(stack.url);
  await carl.get(`/register?invite=${encodeURIComponent(code)}`);
  const again = await carl.post('/register', { inviteCode: code, username: 'carl', displayName: 'Carl', password: 'correct horse battery staple' });
  t.equal(again.status, 400);
  t.match(again.body, /This invite code has already been used/);
});

t.test('a member cannot reach the page or create an invite', async (t) => {
  const bob = new HttpVisitor(stack.url);
  await bob.get('/sign-in');
  t.equal((await bob.post('/sign-in', { username: 'bob', password: 'correct horse battery staple' })).status, 303);
  await bob.get('/'); // a page with a CSRF token bound to bob's session

  const page = await bob.get('/invites');
  t.equal(page.status, 403);
  t.match(page.body, /Only an admin of this HomeAgent can do that\./);
  t.notMatch(page.body, /Create invite/);

  const post = await bob.post('/invites', { role: 'admin', expiresInDays: '7' });
  t.equal(post.status, 403);
  t.match(post.body, /Only an admin/);
  t.notMatch(post.body, /invite-created/);

  const partial = await bob.postPartial('/invites', { role: 'admin', expiresInDays: '7' });
  t.equal(partial.status, 403);
  t.match(partial.body, /^<p class="error" role="alert">Only an admin/, 'htmx gets a fragment');
});

t.test('an admin invite makes an admin, created the way htmx sends the form', async (t) => {
  await openInvitePage(admin);
  const res = await admin.postPartial('/invites', { role: 'admin', expiresInDays: '1' });
  t.equal(res.status, 201);
  t.notMatch(res.body, /<html|action="\/invites" class="stacked"/, 'only the new invite (and the list under the form), not the page');
  t.match(res.body, /<hx-partial hx-target="#open-invites" hx-swap="outerHTML"><section id="open-invites"/, 'the open list comes along, to replace the old one');
  t.match(res.body, /makes them an\s+<strong>admin<\/strong>/);
  const { code, expiresAt } = createdInvite(res.body);
  t.ok(Math.abs(expiresAt.getTime() - (Date.now() + 24 * HOUR)) < HOUR, 'expires in a day');

  const dee = new HttpVisitor(stack.url);
  t.equal((await dee.register(code, 'dee')).status, 303);
  const home = await dee.get('/');
  t.match(home.body, /href="\/invites">Invite someone</, 'the new admin has the link');
  t.equal((await dee.get('/invites')).status, 200);
});

t.test('bad input is refused with a sentence, never a 5xx, and creates nothing', async (t) => {
  await openInvitePage(admin);
  const cases: Array<[string, Record<string, string | string[]>, RegExp]> = [
    ['zero days', { role: 'member', expiresInDays: '0' }, /whole number of days from 1 to 90/],
    ['too many days', { role: 'member', expiresInDays: '91' }, /whole number of days from 1 to 90/],
    ['not a number', { role: 'member', expiresInDays: 'soon' }, /whole number of days from 1 to 90/],
    ['a fraction', { role: 'member', expiresInDays: '7.5' }, /whole number of days from 1 to 90/],
    ['empty days', { role: 'member', expiresInDays: '' }, /Enter after how many days the invite expires/],
    ['an unknown role', { role: 'owner', expiresInDays: '7' }, /member or as an admin/],
    ['a role sent twice', { role: ['member', 'admin'], expiresInDays: '7' }, /Role must be a single text value/],
    ['an oversized field', { role: 'member', expiresInDays: '9'.repeat(5_000) }, /Expires after \(days\) is too long/],
  ];
  for (const [name, fields, message] of cases) {
    const page = await admin.post('/invites', fields);
    t.equal(page.status, 400, name);
    t.match(page.body, message, name);
    t.notMatch(page.body, /invite-created/, `${name}: no invite`);
    const fragment = await admin.postPartial('/invites', fields);
    t.equal(fragment.status, 400, `${name} (htmx)`);
    t.match(fragment.body, message, `${name} (htmx)`);
    t.notMatch(fragment.body, /<html/, `${name} (htmx): a fragment`);
  }
  const kept = await admin.post('/invites', { role: 'admin', expiresInDays: '120' });
  t.match(kept.body, /<option value="admin" selected>Admin<\/option>/, 'the chosen role is kept');
  t.match(kept.body, /id="invite-days"[^>]*value="120"[^>]*aria-invalid="true"/, 'the typed days are kept and marked');
});

t.test('without the CSRF token, or from another site, nothing is created', async (t) => {
  await openInvitePage(admin);
  const noToken = await admin.post('/invites', { _csrf: '', role: 'member', expiresInDays: '7' });
  t.equal(noToken.status, 403);
  t.match(noToken.body, /security token/);
  t.notMatch(noToken.body, /invite-created/);
  const foreign = await admin.post('/invites', { role: 'member', expiresInDays: '7' }, { origin: 'https://evil.example' });
  t.equal(foreign.status, 403);
  t.notMatch(foreign.body, /invite-created/);
});

t.test('the register page escapes whatever the link carries', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  const page = await visitor.get(`/register?invite=${encodeURIComponent('"><script>alert(1)</script>')}`);
  t.equal(page.status, 200);
  t.match(page.body, /value="&quot;&gt;&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
  t.notMatch(page.body, /<script>alert/);
  const twice = await visitor.get('/register?invite=a&invite=b');
  t.equal(twice.status, 400);
  t.match(twice.body, /Invite code must be a single text value/);
});

/** How the list names an invite: the SHA-256 of its code (the code itself is shown once, when made). */
const idOf = (code: string) => createHash('sha256').update(code).digest('base64url');

/** The codes in the open-invites list of a page or fragment, in order, found by their ids. */
function openCodes(body: string, codes: string[]): string[] {
  const section = /<section id="open-invites"[\s\S]*?<\/section>/.exec(body)?.[0];
  if (!section) throw new Error(`no open-invites list in: ${body.slice(0, 300)}`);
  const ids = [...section.matchAll(/action="\/invites\/([^/"]+)\/revoke"/g)].map((m) => m[1]!);
  return ids.map((id) => codes.find((code) => idOf(code) === id) ?? id);
}

t.test('the page lists open invites newest first, and a revoked one stops working', async (t) => {
  await openInvitePage(admin);
  const first = createdInvite((await admin.post('/invites', { role: 'member', expiresInDays: '7' })).body).code;
  const second = createdInvite((await admin.postPartial('/invites', { role: 'admin', expiresInDays: '2' })).body);
  const page = await openInvitePage(admin);
  const listed = openCodes(page.body, [first, second.code]);
  t.ok(listed.indexOf(second.code) >= 0 && listed.indexOf(second.code) < listed.indexOf(first), 'newest first');
  t.match(page.body, /<td><time[^>]*>[^<]+<\/time><\/td>\s*<td>admin<\/td>/, 'with its role');
  t.notOk(page.body.includes(first) || page.body.includes(second.code), 'the list never shows a code again');
  t.match(page.body, /<h2 id="open-invites-heading">Open invites<\/h2>/);

  // Without JavaScript: the form posts and the page comes back without it.
  const revoked = await admin.post(`/invites/${idOf(first)}/revoke`, {});
  t.equal(revoked.status, 303);
  t.equal(revoked.headers.get('location'), '/invites');
  const after = await openInvitePage(admin);
  t.notOk(openCodes(after.body, [first, second.code]).includes(first), 'gone from the list');
  t.ok(openCodes(after.body, [first, second.code]).includes(second.code), 'the other one stays');

  const late = new HttpVisitor(stack.url);
  await late.get(`/register?invite=${first}`);
  const refused = await late.post('/register', { inviteCode: first, username: 'late', displayName: 'Late', password: 'correct horse battery staple' });
  t.equal(refused.status, 400);
  t.match(refused.body, /This invite code is not valid/);

  // With htmx: the list answers itself, with a sentence.
  const fragment = await admin.postPartial(`/invites/${idOf(second.code)}/revoke`, {});
  t.equal(fragment.status, 200);
  t.match(fragment.body, /^<section id="open-invites"/);
  t.match(fragment.body, /The invite was revoked: its link no longer works\./);
  t.notOk(openCodes(fragment.body, [second.code]).includes(second.code));

  const twice = await admin.postPartial(`/invites/${idOf(second.code)}/revoke`, {});
  t.equal(twice.status, 404);
  t.match(twice.body, /could not be revoked: it has already been used, revoked or has expired/);
  t.match(twice.body, /^<section id="open-invites"/, 'still the list, so the page stays whole');
  const twicePage = await admin.post(`/invites/${idOf(second.code)}/revoke`, {});
  t.equal(twicePage.status, 404);
  t.match(twicePage.body, /<h1>Invite someone<\/h1>[\s\S]*could not be revoked/);
});

t.test('a used invite leaves the list and cannot be revoked', async (t) => {
  await openInvitePage(admin);
  const { code } = createdInvite((await admin.post('/invites', { role: 'member', expiresInDays: '7' })).body);
  t.ok(openCodes((await openInvitePage(admin)).body, [code]).includes(code));
  t.equal((await new HttpVisitor(stack.url).register(code, 'erin')).status, 303);
  t.notOk(openCodes((await openInvitePage(admin)).body, [code]).includes(code), 'used: not open any more');
  const res = await admin.postPartial(`/invites/${idOf(code)}/revoke`, {});
  t.equal(res.status, 404);
});

t.test('members cannot revoke; bad codes and forged forms are refused', async (t) => {
  await openInvitePage(admin);
  const { code } = createdInvite((await admin.post('/invites', { role: 'member', expiresInDays: '7' })).body);

  const bob = new HttpVisitor(stack.url);
  await bob.get('/sign-in');
  await bob.post('/sign-in', { username: 'bob', password: 'correct horse battery staple' });
  await bob.get('/');
  const byMember = await bob.post(`/invites/${idOf(code)}/revoke`, {});
  t.equal(byMember.status, 403);
  t.match(byMember.body, /Only an admin/);

  await openInvitePage(admin);
  const noToken = await admin.post(`/invites/${idOf(code)}/revoke`, { _csrf: '' });
  t.equal(noToken.status, 403);
  const foreign = await admin.post(`/invites/${idOf(code)}/revoke`, {}, { origin: 'https://evil.example' });
  t.equal(foreign.status, 403);
  t.ok(openCodes((await openInvitePage(admin)).body, [code]).includes(code), 'still open after all that');

  const bad = await admin.post(`/invites/${encodeURIComponent('no such!')}/revoke`, {});
  t.equal(bad.status, 400);
  t.match(bad.body, /The invite id has characters that are not allowed/);
  const long = await admin.post(`/invites/${'x'.repeat(65)}/revoke`, {});
  t.equal(long.status, 400);
  t.match(long.body, /The invite id is too long/);
});
