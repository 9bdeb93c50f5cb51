/**
 * The proof of the first slice (issue 2): the whole local stack on free
 * ports, a real headless Chromium, and a person who registers with the
 * first admin invite, opens a chat, sends a message and watches the reply
 * stream in. The DOM is observed over time in the page itself (a
 * MutationObserver), so "it streamed" is seen, not inferred.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { Page } from 'playwright-core';
import { emulatorReply } from '@homeagent/local/bedrock-emulator';
import { renderMarkdown } from '../../src/markdown-renderer.js';
import { ARTIFACTS, PASSWORD, registerWithInvite, startBrowserStack } from './browser-fixture.js';
import { asBrowserHtml, possibleSteps, recordStream, stepKey, waitForStreamDone } from './stream-recorder.js';

/** Slow enough that a reply visibly streams in many steps. */
const TOKENS_PER_SECOND = 20;
/** A reply slow enough to reload in the middle of (the emulator's `[[emulator:slow]]` marker: 5 tokens/s). */
const SLOW_MARKER = '[[emulator:slow]]';

/** What the emulator answers to the first message of a conversation (the agent always sends a system prompt). */
function expectedReply(text: string): string {
  return emulatorReply({ messages: [{ role: 'user', content: [{ text }] }], system: [{ text: 'system prompt' }] });
}

/** The text a person reads in a rendered Markdown string, measured by the browser itself. */
async function renderedText(page: Page, markdown: string): Promise<string> {
  const markup = renderMarkdown(markdown).value;
  return page.evaluate((m) => {
    const template = document.createElement('template');
    template.innerHTML = m;
    return template.content.textContent ?? '';
  }, markup);
}

async function lastAssistantText(page: Page): Promise<string> {
  return page.locator('#messages .bubble-assistant').last().locator('.bubble-text').evaluate((el) => el.textContent ?? '');
}

t.setTimeout(300_000);

/** Console errors include CSP violations: there must be none. */
const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-browser-', { tokensPerSecond: TOKENS_PER_SECOND });
const { context, page } = await openPage({ width: 1100, height: 1000 });

t.test('a person registers with the first admin invite and is signed in', async (t) => {
  t.ok(stack.adminInvite, 'the stack printed an admin invite');
  await page.goto(`${stack.url}/`);
  t.match(new URL(page.url()).pathname, '/sign-in', 'no session: sent to sign in');

  await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');
  await t.resolves(page.getByRole('button', { name: 'Sign out' }).waitFor(), 'signed in');

  // Sign out and in again, as a returning person would.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${stack.url}/sign-in`);
  await page.getByLabel('Username').fill('ann');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(`${stack.url}/`);
  t.equal(await page.locator('.who').textContent(), 'Ann Example');
});

