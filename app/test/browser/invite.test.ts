/**
 * Inviting someone, in a real headless Chromium against the whole local
 * stack: the first admin creates an invite on the "Invite someone" page, a
 * second person opens the shared link in another browser context (their own
 * cookies), registers with the code already filled in and chats; that person,
 * a member, cannot reach the invite page.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { emulatorReply } from '@homeagent/local/bedrock-emulator';
import { renderMarkdown } from '../../src/markdown-renderer.js';
import { ARTIFACTS, PASSWORD, register, registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

/** Console errors include CSP violations: there must be none. */
const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-invite-browser-');

const admin = await openPage();
const member = await openPage();
let shareLink = '';
let inviteCode = '';

t.test('the admin creates an invite on the "Invite someone" page', async (t) => {
  const { page } = admin;
  await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');

  await page.getByRole('link', { name: 'Invite someone' }).click();
  await page.waitForURL(`${stack.url}/invites`);
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Invite someone');
  t.equal(await page.getByLabel('Role').inputValue(), 'member', 'member by default');
  t.equal(await page.getByLabel('Expires after (days)').inputValue(), '7', 'seven days by default');

  // A value out of range: the reason shows under the form, nothing is created.
  await page.getByLabel('Expires after (days)').fill('0');
  await page.getByRole('button', { name: 'Create invite' }).click();
  const refusal = page.locator('#invite-result [role="alert"]');
  await refusal.waitFor();
  t.match(await refusal.textContent(), /whole number of days from 1 to 90/);
  t.equal(await page.locator('.invite-created').count(), 0);

  await page.getByLabel('Expires after (days)').fill('3');
  await page.getByRole('button', { name: 'Create invite' }).click();
  await page.locator('#invite-result .invite-created').waitFor();
  t.equal(await refusal.count(), 0, 'the earlier refusal is gone');
  t.equal(new URL(page.url()).pathname, '/invites', 'htmx answered in place');

  inviteCode = await page.getByLabel('Invite code').inputValue();
  shareLink = await page.getByLabel('Link to share').inputValue();
  t.match(inviteCode, /^\S{8,}$/, 'a code is shown');
  t.equal(shareLink, `${stack.url}/register?invite=${encodeURIComponent(inviteCode)}`, 'and the link to share');
  const expires = await page.locator('.invite-created time').getAttribute('datetime');
  const days = (new Date(expires!).getTime() - Date.now()) / 86_400_000;
  t.ok(days > 2.9 && days <= 3, `expires in three days (${days.toFixed(3)})`);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'invite.png') });
});

t.test('the new invite is in the open list; the admin revokes another one there', async (t) => {
  const { page } = admin;
  const rows = page.locator('#open-invites tbody tr');
  t.equal(await rows.count(), 1, 'the list under the form took the new invite in place');
  t.notOk((await rows.first().textContent())?.includes(inviteCode), 'the list never shows a code: only its hash is kept');

  await page.getByRole('button', { name: 'Create invite' }).click();
  await rows.nth(1).waitFor();
  const spare = await page.getByLabel('Invite code').inputValue();
  t.not(spare, inviteCode, 'a new code');

  // The newest invite comes first: its Revoke names the invite by role and expiry.
  await rows.first().getByRole('button', { name: /^Revoke the member invite expiring \d{4}-\d\d-\d\d \d\d:\d\d UTC$/ }).click();
  await page.getByText('The invite was revoked: its link no longer works.').waitFor();
  t.equal(await rows.count(), 1, 'one invite left (the shared one: a later subtest registers with it)');
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Invite someone', 'still on the same page');
});

