/**
 * "Your usage" against the real system (startStack): a person sees their own
 * spending against their budget (and nobody else's), and can sign out on
 * every device.
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { PASSWORD, startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-usage-', { tokensPerSecond: 2_000, firstTokenDelayMs: 0 });

const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann', PASSWORD)).status !== 303) throw new Error('ann could not register');
const code = await ann.createInvite();
const bob = new HttpVisitor(stack.url);
if ((await bob.register(code, 'bob', PASSWORD)).status !== 303) throw new Error('bob could not register');

const MONTH = new Intl.DateTimeFormat('en', { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(new Date());

t.test('a signed-out visitor is sent to sign in', async (t) => {
  const res = await fetch(`${stack.url}/usage`, { redirect: 'manual' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/sign-in');
});

t.test('a member sees their own usage, which grows with a reply', async (t) => {
  const home = await bob.get('/');
  t.match(home.body, /<a class="button-quiet" href="\/usage">Usage<\/a>/, 'everyone has the link');
  const before = await bob.get('/usage');
  t.equal(before.status, 200);
  t.match(before.body, /<h1>Your usage<\/h1>/);
  t.match(before.body, new RegExp(`<h2 id="usage-heading">${MONTH}</h2>`));
  t.match(before.body, /\$0\.00 of your \$20\.00 monthly budget used\./);
  t.match(before.body, /<dt>Tokens sent to Claude<\/dt><dd>0<\/dd>/);

  await bob.get('/c/new');
  t.equal((await bob.post('/c/new/messages', { text: 'count me' })).status, 303);
  const counted = /<dt>Tokens Claude wrote<\/dt><dd>([1-9][\d,]*)<\/dd>/;
  let page = await bob.get('/usage');
  for (let i = 0; i < 200 && !counted.test(page.body); i++) {
    await new Promise((resolve) => setImmediate(resolve));
    page = await bob.get('/usage');
  }
  t.match(page.body, counted, 'the reply is counted');
  t.match(page.body, /(less than \$0\.01|\$0\.\d\d) of your \$20\.00 monthly budget used\./, 'and costs something');

  const annPage = await ann.get('/usage');
  t.match(annPage.body, /<dt>Tokens Claude wrote<\/dt><dd>0<\/dd>/, "ann's usage is her own");
});

t.test('"Sign out everywhere" ends every session of the person, and only theirs', async (t) => {
  const other = new HttpVisitor(stack.url);
  await other.get('/sign-in');
  t.equal((await other.post('/sign-in', { username: 'bob', password: PASSWORD })).status, 303);
  await bob.get('/usage');
  const res = await bob.post('/sign-out-everywhere', {});
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/sign-in');
  t.notOk(bob.jar.session, 'cookie cleared');
  t.equal((await other.get('/')).status, 303, 'the other device is signed out too');
  t.equal((await ann.get('/')).status, 200, 'someone else is not');

  const forged = new HttpVisitor(stack.url);
  await forged.get('/sign-in');
  await forged.post('/sign-in', { username: 'bob', password: PASSWORD });
  await forged.get('/usage');
  const noToken = await forged.post('/sign-out-everywhere', { _csrf: '' });
  t.equal(noToken.status, 403);
  t.equal((await forged.get('/')).status, 200, 'still signed in after a forged request');
});
