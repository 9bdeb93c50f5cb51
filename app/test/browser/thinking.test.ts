/**
 * Picking a model and Claude's thinking, in a real headless Chromium
 * against the whole local stack: the person picks "Claude Haiku 4.5" in the
 * "Model" select and the reply names it; with Thinking "Deep" the reasoning
 * streams into a collapsed "Thinking…" section above the reply, which the
 * person can open, and which is still there after a reload.
 */
import t from 'tap';
import { registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-thinking-browser-', { tokensPerSecond: 30, firstTokenDelayMs: 0 });
const { page } = await openPage();
await registerWithInvite(page, stack.url, adminInvite, 'tia', 'Tia Example');

async function newChat() {
  await page.goto(`${stack.url}/`);
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);
}

t.test('a person picks a model and sees its name on the reply', async (t) => {
  await newChat();
  const picker = page.getByLabel('Model');
  t.match(await picker.locator('option:checked').textContent(), /^Claude Opus 4\.6/, "the admin's default is picked");
  await picker.selectOption({ label: 'Claude Haiku 4.5 — Fastest and cheapest' });
  await page.getByLabel('Message').fill('Which model are you?');
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('#messages .bubble-assistant[data-state="complete"]').last();
  await reply.waitFor({ timeout: 120_000 });
  t.equal(await reply.locator('.reply-model').textContent(), 'Claude Haiku 4.5', 'the display name, not the raw id');
  await page.reload();
  t.equal(await page.getByLabel('Model').inputValue(), 'us.anthropic.claude-haiku-4-5-20251001-v1:0', 'the chat remembers the model');
});

t.test('thinking streams into a collapsed "Thinking…" section that survives a reload', async (t) => {
  await newChat();
  await page.getByLabel('Thinking').selectOption('deep');
  await page.getByLabel('Message').fill('Think hard about tea');
  await page.getByRole('button', { name: 'Send' }).click();
  const streaming = page.locator('#messages .bubble-assistant[data-state="streaming"] details.thinking');
  await streaming.waitFor({ state: 'visible', timeout: 60_000 });
  t.match(await streaming.locator('.thinking-text').textContent(), /\S/, 'thoughts arrive while the reply streams');
  t.equal(await streaming.evaluate((el) => (el as HTMLDetailsElement).open), false, 'collapsed');

  const reply = page.locator('#messages .bubble-assistant[data-state="complete"]').last();
  await reply.waitFor({ timeout: 120_000 });
  const section = reply.locator('details.thinking');
  t.equal(await section.locator('summary').textContent(), 'Thinking…');
  t.equal(await section.evaluate((el) => (el as HTMLDetailsElement).open), false, 'collapsed above the finished reply');
  t.ok(await section.evaluate((el) => el.compareDocumentPosition(el.parentElement!.querySelector('.bubble-text')!) & Node.DOCUMENT_POSITION_FOLLOWING), 'above the reply');
  await section.locator('summary').click();
  t.match(await section.locator('.thinking-text').innerText(), /Thinking with high effort/, 'the person can open it and read it');

  await page.reload();
  const again = page.locator('#messages .bubble-assistant[data-state="complete"]').last().locator('details.thinking');
  t.match(await again.locator('.thinking-text').textContent(), /Thinking with high effort/, 'stored with the message, shown after reload');
  t.same(pageErrors, [], 'no console errors (CSP included)');
});