t.test('a reply streams into the page in steps, then shows as rendered Markdown', async (t) => {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);

  const text = 'Hello Claude! Please say something **bold**, and <script>alert("no")</script> stays text.';
  const expected = expectedReply(text);
  await recordStream(page);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();

  await page.locator('#messages .bubble-user').last().waitFor();
  t.equal(await page.locator('#messages .bubble-user .bubble-text').last().textContent(), text, 'my message is shown as I typed it');

  const record = await waitForStreamDone(page);
  const steps = record.steps.filter((s) => s.text.length > 0);
  t.ok(steps.length >= 3, `the reply grew in at least three steps before done (saw ${steps.length})`);
  t.ok(steps.some((s) => s.html !== '' && s.tail !== ''), 'finished blocks showed rendered while the next one was still text');
  const possible = await possibleSteps(page, expected);
  t.same(steps.filter((s) => !possible.has(stepKey(s))).map((s) => s.text), [], 'every step is what the reply so far looks like: nothing lost, nothing doubled');
  const [finalHtml] = await asBrowserHtml(page, [renderMarkdown(expected).value]);
  t.same(steps.filter((s) => !finalHtml!.startsWith(s.html)).length, 0, 'the rendered part of each step is the start of the final rendering: nothing flickers back');
  t.equal(record.steps.at(-1)?.html, record.finalHtml, 'the last streamed step is exactly the finished bubble: the swap changes nothing');
  t.equal(record.steps.at(-1)?.tail, '', 'and no text was left unrendered');

  await page.locator('#messages .bubble-assistant[data-state="complete"]').last().waitFor();
  t.equal(await lastAssistantText(page), await renderedText(page, expected), 'the final text is what the emulator sent');
  t.equal(await page.locator('#messages .bubble-assistant script').count(), 0, 'no script element came from the reply');
  t.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0, 'Stop is gone once the reply is done');
  t.equal(await page.getByLabel('Message').inputValue(), '', 'the message field is empty again');
  // The agent names the conversation after its first message; the page follows without a reload.
  t.match(await page.locator('#chat-title').textContent(), /^Hello Claude!/, 'the heading shows the new title');
  t.match(await page.title(), /^Hello Claude!.* · HomeAgent$/, 'so does the window title');
  t.match(await page.locator('.sidebar [aria-current="page"]').textContent(), /Hello Claude!/, 'and the sidebar');

  // Enter sends; Shift+Enter starts a new line (no inline script: app.js).
  const composerField = page.getByLabel('Message');
  await composerField.click();
  await composerField.pressSequentially('first line');
  await composerField.press('Shift+Enter');
  await composerField.pressSequentially('second line');
  await composerField.press('Enter');
  await page.locator('#messages .bubble-user').nth(1).waitFor();
  t.equal(await page.locator('#messages .bubble-user .bubble-text').nth(1).textContent(), 'first line\nsecond line', 'Shift+Enter made a new line, Enter sent');
  await page.locator('#messages .bubble-assistant[data-state="complete"]').nth(1).waitFor({ timeout: 120_000 });
  const second = await lastAssistantText(page);
  t.match(second, /first line\s+second line/, 'the second reply quotes both lines');
  t.match(second, /3 messages/, 'the model saw the whole conversation');

  await mkdir(ARTIFACTS, { recursive: true });
  // What a person sees (a full-page capture would misplace the sticky bar and composer).
  await page.screenshot({ path: join(ARTIFACTS, 'chat.png') });
});

t.test('a reload while the reply streams shows the text so far and goes on, with no loss or doubling', async (t) => {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);

  const text = `Tell me a long story please ${SLOW_MARKER}`;
  const expected = expectedReply(text);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  // "New chat" stores nothing: the chat, and its address, exist once the first message is sent.
  await page.waitForURL(/\/c\/(?!new$)[a-z0-9]+$/);
  const chatUrl = page.url();

  // Wait for a good part of the reply, past at least one checkpoint.
  await page.waitForFunction(
    () => (document.querySelector('.bubble-assistant[data-state="streaming"] .stream')?.textContent ?? '').includes('so far'),
    undefined,
    { timeout: 60_000 },
  );
  await page.reload();
  t.equal(page.url(), chatUrl);

  const streaming = page.locator('#messages .bubble-assistant[data-state="streaming"]');
  t.equal(await streaming.count(), 1, 'after the reload the reply is still streaming');
  const possible = await possibleSteps(page, expected);
  const checkpoint = await streaming.evaluate((el) => `${el.querySelector('.blocks')?.innerHTML ?? ''}\u0000${el.querySelector('.tail')?.textContent ?? ''}`);
  t.ok(possible.has(checkpoint), 'the page renders the checkpointed text as the stream had it');
  t.ok(checkpoint.length > 1, 'the checkpoint holds text already');
  t.ok(await page.getByRole('button', { name: 'Stop' }).isVisible(), 'Stop is offered while it streams');

  await recordStream(page);
  const record = await waitForStreamDone(page);
  t.ok(record.steps.length >= 2, `the reply kept growing after the reload (saw ${record.steps.length} states)`);
  t.same(record.steps.filter((s) => !possible.has(stepKey(s))).map((s) => s.text), [], 'every state after the reload is the reply so far');
  t.equal(record.steps.at(-1)?.html, (await asBrowserHtml(page, [renderMarkdown(expected).value]))[0], 'the stream ended with exactly the whole reply, rendered');
  const finalDom = record.finalHtml;
  await page.reload();
  t.equal(await page.locator('#messages .bubble-assistant').last().locator('.bubble-text').evaluate((el) => el.innerHTML), finalDom, 'the final DOM is what a reload shows');

  await page.locator('#messages .bubble-assistant[data-state="complete"]').last().waitFor();
  t.equal(await lastAssistantText(page), await renderedText(page, expected), 'the final text is what the emulator sent');
});

