/**
 * The list page ("/", the chats as a page, not the sidebar) follows a
 * person's other devices live (issue 10), in a real Chromium against the
 * whole system: a chat started elsewhere appears, new activity moves a chat
 * to the top, a rename and a delete show, all without a reload, over the
 * page's one live connection. Another person's list stays as it was.
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { PASSWORD, registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-list-live-', { tokensPerSecond: 200, firstTokenDelayMs: 0 });

/** The titles on the list page, top to bottom. */
const titles = (page: Page) => page.locator('#chat-list .conversation-title').allTextContents().then((all) => all.map((s) => s.trim()));

/** Waits until the list page shows exactly `expected`, top to bottom (a condition, not a sleep). */
async function listShows(page: Page, expected: string[]): Promise<void> {
  await page.waitForFunction(
    (want) => JSON.stringify([...document.querySelectorAll('#chat-list .conversation-title')].map((e) => e.textContent.trim())) === JSON.stringify(want),
    expected,
    { timeout: 60_000 },
  );
}

/** Opens the list page and waits until its one live connection is subscribed; returns the subscription's status. */
async function openList(page: Page): Promise<number> {
  const subscribed = page.waitForResponse((r) => new URL(r.url()).pathname === '/.well-known/mercure');
  await page.goto(`${stack.url}/`);
  const status = (await subscribed).status();
  // A marker that survives only if the page is not reloaded.
  await page.evaluate(() => ((window as unknown as { __same: boolean }).__same = true));
  return status;
}

/** "New chat" stores nothing until the first message: send one and wait for its reply. */
async function startChat(page: Page, text: string): Promise<string> {
  await page.goto(`${stack.url}/`);
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/new$/);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL((url) => /^\/c\/[a-z0-9]+$/.test(url.pathname) && !url.pathname.endsWith('/new'));
  await page.locator('#messages .bubble-assistant[data-state="complete"]').last().waitFor({ timeout: 60_000 });
  return page.url();
}

// Ann's list page on one device, her chats on another (a browser context each: their own cookies).
const { page: list } = await openPage();
list.setDefaultTimeout(60_000);
await registerWithInvite(list, stack.url, adminInvite, 'ann', 'Ann Example');
const { page: phone } = await openPage({ width: 375, height: 740 });
phone.setDefaultTimeout(60_000);
await phone.goto(`${stack.url}/sign-in`);
await phone.getByLabel('Username').fill('ann');
await phone.getByLabel('Password').fill(PASSWORD);
await phone.getByRole('button', { name: 'Sign in', exact: true }).click();
await phone.waitForURL(`${stack.url}/`);

// Bob, another person, with his own list page open.
await phone.goto(`${stack.url}/invites`);
await phone.getByRole('button', { name: 'Create invite' }).click();
await phone.locator('#invite-result .invite-created').waitFor();
const bobInvite = await phone.getByLabel('Invite code').inputValue();
const { page: bobList } = await openPage();
bobList.setDefaultTimeout(60_000);
await registerWithInvite(bobList, stack.url, bobInvite, 'bob', 'Bob Example');
// Each refresh of a list page is a fetch of /conversation-list: Bob's page must make none.
let bobRefreshes = 0;
bobList.on('request', (request) => {
  if (new URL(request.url()).pathname === '/conversation-list') bobRefreshes++;
});

t.test('each list page subscribes once to its own live connection', async (t) => {
  t.equal(await openList(list), 200, "Ann's list page subscribed");
  t.equal(await openList(bobList), 200, "Bob's too");
  t.same(await titles(list), [], 'Ann has no chats yet');
  t.match(await list.locator('#chat-list').textContent(), /No chats yet/);
});

let picnic = '';
t.test('a chat started on another device appears on the list page', async (t) => {
  picnic = await startChat(phone, 'Plan a picnic by the lake');
  await listShows(list, ['Plan a picnic by the lake']);
  t.equal(await list.locator('#chat-list a').first().getAttribute('href'), new URL(picnic).pathname, 'linking to it');
  await startChat(phone, 'Bread for Sunday');
  await listShows(list, ['Bread for Sunday', 'Plan a picnic by the lake']);
  t.pass('the newer chat comes first');
});

t.test('new activity in an older chat moves it to the top', async (t) => {
  await phone.goto(picnic);
  await phone.getByLabel('Message').fill('And what should we bring?');
  await phone.getByRole('button', { name: 'Send' }).click();
  await phone.locator('#messages .bubble-assistant').nth(1).waitFor();
  await phone.locator('#messages .bubble-assistant[data-state="complete"]').nth(1).waitFor();
  await listShows(list, ['Plan a picnic by the lake', 'Bread for Sunday']);
  t.pass('the picnic chat is first again');
});

t.test('a rename and a delete on another device show on the list page', async (t) => {
  await phone.goto(picnic);
  await phone.getByText('Manage chat').click();
  await phone.getByLabel('Title').fill('Lake <picnic>');
  await phone.getByRole('button', { name: 'Rename' }).click();
  await phone.locator('#chat-title', { hasText: 'Lake <picnic>' }).waitFor();
  await listShows(list, ['Lake <picnic>', 'Bread for Sunday']);

  await phone.goto(`${picnic}/delete`);
  await phone.getByRole('button', { name: 'Delete chat' }).click();
  await phone.waitForURL(`${stack.url}/`);
  await listShows(list, ['Bread for Sunday']);
  t.equal(await list.getByRole('link', { name: /Lake/ }).count(), 0, 'the deleted chat is gone');
  t.ok(await list.evaluate(() => (window as unknown as { __same?: boolean }).__same), 'all of it without a reload');
  t.equal(await list.locator('[hx-sse\\:connect]').count(), 1, 'over the one live connection');
});

t.test("another person's list page heard none of it", async (t) => {
  t.equal(bobRefreshes, 0, 'no change event reached it');
  t.same(await titles(bobList), []);
  t.match(await bobList.locator('#chat-list').textContent(), /No chats yet/);
  t.ok(await bobList.evaluate(() => (window as unknown as { __same?: boolean }).__same), 'and was not reloaded');
});

t.test('no console errors on any page', async (t) => {
  t.same(pageErrors, []);
});
