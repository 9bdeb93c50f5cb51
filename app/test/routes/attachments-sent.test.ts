/**
 * Attachments that went with a message, against the real system: the plain
 * (no-script) form sends its files with a new chat's first message, htmx
 * sends uploaded ids in an open chat, the bubbles show thumbnails and
 * downloads, someone else's upload is refused (a 4xx sentence), a sent
 * file cannot be removed, and a share link serves the snapshot's files only
 * while it lives.
 *
 * Needs the agent side of issue 11 (attachmentIds on send and start,
 * Message.attachments, shared snapshots' files).
 */
import t from 'tap';
import { cookieHeader } from '../app-builder.js';
import { PDF, PNG } from '../attachment-files.js';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(240_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-attachments-sent-');
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann')).status !== 303) throw new Error('registration failed');
const bobInvite = await ann.createInvite();
const bob = new HttpVisitor(stack.url);
if ((await bob.register(bobInvite, 'bob')).status !== 303) throw new Error('registration failed');

async function upload(visitor: HttpVisitor, name: string, bytes: Buffer): Promise<string> {
  await visitor.get('/c/new');
  const response = await fetch(`${stack.url}/attachments`, {
    method: 'POST',
    headers: {
      cookie: cookieHeader(visitor.jar), origin: stack.url, 'content-type': 'application/octet-stream',
      'x-file-name': encodeURIComponent(name), 'x-csrf-token': visitor.token, 'hx-request': 'true', 'hx-request-type': 'partial',
    },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  const id = /data-attachment-id="([^"]+)"/.exec(await response.text())?.[1];
  if (response.status !== 201 || !id) throw new Error(`upload failed: ${response.status}`);
  return id;
}

async function read(visitor: HttpVisitor, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${stack.url}${path}`, { headers: { cookie: cookieHeader(visitor.jar) }, redirect: 'manual' });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** Polls the chat page until no reply streams (a condition, not a pause). */
async function replyFinished(path: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const page = await ann.get(path);
    if (!/data-state="streaming"/.test(page.body)) return page.body;
    if (Date.now() > deadline) throw new Error('the reply did not finish');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let chatPath = '';
let photoId = '';
let letterId = '';

t.test('without a script the form sends its files with the first message; the bubble shows them', async (t) => {
  await ann.get('/c/new');
  const form = new FormData();
  form.append('_csrf', ann.token);
  form.append('text', 'Read these please');
  form.append('files', new Blob([PNG as Uint8Array<ArrayBuffer>]), 'photo.png');
  form.append('files', new Blob([PDF]), 'letter.pdf');
  const sent = await fetch(`${stack.url}/c/new/messages`, { method: 'POST', headers: { cookie: cookieHeader(ann.jar), origin: stack.url }, body: form, redirect: 'manual' });
  t.equal(sent.status, 303);
  chatPath = sent.headers.get('location') ?? '';
  t.match(chatPath, /^\/c\/[a-z0-9]+$/);

  const page = await replyFinished(chatPath);
  photoId = /<img src="\/attachments\/([^"]+)" alt="photo\.png" loading="lazy" decoding="async" width="64" height="48">/.exec(page)?.[1] ?? '';
  t.ok(photoId, 'the photo is a sized, lazy thumbnail');
  t.match(page, new RegExp(`<a class="attachment-image" href="/attachments/${photoId}"`), 'that opens the full image');
  letterId = /<a class="attachment-file" href="\/attachments\/([^"]+)" download="letter\.pdf">/.exec(page)?.[1] ?? '';
  t.ok(letterId, 'the PDF is a download');
  t.match(page, /document “letter” \(pdf/, 'the reply names what Claude got');

  t.equal((await read(bob, `/attachments/${photoId}`)).status, 404, 'someone else cannot read it');
  const kept = await fetch(`${stack.url}/attachments/${photoId}`, { method: 'DELETE', headers: { cookie: cookieHeader(ann.jar), origin: stack.url, 'x-csrf-token': ann.token } });
  t.equal(kept.status, 409, 'a sent file is not removed on its own');
  t.match(await kept.text(), /delete the conversation to remove it/);
});

t.test('htmx sends uploaded ids in an open chat; someone else\'s upload is refused', async (t) => {
  const id = await upload(ann, 'second.png', PNG);
  await ann.get(chatPath);
  const sent = await ann.postPartial(`${chatPath}/messages`, { text: 'And this', attachmentIds: id });
  t.equal(sent.status, 200);
  t.match(sent.body, new RegExp(`<img src="/attachments/${id}" alt="second\\.png"`), 'the new bubble shows it');
  await replyFinished(chatPath);

  const bobs = await upload(bob, 'bobs.png', PNG);
  await ann.get(chatPath);
  const refused = await ann.postPartial(`${chatPath}/messages`, { text: 'Not mine', attachmentIds: bobs });
  t.ok(refused.status >= 400 && refused.status < 500, `a 4xx (${refused.status})`);
  t.match(refused.body, /<p class="error"/);
});

t.test('a share link serves its snapshot\'s files while it lives', async (t) => {
  await ann.get(`${chatPath}/share`);
  const made = await ann.post(`${chatPath}/share`, {});
  t.equal(made.status, 201);
  const link = new URL(/id="share-link" type="text" readonly value="([^"]+)"/.exec(made.body)?.[1] ?? 'http://x/').pathname;
  const page = await bob.get(link);
  t.match(page.body, new RegExp(`<img src="${link}/attachments/${photoId}"`), 'the snapshot shows the photo through the link');
  t.match(page.body, new RegExp(`href="${link}/attachments/${letterId}" download="letter\\.pdf"`));

  const photo = await read(bob, `${link}/attachments/${photoId}`);
  t.equal(photo.status, 200);
  t.ok(photo.bytes.equals(PNG));
  t.match(photo.headers.get('content-disposition') ?? '', /^inline; filename="photo\.png"/);
  t.equal(photo.headers.get('x-content-type-options'), 'nosniff');
  t.equal(photo.headers.get('cache-control'), 'private, no-store');
  const letter = await read(bob, `${link}/attachments/${letterId}`);
  t.match(letter.headers.get('content-disposition') ?? '', /^attachment; filename="letter\.pdf"/);

  const list = await ann.get('/shares');
  const revoke = /action="(\/shares\/[a-z0-9]+\/revoke)"/.exec(list.body)?.[1] ?? '';
  await ann.post(revoke, {});
  t.equal((await read(bob, `${link}/attachments/${photoId}`)).status, 404, 'revoked: the files stop too');
});
