/**
 * Attachments in a real Chromium against the whole system: a chip removed
 * before sending takes its upload with it; Send waits while a file uploads;
 * an image and a PDF by the picker and a note by drop go with a new chat's
 * first message, and the reply (the emulator's, which names what it got)
 * names all three; after a reload the bubble shows a thumbnail and two
 * downloads, and the thumbnail opens the full image; a pasted image goes
 * with a message in the open chat. No console errors (CSP violations show
 * as those). Saves artifacts/attachments-composer.png.
 *
 * The steps from "the reply names" on need the agent side of issue 11
 * (attachmentIds on send/start, Message.attachments, the emulator's echo).
 */
import t from 'tap';
import type { Page } from 'playwright-core';
import { PDF, png } from '../attachment-files.js';
import { ARTIFACTS, registerWithInvite, startBrowserStack } from './browser-fixture.js';

t.setTimeout(300_000);

const { stack, adminInvite, pageErrors, openPage } = await startBrowserStack(t, 'homeagent-browser-attach-');
const { page } = await openPage();
page.setDefaultTimeout(60_000);
// DEBUG (the paste test under load): the page's live-connection events, printed if it fails.
await page.addInitScript(() => {
  const seen: string[] = [];
  (window as unknown as { __live: string[] }).__live = seen;
  for (const name of ['htmx:sse:after:connection', 'htmx:sse:error', 'htmx:sse:close', 'htmx:sse:before:connection', 'delta', 'done', 'start', 'sent', 'changed']) {
    document.addEventListener(name, (event) => { seen.push(`${Math.round(performance.now())} ${location.pathname} ${name} ${(event as CustomEvent<{ id?: string } | null>).detail?.id ?? ''}`); }, true);
  }
});
await registerWithInvite(page, stack.url, adminInvite, 'ann', 'Ann Example');

const PHOTO = png(64, 48);
const NOTE = Buffer.from('# Shopping\n\n- eggs\n- flour\n');
const PASTED = png(20, 10, [30, 90, 200]);

const chips = (p: Page) => p.locator('#composer .attachment-chip');
/** A chip the server answered for (it holds its attachment id). */
const uploaded = (p: Page, name: string) => p.locator('#composer .attachment-chip[data-attachment-id]', { hasText: name });

/** Holds every upload until `release()`: the uploads are real, only their timing is the test's. */
async function holdUploads(p: Page): Promise<() => void> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => { open = resolve; });
  await p.route('**/attachments', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    await gate;
    await route.continue();
  });
  // Once open, later uploads pass straight through.
  return open;
}

async function dropFile(p: Page, name: string, type: string, bytes: Buffer): Promise<void> {
  const dataTransfer = await p.evaluateHandle(({ name, type, data }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }));
    return transfer;
  }, { name, type, data: bytes.toString('base64') });
  await p.dispatchEvent('#composer', 'dragover', { dataTransfer });
  await p.dispatchEvent('#composer', 'drop', { dataTransfer });
}

await page.getByRole('button', { name: 'New chat' }).click();
await page.waitForURL(/\/c\/new$/);

