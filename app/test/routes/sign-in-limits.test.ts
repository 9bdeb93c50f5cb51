/**
 * Sign-in and register are rate limited per client address, and wrong
 * passwords per username at an address. Against the real agent of a
 * `startStack` system: through the edge (as in production behind the ALB),
 * and with an app built in-process whose clock the test moves.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { HttpVisitor } from '../http-visitor.js';
import { FORM_TYPE, buildApp, cookieHeader, cookieJar, csrfTokenOf, formBody, testConfig } from '../app-builder.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(240_000);

const { stack, dataDir, adminInvite } = await startLocalStack(t, 'homeagent-limits-');

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');
const invited = await ann.createInvite();
if ((await new HttpVisitor(stack.url).register(invited, 'bob', PASSWORD)).status !== 303) throw new Error('bob could not register');

const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, string>;
const ORIGIN = 'http://chat.test';

/** An app in front of the stack's agent, whose clock the test moves. */
async function appWithClock(t: Tap, env: Record<string, string> = {}) {
  let now = Date.now();
  const app = await buildApp(testConfig({ AGENT_URL: stack.endpoints.agent, AGENT_SERVICE_KEY: secrets.serviceKey!, ...env }), {
    now: () => now,
  });
  t.teardown(() => app.close());
  return { app, advance: (ms: number) => void (now += ms) };
}
type Tap = { teardown(fn: () => unknown): void };

/** A browser at one client address (as the proxy in front reports it). */
class Browser {
  jar: Record<string, string> = {};
  token = '';
  constructor(
    readonly app: FastifyInstance,
    readonly address: string,
  ) {}

  async open(path: string) {
    const res = await this.app.inject({ url: path, headers: { cookie: cookieHeader(this.jar), 'x-forwarded-for': this.address } });
    cookieJar(res.headers['set-cookie'], this.jar);
    this.token = csrfTokenOf(res.body);
    return res;
  }

  async post(path: string, fields: Record<string, string>) {
    const res = await this.app.inject({
      method: 'POST',
      url: path,
      headers: { ...FORM_TYPE, cookie: cookieHeader(this.jar), origin: ORIGIN, 'x-forwarded-for': this.address },
      payload: formBody({ _csrf: this.token, ...fields }),
    });
    cookieJar(res.headers['set-cookie'], this.jar);
    return res;
  }
}

t.test('the 11th wrong password is refused with 429 and a sentence; others are unaffected; after the pause it works', async (t) => {
  const { app, advance } = await appWithClock(t);
  const mallory = new Browser(app, '203.0.113.7');
  await mallory.open('/sign-in');
  for (let i = 1; i <= 10; i++) {
    const res = await mallory.post('/sign-in', { username: 'ann', password: `guess number ${i}` });
    t.equal(res.statusCode, 401, `wrong password ${i} is just wrong`);
  }
  const blocked = await mallory.post('/sign-in', { username: 'ann', password: 'guess number 11' });
  t.equal(blocked.statusCode, 429);
  t.equal(blocked.headers['retry-after'], '900', 'Retry-After: the 15 minutes of the window');
  t.match(blocked.body, /<div class="form-error" role="alert">Too many wrong passwords for this username\. For your safety, signing in is paused: please wait 15 minutes and try again\.<\/div>/);
  t.match(blocked.body, /<form method="post" action="\/sign-in"/, 'the form is shown again');
  t.match(blocked.body, /id="username" name="username" value="ann"/, 'with the username kept');

  const rightButBlocked = await mallory.post('/sign-in', { username: 'ann', password: PASSWORD });
  t.equal(rightButBlocked.statusCode, 429, 'even the right password waits: otherwise the pause would tell a guesser when they found it');
  t.notOk(mallory.jar.session, 'no session');

  const sameAddress = new Browser(app, '203.0.113.7');
  await sameAddress.open('/sign-in');
  const otherUser = await sameAddress.post('/sign-in', { username: 'bob', password: PASSWORD });
  t.equal(otherUser.statusCode, 303, 'another username from the same address signs in');

  const annElsewhere = new Browser(app, '198.51.100.20');
  await annElsewhere.open('/sign-in');
  t.equal((await annElsewhere.post('/sign-in', { username: 'ann', password: PASSWORD })).statusCode, 303, 'the same username from another address signs in');

  advance(14 * 60_000);
  const stillPaused = await mallory.post('/sign-in', { username: 'ann', password: PASSWORD });
  t.equal(stillPaused.statusCode, 429);
  t.equal(stillPaused.headers['retry-after'], '60');
  t.match(stillPaused.body, /please wait 1 minute and try again/);

  advance(60_000);
  const mal2 = new Browser(app, '203.0.113.7');
  await mal2.open('/sign-in');
  const after = await mal2.post('/sign-in', { username: 'ann', password: PASSWORD });
  t.equal(after.statusCode, 303, 'after the window the right password signs in');
  t.equal(after.headers.location, '/');
  t.ok(mal2.jar.session);
});