t.test('creating an invite leaves the page where it was: the heading does not scroll away', async (t) => {
  const { page } = admin;
  await page.setViewportSize({ width: 1100, height: 560 });
  t.teardown(() => page.setViewportSize({ width: 1100, height: 900 }));
  await page.goto(`${stack.url}/invites`);
  const rows = page.locator('#open-invites tbody tr');
  const before = await rows.count();
  t.equal(await page.evaluate(() => window.scrollY), 0, 'the page opens at the top');
  await page.getByRole('button', { name: 'Create invite' }).click();
  await rows.nth(before).waitFor();
  const { scrollY, scrollable } = await page.evaluate(() => ({
    scrollY: window.scrollY,
    scrollable: document.documentElement.scrollHeight > window.innerHeight + 100,
  }));
  t.ok(scrollable, 'the page is long enough that a jump to the bottom would show');
  t.equal(scrollY, 0, 'still at the top');
  t.ok(await page.getByRole('heading', { level: 1 }).isVisible(), 'the heading is in view');
  const box = await page.getByRole('heading', { level: 1 }).boundingBox();
  t.ok(box && box.y >= 0 && box.y < 560, 'inside the viewport');
});

t.test('a second person registers with the shared link and can chat', async (t) => {
  const { page } = member;
  await page.goto(shareLink);
  t.equal(await page.getByLabel('Invite code').inputValue(), inviteCode, 'the link filled in the code');
  await register(page, stack.url, 'bob', 'Bob Example');
  t.equal(await page.locator('.who').textContent(), 'Bob Example');
  t.equal(await page.getByRole('link', { name: 'Invite someone' }).count(), 0, 'a member sees no invite link');

  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);
  const text = 'Hello from Bob, invited by Ann';
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('#messages .bubble-assistant[data-state="complete"]');
  await reply.waitFor({ timeout: 120_000 });
  const expected = emulatorReply({ messages: [{ role: 'user', content: [{ text }] }], system: [{ text: 'system prompt' }] });
  const shown = await reply.locator('.bubble-text').evaluate((el) => el.textContent);
  const rendered = await page.evaluate((markup) => {
    const template = document.createElement('template');
    template.innerHTML = markup;
    return template.content.textContent;
  }, renderMarkdown(expected).value);
  t.equal(shown, rendered, 'Claude (the emulator) answered Bob');
});

t.test('the member cannot reach the invite page', async (t) => {
  const { page } = member;
  const response = await page.goto(`${stack.url}/invites`);
  t.equal(response?.status(), 403);
  t.match(await page.locator('main').textContent(), /Only an admin of this HomeAgent can do that\./);
  t.equal(await page.getByRole('button', { name: 'Create invite' }).count(), 0);
});

t.test('the invite worked once: the link does not make a second account', async (t) => {
  const { context, page } = await openPage();
  t.teardown(() => context.close());
  await page.goto(shareLink);
  await page.getByLabel('Username').fill('carl');
  await page.getByLabel('Display name').fill('Carl Example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#invite-code-error').waitFor();
  t.match(await page.locator('#invite-code-error').textContent(), /already been used/);
  t.equal(new URL(page.url()).pathname, '/register');
});

t.test('on a 320-px-wide phone the invite page is no wider than the screen', async (t) => {
  // The narrowest phones in use. Since the list shows no codes its table fits (a wider one would scroll on its own).
  await admin.page.setViewportSize({ width: 320, height: 700 });
  t.teardown(() => admin.page.setViewportSize({ width: 1100, height: 900 }));
  await admin.page.goto(`${stack.url}/invites`);
  // Earlier invites may all be used or revoked by now: make sure the list has one.
  await admin.page.getByRole('button', { name: 'Create invite' }).click();
  await admin.page.locator('.invite-table tbody tr').first().waitFor();
  const widths = await admin.page.evaluate(() => ({
    page: document.documentElement.scrollWidth,
    screen: document.documentElement.clientWidth,
    table: document.querySelector('.invite-table')!.getBoundingClientRect().width,
  }));
  t.ok(widths.table <= widths.screen, `the table fits the screen (${widths.table} px)`);
  t.ok(widths.page <= widths.screen, `the page does not scroll sideways (${widths.page} px on a ${widths.screen}-px screen)`);
});

t.test('no console errors or CSP violations on any page', async (t) => {
  // The refusals this test asks for (400, 403) are logged by Chromium as failed loads; anything else is a fault.
  const expected = /^Failed to load resource: the server responded with a status of (400|403) /;
  t.same(pageErrors.filter((message) => !expected.test(message)), []);
});