t.test('a chip removed before sending deletes its upload', async (t) => {
  await page.getByLabel('Attach').setInputFiles({ name: 'drop-me.txt', mimeType: 'text/plain', buffer: Buffer.from('not this one') });
  const chip = uploaded(page, 'drop-me.txt');
  await chip.waitFor();
  const id = await chip.getAttribute('data-attachment-id');
  t.ok(id, 'the upload has an id');
  t.match(await chip.textContent(), /drop-me\.txt\s+12 bytes/, 'name and size');
  await page.getByRole('button', { name: 'Remove drop-me.txt' }).click();
  t.equal(await chips(page).count(), 0, 'the chip is gone');
  // The page deletes it in the background: poll (with the page's cookies) until it is gone.
  const deadline = Date.now() + 30_000;
  let status: number;
  while ((status = (await page.request.get(`${stack.url}/attachments/${id}`)).status()) !== 404 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  t.equal(status, 404, 'the pending upload is deleted');
});

t.test('an image and a PDF by the picker, a note by drop; Send waits for the upload', async (t) => {
  await page.getByLabel('Attach').setInputFiles([
    { name: 'photo.png', mimeType: 'image/png', buffer: PHOTO },
    { name: 'letter.pdf', mimeType: 'application/pdf', buffer: PDF },
  ]);
  await uploaded(page, 'photo.png').waitFor();
  await uploaded(page, 'letter.pdf').waitFor();
  const thumb = uploaded(page, 'photo.png').locator('img.chip-thumb');
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('#composer .attachment-chip img.chip-thumb');
    return img !== null && img.complete && img.naturalWidth > 0;
  });
  t.equal(await thumb.evaluate((img: HTMLImageElement) => img.naturalWidth), 64, 'the image chip shows its thumbnail');

  const release = await holdUploads(page);
  await dropFile(page, 'notes.md', 'text/markdown', NOTE);
  await page.locator('#composer .attachment-chip', { hasText: 'notes.md' }).waitFor();
  t.match(await page.locator('#attach-status').textContent(), /Uploading…/, 'the composer says it uploads');

  // The order things reached the network: the send must start after the upload ended.
  const order: string[] = [];
  page.on('requestfinished', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/attachments') order.push(`uploaded ${decodeURIComponent(request.headers()['x-file-name'] ?? '')}`);
  });
  page.on('request', (request) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/c/new/messages') order.push('send');
  });
  await page.getByLabel('Message').fill('What do these say?');
  await page.getByRole('button', { name: 'Send' }).click();
  t.match(await page.locator('#attach-status').textContent(), /Send waits until the upload ends/);
  release();
  // …and sends by itself once it is up: the new chat opens with the message.
  await page.waitForURL(/\/c\/(?!new$)[a-z0-9]+$/);
  await page.locator('#messages .bubble-user').waitFor();
  t.same(order, ['uploaded notes.md', 'send'], 'Send waited for the upload, then sent once');
  t.equal(await chips(page).count(), 0, 'the fresh composer holds no chips');
});

t.test('the reply names all three files, and the bubble shows them', async (t) => {
  const reply = page.locator('#messages .bubble-assistant[data-state="complete"]').first();
  await reply.waitFor();
  const text = (await reply.textContent()) ?? '';
  t.match(text, /Files in your message \(3\)/);
  t.match(text, new RegExp(`image \\(png, ${PHOTO.length} bytes, 64 × 48 px\\)`), 'the photo');
  t.match(text, new RegExp(`document “letter” \\(pdf, ${PDF.length} bytes\\)`), 'the PDF');
  t.match(text, new RegExp(`document “notes” \\(md, ${NOTE.length} bytes\\)`), 'the dropped note');

  const bubble = page.locator('#messages .bubble-user').first();
  t.equal(await bubble.locator('.attachment-image img').count(), 1, 'one thumbnail');
  t.equal(await bubble.locator('a.attachment-file').count(), 2, 'two documents');
});

t.test('after a reload the files are there; the thumbnail opens the full image; a document downloads', async (t) => {
  await page.reload();
  const bubble = page.locator('#messages .bubble-user').first();
  const img = bubble.locator('.attachment-image img');
  await img.waitFor();
  t.equal(await img.getAttribute('loading'), 'lazy');
  t.equal(await img.getAttribute('alt'), 'photo.png');
  t.equal(await img.getAttribute('width'), '64', 'sized before it loads');

  const [download] = await Promise.all([page.waitForEvent('download'), bubble.getByRole('link', { name: /letter\.pdf/ }).click()]);
  t.equal(download.suggestedFilename(), 'letter.pdf');

  const chatUrl = page.url();
  // The image's own response (its headers), and the image page loaded (waitForURL waits for `load`).
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().frame() === page.mainFrame()),
    page.waitForURL((url) => url.href !== chatUrl),
    bubble.locator('a.attachment-image').click(),
  ]);
  t.equal(response.headers()['content-type'], 'image/png', 'the full image opens');
  t.match(response.headers()['content-disposition'] ?? '', /^inline;/);
  t.equal(await page.evaluate(() => document.querySelector('img')?.naturalWidth), 64);
  await page.goto(chatUrl);
});

