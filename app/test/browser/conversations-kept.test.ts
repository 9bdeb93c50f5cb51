/**
 * Search, export and sharing in a real Chromium against the whole system:
 * search finds a word from an earlier reply and opens it; both downloads
 * arrive; a share link opens for another person, is revoked, and is refused.
 * Timestamps show in the browser's zone, never "UTC". No console errors.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-browser-kept-');
const { page } = await openPage();
page.setDefaultTimeout(60_000);
await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');

// One chat, whose reply (from the emulator) says "a system prompt was given": words only the reply has.
await page.getByRole('button', { name: 'New chat' }).click();
await page.waitForURL(/\/c\/new$/);
await page.getByLabel('Message').fill('Sunflowers for the balcony?');
await page.getByRole('button', { name: 'Send' }).click();
await page.waitForURL(/\/c\/(?!new$)[a-z0-9]+$/);
const chatUrl = page.url();
await page.locator('#messages .bubble-assistant[data-state="complete"]').waitFor();

t.test('a time shows in the browser\'s own zone, not UTC', async (t) => {
  await page.goto(`${stack.url}/`);
  const time = page.locator('.conversation-list time').first();
  await page.waitForFunction(() => /\d:\d\d/.test(document.querySelector('.conversation-list time')?.textContent ?? ''));
  t.notMatch(await time.textContent(), /UTC/);
  t.ok(await time.getAttribute('datetime'));
});

t.test('search finds a word from an earlier reply and opens it', async (t) => {
  await page.getByRole('searchbox', { name: 'Search chats' }).fill('SYSTEM prompt');
  await page.getByRole('searchbox', { name: 'Search chats' }).press('Enter');
  await page.waitForURL(/\/search\?q=SYSTEM\+prompt$/);
  const hit = page.locator('.search-hit a').first();
  t.equal(await hit.locator('mark').first().textContent(), 'system');
  t.match(await hit.textContent(), /Claude replied/);
  await hit.click();
  await page.waitForURL(new RegExp(`^${chatUrl}#message-[a-z0-9]+$`));
  const id = new URL(page.url()).hash.slice(1);
  t.ok(await page.locator(`#${id}.bubble-assistant`).isVisible(), 'the reply is there');
});

t.test('export downloads both formats', async (t) => {
  await page.goto(chatUrl);
  await page.getByText('Manage chat').click();
  const [markdown] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as Markdown' }).click()]);
  t.match(markdown.suggestedFilename(), /^sunflowers-for-the-balcony-\d{4}-\d\d-\d\d\.md$/);
  t.match(await readFile((await markdown.path()), 'utf8'), /^# Sunflowers for the balcony\?\n[\s\S]*## Claude · /);
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as JSON' }).click()]);
  t.match(json.suggestedFilename(), /^sunflowers-for-the-balcony-\d{4}-\d\d-\d\d\.json$/);
  const file = JSON.parse(await readFile((await json.path()), 'utf8'));
  t.equal(file.messages.length, 2);
  t.ok(file.messages[1].usage.outputTokens > 0);
});

t.test('share, open the link as another person, revoke, see it refused', async (t) => {
  // Bob gets an account through an invite Ann makes.
  await page.goto(`${stack.url}/invites`);
  await page.getByRole('button', { name: 'Create invite' }).click();
  await page.locator('#invite-result .invite-created').waitFor();
  const code = await page.getByLabel('Invite code').inputValue();
  const bob = (await openPage()).page;
  bob.setDefaultTimeout(60_000);
  await registerWithInvite(bob, stack.url, code, 'bob', 'Bob Example');

  await page.goto(chatUrl);
  await page.getByText('Manage chat').click();
  await page.getByRole('link', { name: 'Share a read-only link' }).click();
  await page.getByRole('button', { name: 'Create link' }).click();
  const link = await page.getByLabel('Shared link').inputValue();
  t.match(link, /\/share\/[A-Za-z0-9_-]{43}$/);
  const path = new URL(link).pathname;

  await bob.goto(`${stack.url}${path}`);
  t.equal(await bob.getByRole('heading', { level: 1 }).textContent(), 'Sunflowers for the balcony?');
  t.match(await bob.locator('.shared-by').textContent(), /Shared by Ann Example/);
  t.equal(await bob.getByLabel('Message').count(), 0, 'no composer');
  t.equal(await bob.locator('meta[name="robots"]').getAttribute('content'), 'noindex');

  await page.goto(`${stack.url}/shares`);
  await page.getByRole('button', { name: /^Revoke the link to Sunflowers/ }).click();
  await page.getByText('The link was revoked: it no longer opens.').waitFor();
  const errorsBefore = pageErrors.length;
  const refused = await bob.goto(`${stack.url}${path}`);
  t.equal(refused?.status(), 404);
  // Chromium logs the refused page's own 404 status as a console error; that one is expected.
  const added = pageErrors.splice(errorsBefore);
  t.same(added.filter((line) => !/status of 404/.test(line)), [], 'nothing else went wrong');
  t.equal(await bob.getByRole('heading', { level: 1 }).textContent(), 'This link does not work');
  t.notMatch(await bob.content(), /balcony/);
});

t.test('no console errors', async (t) => {
  t.same(pageErrors, []);
});