t.test('Stop ends a streaming reply, keeps its text, and the chat goes on', async (t) => {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);
  const text = `Go on and on ${SLOW_MARKER}`;
  const expected = expectedReply(text);
  await page.getByLabel('Message').fill(text);
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForFunction(
    () => (document.querySelector('.bubble-assistant[data-state="streaming"] .stream')?.textContent ?? '').length > 20,
    undefined,
    { timeout: 60_000 },
  );
  await page.getByRole('button', { name: 'Stop' }).click();

  const stopped = page.locator('#messages .bubble-assistant[data-state="stopped"]');
  await stopped.waitFor({ timeout: 30_000 });
  t.match(await stopped.textContent(), /Stopped before the end/);
  const kept = await stopped.locator('.bubble-text').evaluate((el) => el.textContent ?? '');
  t.ok(kept.length > 0, 'the partial text is kept');
  t.ok((await renderedText(page, expected)).length > kept.length, 'and it is only part of the reply');
  t.equal(await page.getByRole('button', { name: 'Stop' }).count(), 0, 'no Stop button any more');

  // The conversation is free again: the next message gets a reply.
  await page.getByLabel('Message').fill('Still there?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#messages .bubble-assistant[data-state="complete"]').last().waitFor({ timeout: 120_000 });
  t.match(await lastAssistantText(page), /Still there\?/);
});

t.test('a reply that streams before the page\'s live connection is up still ends in the page', async (t) => {
  // A second tab on this chat whose subscription is held until the reply has ended (a slow
  // connect, as on a loaded phone): nothing it could resume from was published when it rendered.
  const late = await context.newPage();
  t.teardown(() => late.close());
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  await late.route('**/.well-known/mercure?**', async (route) => { await gate; await route.continue(); });
  await late.goto(page.url());
  const finishedBefore = await page.locator('#messages .bubble-assistant[data-state="complete"]').count();
  await late.getByLabel('Message').fill('Are you quick?');
  await late.getByRole('button', { name: 'Send' }).click();
  await late.locator('#messages .bubble-assistant[data-state="streaming"]').waitFor();
  // The first tab, connected all along, sees the reply end.
  await page.locator('#messages .bubble-assistant[data-state="complete"]').nth(finishedBefore).waitFor({ timeout: 120_000 });
  open();
  const ended = late.locator('#messages .bubble-assistant').last();
  await late.waitForFunction(() => document.querySelector('#messages .bubble-assistant:last-of-type')?.getAttribute('data-state') === 'complete', undefined, { timeout: 60_000 });
  t.match(await ended.textContent(), /Are you quick\?/, 'the late tab shows the whole reply');
});

t.test('the page raised no errors (a CSP violation would be one)', async (t) => {
  t.same(pageErrors, []);
});

t.test('signed out in another tab: the next send goes to the sign-in page (HX-Redirect)', async (t) => {
  await page.getByRole('button', { name: 'New chat' }).click();
  await page.waitForURL(/\/c\/[a-z0-9]+$/);

  const other = await context.newPage();
  t.teardown(() => other.close());
  await other.goto(`${stack.url}/`);
  await other.getByRole('button', { name: 'Sign out' }).click();
  await other.waitForURL(`${stack.url}/sign-in`);

  await page.getByLabel('Message').fill('Anyone there?');
  await page.getByRole('button', { name: 'Send' }).click();
  await page.waitForURL(`${stack.url}/sign-in`);
  t.ok(await page.getByRole('button', { name: 'Sign in', exact: true }).isVisible(), 'the whole page is the sign-in page, not a fragment in the chat');
});
