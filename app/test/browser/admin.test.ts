/**
 * The admin pages in a real headless Chromium against the whole local stack:
 * the admin changes the system prompt and the default model on "Settings",
 * and the next reply shows both took effect (the emulator counts the system
 * prompt in its input tokens, and the bubble names the model); on "People"
 * the admin changes a budget in place; "Usage" shows the reply's cost.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { emulatorReply, inputTokenCount } from '@homeagent/local/bedrock-emulator';
import { ARTIFACTS, register, startBrowserStack } from './browser-fixture.js';

const HAIKU = 'us.anthropic.claude-haiku-4-5-20251001-v1:0';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-admin-browser-', {
  tokensPerSecond: 400,
  firstTokenDelayMs: 0,
});
const { page } = await openPage();

/** Starts a new chat, sends `text`, and waits for the finished reply bubble. */
async function chat(text: string) {
  await page.goto(`${stack.url}/`);
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  const reply = page.locator('#messages .bubble-assistant[data-state="complete"]').last();
  await reply.waitFor({ timeout: 120_000 });
  return reply;
}

t.test('the admin changes the system prompt and model; the next reply uses them', async (t) => {
  await page.goto(`${stack.url}/register?invite=${encodeURIComponent(adminInvite)}`);
  await register(page, stack.url, 'ann', 'Ann Example');

  const text = 'Hello after the change';
  const before = await chat(text);
  const defaultTokens = Number(await before.locator('.input-tokens').textContent());
  t.equal(await before.locator('.reply-model').textContent(), 'Claude Opus 4.6', 'the configured model answered first, by its name');

  await page.getByRole('link', { name: 'Settings' }).click();
  await page.waitForURL(`${stack.url}/settings`);
  t.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Settings');
  const systemPrompt = 'You answer in the voice of a patient librarian. '.repeat(40).trim();
  await page.getByLabel('System prompt').fill(systemPrompt);
  await page.getByLabel('Default model').selectOption(HAIKU);
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved. Replies use these settings from the next message on.').waitFor();
  t.equal(new URL(page.url()).pathname, '/settings', 'htmx answered in place');
  t.equal(await page.getByLabel('Default model').inputValue(), HAIKU);

  const after = await chat(text);
  const request = { messages: [{ role: 'user', content: [{ text }] }], system: [{ text: systemPrompt }] };
  t.equal(Number(await after.locator('.input-tokens').textContent()), inputTokenCount(request), 'the new system prompt was sent with the message');
  t.ok(Number(await after.locator('.input-tokens').textContent()) > defaultTokens, 'a longer prompt costs more input tokens');
  t.equal(await after.locator('.reply-model').getAttribute('title'), HAIKU, 'the new default model answered');
  t.match(await after.locator('.bubble-text').textContent(), /a system prompt was given/);
  t.match(emulatorReply(request), /a system prompt was given/);
});

t.test('the admin changes their own budget on "People" in place; "Usage" agrees', async (t) => {
  await page.getByRole('link', { name: 'People' }).click();
  await page.waitForURL(`${stack.url}/people`);
  const field = page.getByLabel('Monthly budget of Ann Example (USD)');
  t.equal(await field.inputValue(), '', 'the default budget: the field is empty');
  await field.fill('lots');
  await page.getByRole('button', { name: 'Save budget of Ann Example' }).click();
  await page.getByText(/Enter an amount in dollars from 0 to 100,000/).waitFor();
  t.equal(await page.getByLabel('Monthly budget of Ann Example (USD)').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('Monthly budget of Ann Example (USD)').fill('7.5');
  await page.getByRole('button', { name: 'Save budget of Ann Example' }).click();
  await page.getByText('Budget saved.').waitFor();
  t.match(await page.locator('.person').first().textContent(), /of \$7\.50/);
  t.equal(new URL(page.url()).pathname, '/people');

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'people.png'), fullPage: true });

  await page.getByRole('link', { name: 'Usage' }).click();
  await page.waitForURL(`${stack.url}/usage`);
  t.match(await page.locator('#usage-spent').textContent(), /of your \$7\.50 monthly budget used\./);
});

t.test('no console errors or CSP violations on any page', async (t) => {
  // The refusal this test asks for (400) is logged by Chromium as a failed load; anything else is a fault.
  const expected = /^Failed to load resource: the server responded with a status of 400 /;
  t.same(pageErrors.filter((message) => !expected.test(message)), []);
});