t.test('a file past the largest Claude reads is refused on its chip before any byte is sent', async (t) => {
  const posts: string[] = [];
  const onRequest = (request: { method(): string; url(): string }) => {
    if (request.method() === 'POST' && new URL(request.url()).pathname === '/attachments') posts.push(request.url());
  };
  page.on('request', onRequest);
  t.teardown(() => page.off('request', onRequest));
  await page.getByLabel('Attach', { exact: true }).setInputFiles({ name: 'holiday.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(4.5 * 1024 * 1024 + 1, 0x25) });
  const chip = page.locator('#composer .attachment-chip.failed', { hasText: 'holiday.pdf' });
  await chip.waitFor();
  t.match(await chip.textContent(), /“holiday\.pdf” is larger than 4\.5 MB, the largest file Claude can read\./);
  t.match(await page.locator('#attach-status').textContent(), /larger than 4\.5 MB/, 'the status line says so too');
  t.same(posts, [], 'nothing was uploaded');
  await page.getByRole('button', { name: 'Remove holiday.pdf' }).click();
  t.equal(await chips(page).count(), 0);
});

t.test('a pasted image goes with a message in the open chat', async (t) => {
  await page.getByLabel('Message').fill('And this one?');
  await page.getByLabel('Message').evaluate((field, data) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'image.png', { type: 'image/png' }));
    field.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }));
  }, PASTED.toString('base64'));
  await uploaded(page, 'image.png').waitFor();
  t.equal(await page.getByLabel('Message').inputValue(), 'And this one?', 'the text is untouched');
  // For a person to look at: the composer with its chip.
  await page.screenshot({ path: `${ARTIFACTS}attachments-composer.png` });
  await page.getByRole('button', { name: 'Send' }).click();
  await page.locator('#messages .bubble-user').nth(1).waitFor();
  const reply = page.locator('#messages .bubble-assistant:not([data-state="streaming"])').nth(1);
  await reply.waitFor().catch(async (error: unknown) => {
    const bubbles = await page.locator('#messages .bubble').evaluateAll((all) => all.map((b) => `${b.id} ${b.getAttribute('class') ?? ''} ${b.getAttribute('data-state') ?? ''} ${b.getAttribute('data-path') ?? ''} ${b.textContent.replace(/\s+/g, ' ').slice(0, 80)}`));
    const path = await page.locator('#messages .bubble-assistant').last().getAttribute('data-path');
    const fetched = path ? await (await page.request.get(`${stack.url}${path}`, { headers: { 'hx-request': 'true', 'hx-request-type': 'partial' } })).text() : '';
    const live = await page.evaluate(() => (window as unknown as { __live?: string[] }).__live ?? []);
    const connect = await page.locator('[hx-sse\\:connect]').evaluateAll((all) => all.map((e) => e.getAttribute('hx-sse:connect')));
    t.comment(`DEBUG bubbles:\n${bubbles.join('\n')}\nDEBUG fetched ${path}: ${fetched.slice(0, 400)}\nDEBUG connect ${JSON.stringify(connect)}\nDEBUG live events:\n${live.slice(-40).join('\n')}`);
    throw error;
  });
  t.equal(await reply.getAttribute('data-state'), 'complete', (await reply.textContent()) ?? '');
  t.match(await reply.textContent(), new RegExp(`image \\(png, ${PASTED.length} bytes, 20 × 10 px\\)`));
  t.equal(await page.locator('#messages .bubble-user').nth(1).locator('.attachment-image img').count(), 1);
});

t.test('no console errors on the way (CSP violations included)', async (t) => {
  t.same(pageErrors, []);
});
