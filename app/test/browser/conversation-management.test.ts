/**
 * Renaming and deleting a chat in a real Chromium against the whole system:
 * the heading, the window title and the sidebar follow a rename without a
 * reload, and a delete goes through its confirmation page back to the list.
 * No console errors (a CSP violation would show as one).
 */
import t from 'tap';
import { registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-browser-manage-');
const { page } = await openPage();
page.setDefaultTimeout(60_000);

await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');

t.test('the Rename field follows the title a first message gives the chat', async (t) => {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);
  await page.getByLabel('Message').fill('Name me after this');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#messages .bubble-assistant[data-state="complete"]').waitFor();
  await page.locator('#chat-title', { hasText: 'Name me after this' }).waitFor();
  t.equal(await page.getByLabel('Title').inputValue(), 'Name me after this');
});

t.test('rename updates the heading, the window title and the sidebar in place', async (t) => {
  // "New chat" stores nothing: the chat exists (and can be renamed) once its first message is sent.
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/new$/);
  await page.getByLabel('Message').fill('Rename me later');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(/\/c\/(?!new$)[a-z0-9]+$/);
  await page.locator('#messages .bubble-assistant[data-state="complete"]').waitFor();
  const chatUrl = page.url();
  // A marker that survives only if the page is not reloaded.
  await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));

  await page.getByText('Manage chat').click();
  await page.getByLabel('Title').fill('Garden <plans>');
  await page.getByRole('button', { name: 'Rename' }).click();

  await page.locator('#chat-title', { hasText: 'Garden <plans>' }).waitFor();
  t.equal(await page.locator('#chat-title').textContent(), 'Garden <plans>', 'the heading shows the new title as text');
  await page.waitForFunction(() => document.title.startsWith('Garden <plans>'));
  t.equal(await page.title(), 'Garden <plans> · HomeAgent', 'so does the window title');
  t.equal((await page.locator('.sidebar [aria-current="page"] .conversation-title').textContent())?.trim(), 'Garden <plans>', 'and the sidebar');
  t.equal(await page.getByLabel('Title').inputValue(), 'Garden <plans>', 'the field keeps the new title');
  t.equal(page.url(), chatUrl);
  t.ok(await page.evaluate(() => (window as unknown as { __same?: boolean }).__same), 'no page load happened');

  // A blank title is refused beside the form; the heading stays.
  await page.getByLabel('Title').fill('   ');
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.locator('#rename-error .error').waitFor();
  t.match(await page.locator('#rename-error').textContent(), /Write a title before renaming/);
  t.equal(await page.locator('#chat-title').textContent(), 'Garden <plans>');
});

t.test('delete asks for confirmation, Cancel keeps the chat, Delete chat removes it and shows the list', async (t) => {
  const chatUrl = page.url();
  await page.getByRole('link', { name: 'Delete chat' }).click();
  await page.waitForURL(`${chatUrl}/delete`);
  await t.resolves(page.getByRole('heading', { name: 'Delete this chat?' }).waitFor());
  t.match(await page.locator('main p').first().textContent(), /“Garden <plans>”/);

  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.waitForURL(chatUrl);
  await page.getByText('Manage chat').click();
  await page.getByRole('link', { name: 'Delete chat' }).click();
  await page.waitForURL(`${chatUrl}/delete`);
  await page.getByRole('button', { name: 'Delete chat' }).click();
  await page.waitForURL(`${stack.url}/`);
  t.equal(await page.getByRole('link', { name: /Garden <plans>/ }).count(), 0, 'the chat is gone from the list');

  const gone = await page.goto(chatUrl);
  t.equal(gone?.status(), 404, 'its page is 404');
});

t.test('no console errors (CSP violations included)', async (t) => {
  // The refused blank title (400) and the deleted page (404) are logged by Chromium as
  // failed loads; one of each is expected, nothing else.
  const expected = (status: number) => (e: string) => e.includes(`status of ${status} `);
  t.equal(pageErrors.filter(expected(400)).length, 1);
  t.equal(pageErrors.filter(expected(404)).length, 1);
  t.same(pageErrors.filter((e) => !expected(400)(e) && !expected(404)(e)), []);
});