t.test('a successful sign-in clears the count of earlier typos', async (t) => {
  const { app } = await appWithClock(t, { SIGN_IN_MAX_FAILURES: '3' });
  const bob = new Browser(app, '192.0.2.44');
  await bob.open('/sign-in');
  for (let i = 0; i < 2; i++) t.equal((await bob.post('/sign-in', { username: 'bob', password: 'typo typo typo' })).statusCode, 401);
  t.equal((await bob.post('/sign-in', { username: 'bob', password: PASSWORD })).statusCode, 303);
  await bob.post('/sign-out', {}).catch(() => undefined);
  const again = new Browser(app, '192.0.2.44');
  await again.open('/sign-in');
  for (let i = 0; i < 3; i++) t.equal((await again.post('/sign-in', { username: 'bob', password: 'typo typo typo' })).statusCode, 401, `typo ${i + 1} after the reset`);
  t.equal((await again.post('/sign-in', { username: 'bob', password: PASSWORD })).statusCode, 429, 'the fourth attempt is paused');
});

t.test('a burst from one address is slowed down on both forms, other addresses are not', async (t) => {
  const { app, advance } = await appWithClock(t, { AUTH_BURST_PER_MINUTE: '5' });
  const flood = new Browser(app, '203.0.113.99');
  await flood.open('/register');
  for (let i = 0; i < 3; i++) {
    const res = await flood.post('/register', { inviteCode: `made-up-${i}`, username: `user${i}`, displayName: 'X', password: PASSWORD });
    t.equal(res.statusCode, 400, `register attempt ${i + 1} is answered`);
  }
  await flood.open('/sign-in');
  for (let i = 0; i < 2; i++) t.equal((await flood.post('/sign-in', { username: `someone${i}`, password: 'whatever it is' })).statusCode, 401);

  const signIn = await flood.post('/sign-in', { username: 'someone9', password: 'whatever it is' });
  t.equal(signIn.statusCode, 429, 'the 6th attempt in a minute');
  t.match(signIn.body, /Too many attempts from your network in a short time\. Please wait 1 minute and try again\./);
  t.ok(Number(signIn.headers['retry-after']) >= 1 && Number(signIn.headers['retry-after']) <= 60);
  await flood.open('/register');
  const register = await flood.post('/register', { inviteCode: 'made-up', username: 'zed', displayName: 'Zed', password: PASSWORD });
  t.equal(register.statusCode, 429);
  t.match(register.body, /Too many attempts from your network/);
  t.match(register.body, /id="username" name="username" value="zed"/, 'the typed values are kept');

  const neighbour = new Browser(app, '203.0.113.100');
  await neighbour.open('/sign-in');
  t.equal((await neighbour.post('/sign-in', { username: 'bob', password: PASSWORD })).statusCode, 303, 'another address is unaffected');

  advance(61_000);
  await flood.open('/sign-in');
  t.equal((await flood.post('/sign-in', { username: 'bob', password: PASSWORD })).statusCode, 303, 'a minute later the address may try again');
});

t.test('through the edge, a made-up X-Forwarded-For does not get around the limit', async (t) => {
  // The stack's app runs with the defaults (10 wrong passwords per 15 minutes).
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) {
    const res = await visitor.post('/sign-in', { username: 'bob', password: `guess ${i} wrong` }, { 'x-forwarded-for': `10.0.0.${i}` });
    statuses.push(res.status);
  }
  t.same(statuses, [...Array(10).fill(401), 429]);
  const last = await visitor.post('/sign-in', { username: 'bob', password: 'guess again' });
  t.equal(last.status, 429);
  t.match(last.headers.get('retry-after') ?? '', /^\d+$/);
  t.match(last.body, /Too many wrong passwords for this username/);
});
