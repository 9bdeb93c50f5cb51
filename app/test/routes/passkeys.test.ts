/**
 * The app's passkey relay against the real system: the pages carry the
 * (hidden) passkey forms and the script, the option routes hand over the
 * agent's options for this origin, and refusals (forged CSRF, an answer
 * that is not one, an unknown passkey) are a 4xx with a sentence and start
 * no session. The whole ceremony runs in the browser test (passkeys.test.ts).
 */
import t from 'tap';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-passkey-routes-');

t.test('the sign-in page has a hidden passkey form and loads the passkey script', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  const page = await visitor.get('/sign-in');
  t.match(page.body, /<form class="passkey-sign-in stacked" data-passkey="sign-in" hidden>/);
  t.match(page.body, /<script src="\/static\/passkey\.[A-Za-z0-9_-]+\.js" defer><\/script>/);
});

t.test('sign-in options come from the agent for this origin; a forged request gets none', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const forged = await visitor.post('/sign-in/passkey/options', { _csrf: 'forged' });
  t.equal(forged.status, 403);
  const response = await visitor.post('/sign-in/passkey/options', {});
  t.equal(response.status, 200);
  const { options } = JSON.parse(response.body) as { options: { challenge: string; rpId: string } };
  t.equal(options.rpId, 'localhost', 'the RP id is the host of PUBLIC_URL');
  t.match(options.challenge, /^[A-Za-z0-9_-]{20,}$/);
});

t.test('a sign-in answer that is not one, or names an unknown passkey, is refused and starts no session', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const empty = await visitor.post('/sign-in/passkey', { credential: 'not json' });
  t.equal(empty.status, 400);
  t.match(JSON.parse(empty.body), { message: /no passkey answer/ });

  const b64 = (s: string) => Buffer.from(s).toString('base64url');
  const unknown = {
    id: b64('no-such-credential'),
    rawId: b64('no-such-credential'),
    type: 'public-key',
    response: {
      clientDataJSON: b64(JSON.stringify({ type: 'webauthn.get', challenge: b64('a challenge nobody was given'), origin: stack.url })),
      authenticatorData: b64('x'.repeat(37)),
      signature: b64('signature'),
      userHandle: b64('nosuchperson'),
    },
    clientExtensionResults: {},
  };
  const refused = await visitor.post('/sign-in/passkey', { credential: JSON.stringify(unknown) });
  t.equal(refused.status, 400);
  t.match(JSON.parse(refused.body), { message: /expired or was already answered/ });
  t.notOk(refused.headers.getSetCookie().some((c) => c.startsWith('session=')), 'no session cookie');
});

t.test('the account page lists passkeys; adding one needs the CSRF token; removing a gone one lands back on the page', async (t) => {
  const ann = new HttpVisitor(stack.url);
  t.equal((await ann.register(adminInvite, 'ann')).status, 303);
  const page = await ann.get('/account');
  t.match(page.body, /<h2 id="passkeys-heading">Passkeys<\/h2>/);
  t.match(page.body, /No passkeys yet\./);
  t.match(page.body, /<form class="stacked" data-passkey="add" hidden>/);
  t.match(page.body, /\/static\/passkey\./);

  const options = await ann.post('/account/passkeys/options', {});
  t.equal(options.status, 200);
  const created = JSON.parse(options.body) as { options: { rp: { id: string }; user: { name: string } } };
  t.equal(created.options.rp.id, 'localhost');
  t.equal(created.options.user.name, 'ann');

  const forged = await ann.post('/account/passkeys', { _csrf: 'forged', name: 'Phone', credential: '{}' });
  t.equal(forged.status, 403);
  const notOne = await ann.post('/account/passkeys', { name: 'Phone', credential: JSON.stringify({ id: 'x' }) });
  t.equal(notOne.status, 400, 'an answer of the wrong shape is the agent’s 400, relayed');
  t.match(JSON.parse(notOne.body), { message: /credential/ });
  t.match((await ann.get('/account')).body, /No passkeys yet\./, 'nothing was stored');

  const removed = await ann.post(`/account/passkeys/${'A'.repeat(43)}/remove`, {});
  t.equal(removed.status, 303);
  t.equal(removed.headers.get('location'), '/account?done=passkey-removed');
});

t.test('the chat list page does not load the passkey script', async (t) => {
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const home = await visitor.post('/sign-in', { username: 'ann', password: 'correct horse battery staple' });
  t.equal(home.status, 303);
  t.notMatch((await visitor.get('/')).body, /\/static\/passkey\./);
});
