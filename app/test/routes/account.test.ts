/**
 * Register, sign in and sign out against the real system (agent, dynalite,
 * hub, edge) started by `startStack`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { SignJWT, decodeJwt } from 'jose';
import { HttpVisitor } from '../http-visitor.js';
import { FORM_TYPE, buildApp, cookieHeader, cookieJar, csrfTokenOf, formBody, testConfig } from '../app-builder.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, dataDir, adminInvite } = await startLocalStack(t, 'homeagent-account-');

t.test('pages without a session redirect to sign-in', async (t) => {
  const res = await fetch(`${stack.url}/`, { redirect: 'manual' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/sign-in');
});

t.test('registering with the admin invite signs the person in with the right cookies', async (t) => {
  const ann = new HttpVisitor(stack.url);
  const res = await ann.register(adminInvite, 'ann', PASSWORD);
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/');

  const cookies = res.headers.getSetCookie();
  const session = cookies.find((c) => c.startsWith('session='));
  const mercure = cookies.find((c) => c.startsWith('mercureAuthorization='));
  t.ok(session, 'session cookie set');
  t.ok(mercure, 'hub cookie set');
  t.match(session!, /; HttpOnly/i);
  t.match(session!, /; SameSite=Lax/i);
  t.match(session!, /; Path=\//);
  t.match(session!, /; Expires=/i, 'expires with the session');
  t.match(mercure!, /; Path=\/\.well-known\/mercure/);
  t.match(mercure!, /; HttpOnly/i);
  t.match(mercure!, /; SameSite=Strict/i);
  if (stack.url.startsWith('http:')) t.notMatch(session!, /; Secure/i, 'no Secure flag on plain http');

  const claims = decodeJwt(ann.jar.mercureAuthorization!) as { mercure?: { subscribe?: string[] }; exp?: number };
  t.equal(claims.mercure?.subscribe?.length, 1, 'one subscribe selector');
  t.match(claims.mercure!.subscribe![0]!, new RegExp(`^${stack.url.replace(/[.]/g, '\\.')}/users/[^/]+/\\{\\+rest\\}$`), "the person's own topics only");
  t.ok(claims.exp, 'the hub cookie expires');
  const sessionExp = decodeJwt(ann.jar.session!).exp!;
  const hoursLeft = (claims.exp! * 1000 - Date.now()) / 3_600_000;
  t.ok(hoursLeft > 0.9 && hoursLeft <= 1, `the hub token lives an hour, not as long as the session (${hoursLeft.toFixed(2)} h)`);
  t.ok(claims.exp! < sessionExp, 'the hub token ends before the session');

  const home = await ann.get('/');
  t.equal(home.status, 200);
  const renewed = home.headers.getSetCookie();
  t.ok(renewed.some((c) => c.startsWith('mercureAuthorization=') && /Path=\/\.well-known\/mercure/.test(c)), 'pages renew the hub cookie');
  t.notOk(renewed.some((c) => c.startsWith('session=')), 'but leave the session cookie alone');
  t.match(home.body, /ann Example/);
  t.match(home.body, />Sign out</);
  t.match(home.body, />New chat</);
});

t.test('a used invite code is refused with a clear message, values kept', async (t) => {
  const bob = new HttpVisitor(stack.url);
  await bob.get('/register');
  const res = await bob.post('/register', { inviteCode: adminInvite, username: 'bob', displayName: 'Bob B', password: PASSWORD });
  t.equal(res.status, 400);
  t.match(res.body, /This invite code has already been used\. Ask for a new one\./);
  t.match(res.body, /value="bob"/);
  t.match(res.body, /value="Bob B"/);
  t.notMatch(res.body, new RegExp(PASSWORD));
  t.notOk(bob.jar.session, 'not signed in');
});

t.test('an unknown invite code is refused with a clear message', async (t) => {
  const eve = new HttpVisitor(stack.url);
  await eve.get('/register');
  const res = await eve.post('/register', { inviteCode: 'no-such-invite', username: 'eve', displayName: 'Eve', password: PASSWORD });
  t.equal(res.status, 400);
  t.match(res.body, /This invite code is not valid/);
});

t.test('bad input on the register form: 4xx with a clear message, never 5xx', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/register');
  const cases: Array<[string, Record<string, string | string[]>, RegExp]> = [
    ['everything missing', {}, /Enter the invite code[\s\S]*Choose a username[\s\S]*Enter the name others will see[\s\S]*Choose a password/],
    ['password too short', { inviteCode: 'x', username: 'carl', displayName: 'C', password: 'short' }, /Password is too short/],
    ['username with capitals', { inviteCode: 'x', username: 'Carl', displayName: 'C', password: PASSWORD }, /Username may only contain/],
    ['username too long', { inviteCode: 'x', username: 'c'.repeat(33), displayName: 'C', password: PASSWORD }, /Username must be 3 to 32 characters/],
    ['display name too long', { inviteCode: 'x', username: 'carl', displayName: 'C'.repeat(65), password: PASSWORD }, /Display name must be at most 64/],
    ['oversized field', { inviteCode: 'x'.repeat(5000), username: 'carl', displayName: 'C', password: PASSWORD }, /Invite code is too long/],
    ['a field sent twice (wrong type)', { inviteCode: ['a', 'b'], username: 'carl', displayName: 'C', password: PASSWORD }, /Invite code must be a single text value/],
  ];
  for (const [name, fields, message] of cases) {
    const res = await visitor.post('/register', fields);
    t.equal(res.status, 400, name);
    t.match(res.body, message, name);
  }
});

t.test('sign in: wrong password and bad input are refused clearly', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const wrong = await visitor.post('/sign-in', { username: 'ann', password: 'not the password' });
  t.equal(wrong.status, 401);
  t.match(wrong.body, /That username and password do not match/);
  t.match(wrong.body, /value="ann"/);

  const missing = await visitor.post('/sign-in', {});
  t.equal(missing.status, 400);
  t.match(missing.body, /Enter your username[\s\S]*Enter your password/);

  const twice = await visitor.post('/sign-in', { username: ['ann', 'bob'], password: PASSWORD });
  t.equal(twice.status, 400);
  t.match(twice.body, /Username must be a single text value/);

  // Through the edge: the app answers 413 before reading the rest, and the
  // edge passes that answer on as an ALB does.
  const huge = await visitor.post('/sign-in', { username: 'ann', password: 'p'.repeat(200_000) });
  t.equal(huge.status, 413, `oversized body: ${huge.status} ${huge.body.slice(0, 200)}`);
  t.match(huge.body, /too large/i);
});

t.test('sign out revokes the session: the old cookie no longer opens pages', async (t) => {
  const ann = new HttpVisitor(stack.url);
  await ann.get('/sign-in');
  const signedIn = await ann.post('/sign-in', { username: 'ann', password: PASSWORD });
  t.equal(signedIn.status, 303);
  const oldSession = ann.jar.session!;
  t.ok(oldSession);

  await ann.get('/');
  const out = await ann.post('/sign-out', {});
  t.equal(out.status, 303);
  t.equal(out.headers.get('location'), '/sign-in');
  t.notOk(ann.jar.session, 'session cookie cleared');
  t.notOk(ann.jar.mercureAuthorization, 'hub cookie cleared');

  // Someone who kept a copy of the cookie gets nowhere.
  const replay = await fetch(`${stack.url}/`, { redirect: 'manual', headers: { cookie: `session=${oldSession}` } });
  t.equal(replay.status, 303);
  t.equal(replay.headers.get('location'), '/sign-in');
});

t.test('sign out without the CSRF token is refused', async (t) => {
  const ann = new HttpVisitor(stack.url);
  await ann.get('/sign-in');
  await ann.post('/sign-in', { username: 'ann', password: PASSWORD });
  await ann.get('/');
  const res = await ann.post('/sign-out', { _csrf: '' });
  t.equal(res.status, 403);
  t.equal((await ann.get('/')).status, 200, 'still signed in');
});

t.test('a session token signed with another secret is no session', async (t) => {
  const ann = new HttpVisitor(stack.url);
  await ann.get('/sign-in');
  await ann.post('/sign-in', { username: 'ann', password: PASSWORD });
  const payload = decodeJwt(ann.jar.session!);
  const forged = await new SignJWT(payload)
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode('an attacker secret that is long enough'));
  const res = await fetch(`${stack.url}/`, { redirect: 'manual', headers: { cookie: `session=${forged}` } });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/sign-in');
});

t.test('behind https every cookie is Secure', async (t) => {
  // The same app, told it is served over https, in front of the stack's real agent.
  const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
  const app = await buildApp(
    testConfig({
      PUBLIC_URL: 'https://chat.example.com',
      AGENT_URL: stack.endpoints.agent,
      AGENT_SERVICE_KEY: secrets.serviceKey!,
    }),
  );
  t.teardown(() => app.close());
  const page = await app.inject('/sign-in');
  t.match(String(page.headers['set-cookie']), /csrf=.*; Secure/);
  const jar = cookieJar(page.headers['set-cookie']);
  const res = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: 'https://chat.example.com' },
    payload: formBody({ _csrf: csrfTokenOf(page.body), username: 'ann', password: PASSWORD }),
  });
  t.equal(res.statusCode, 303);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  t.equal(cookies.length, 2);
  for (const cookie of cookies) t.match(cookie, /; Secure/, cookie.split('=')[0]!);
  t.match(String(res.headers['strict-transport-security']), /max-age=/);
  t.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
});

t.test('a signed-in person who opens an invite link is told so, and can sign out to use it', async (t) => {
  const ann = new HttpVisitor(stack.url);
  await ann.get('/sign-in');
  t.equal((await ann.post('/sign-in', { username: 'ann', password: PASSWORD })).status, 303);

  const plain = await ann.get('/register');
  t.equal(plain.status, 303, 'the register page without a code still goes home');

  const page = await ann.get('/register?invite=abc_DEF-123');
  t.equal(page.status, 200);
  t.match(page.body, /<h1>You are already signed in<\/h1>/);
  t.match(page.body, /You are signed in as <strong>ann Example<\/strong> \(ann\)\. This invite link is for creating a new account\./);
  t.match(page.body, /<input type="hidden" name="invite" value="abc_DEF-123">/);
  t.match(page.body, /<button type="submit" class="button-primary">Sign out and use the invite<\/button>/);
  t.notMatch(page.body, /name="password"/, 'no register form while signed in');

  const out = await ann.post('/sign-out', { invite: 'abc_DEF-123' });
  t.equal(out.status, 303);
  t.equal(out.headers.get('location'), '/register?invite=abc_DEF-123', 'back to the invite link');
  t.notOk(ann.jar.session, 'signed out');
  const register = await ann.get(out.headers.get('location')!);
  t.equal(register.status, 200);
  t.match(register.body, /id="invite-code" name="inviteCode" value="abc_DEF-123"/, 'the code is filled in');
});

t.test('the already-signed-in page escapes the code, and sign-out never redirects elsewhere', async (t) => {
  const ann = new HttpVisitor(stack.url);
  await ann.get('/sign-in');
  await ann.post('/sign-in', { username: 'ann', password: PASSWORD });
  const page = await ann.get(`/register?invite=${encodeURIComponent('"><script>x</script>')}`);
  t.equal(page.status, 200);
  t.notMatch(page.body, /<script>x/);
  t.match(page.body, /name="invite" value="&quot;&gt;&lt;script&gt;x&lt;\/script&gt;"/);
  const out = await ann.post('/sign-out', { invite: '//evil.example/x' });
  t.equal(out.status, 303);
  t.equal(out.headers.get('location'), '/sign-in', 'only a code goes back into the address');
});
