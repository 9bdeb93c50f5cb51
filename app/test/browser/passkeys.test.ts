/**
 * A passkey's life, in a real headless Chromium with its virtual
 * authenticator (the DevTools protocol's WebAuthn domain: a CTAP2 platform
 * authenticator that holds discoverable credentials and verifies its user):
 * Ann adds a passkey on her account page, signs out, signs in with it (no
 * username), removes it, and then the same passkey is refused. WebAuthn
 * needs a secure context and a domain as RP id: the stack's URL is
 * http://localhost:<port>, which is both.
 * Without JavaScript the passkey buttons are not there and the password form works.
 */
import t from 'tap';
import type { CDPSession } from 'playwright-core';
import { PASSWORD, registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage, browser } = await startBrowserStack(t, 'homeagent-passkey-browser-');
const { context, page } = await openPage();
const cdp: CDPSession = await context.newCDPSession(page);
await cdp.send('WebAuthn.enable', { enableUI: false });
const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
  options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
});

async function signOut() {
  await page.getByRole('button', { name: 'Sign out', exact: true }).click();
  await page.waitForURL(`${stack.url}/sign-in`);
}

t.test('Ann adds a passkey on her account page', async (t) => {
  t.match(stack.url, /^http:\/\/localhost:\d+$/, 'the stack is on localhost, a secure context');
  await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');
  await page.goto(`${stack.url}/account`);
  t.ok(await page.getByText('No passkeys yet.').isVisible());
  await page.getByLabel('Passkey name').fill('Test key');
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL(`${stack.url}/account?done=passkey-added`);
  t.ok(await page.getByText('Your passkey is added').isVisible());
  const item = page.locator('.passkey-item');
  t.equal(await item.count(), 1);
  t.match(await item.textContent(), /Test key[\s\S]*Added[\s\S]*not used yet/);

  const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
  t.equal(credentials.length, 1, 'the authenticator holds one credential');
  t.equal(credentials[0]!.isResidentCredential, true, 'a discoverable one');
  t.equal(credentials[0]!.rpId, 'localhost');
});

t.test('signed out, Ann signs in with the passkey, no username typed', async (t) => {
  await signOut();
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.waitForURL(`${stack.url}/`);
  await page.goto(`${stack.url}/account`);
  t.match(await page.locator('.passkey-item').textContent(), /Test key[\s\S]*last used/, 'last used is shown');
  t.match(await page.locator('.sign-in-list').textContent(), /signed in/, 'the sign-in is in her recent sign-ins');
});

t.test('Ann removes the passkey; signing in with it is refused', async (t) => {
  await page.getByRole('button', { name: 'Remove passkey Test key' }).click();
  await page.waitForURL(`${stack.url}/account?done=passkey-removed`);
  t.ok(await page.getByText('No passkeys yet.').isVisible());

  await signOut();
  // The authenticator still offers it; the agent no longer knows it.
  t.equal((await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials.length, 1);
  await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
  await page.getByText('This passkey does not belong to an account here').waitFor();
  t.equal(new URL(page.url()).pathname, '/sign-in', 'still on the sign-in page');

  // Her password still works.
  await page.getByLabel('Username').fill('ann');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${stack.url}/`);
});

t.test('only the sign-in and account pages load the passkey script', async (t) => {
  const scripts = () => page.locator('script[src]').evaluateAll((nodes) => nodes.map((n) => (n as HTMLScriptElement).src));
  t.notOk((await scripts()).some((src) => src.includes('/static/passkey.')), 'not on the chat page');
  await page.goto(`${stack.url}/account`);
  t.ok((await scripts()).some((src) => src.includes('/static/passkey.')), 'on the account page');
});

t.test('without JavaScript there is no passkey button and the password form works', async (t) => {
  const plain = await browser.newContext({ javaScriptEnabled: false });
  t.teardown(() => plain.close());
  const noJs = await plain.newPage();
  await noJs.goto(`${stack.url}/sign-in`);
  t.equal(await noJs.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0, 'hidden');
  await noJs.getByLabel('Username').fill('ann');
  await noJs.getByLabel('Password').fill(PASSWORD);
  await noJs.getByRole('button', { name: 'Sign in', exact: true }).click();
  await noJs.waitForURL(`${stack.url}/`);
  await noJs.goto(`${stack.url}/account`);
  t.equal(await noJs.getByRole('button', { name: 'Add a passkey' }).count(), 0, 'adding needs JavaScript');
  t.ok(await noJs.getByText('Adding a passkey needs JavaScript').isVisible(), 'and the page says so');
});

t.test('no console errors (CSP violations show as those) but the refused sign-in', async (t) => {
  // Chromium logs every 4xx answer to fetch; the removed passkey's refusal is the one expected.
  const refused = pageErrors.filter((e) => /status of 401/.test(e));
  t.equal(refused.length, 1, 'the one refused passkey sign-in');
  t.same(pageErrors.filter((e) => !refused.includes(e)), []);
});
