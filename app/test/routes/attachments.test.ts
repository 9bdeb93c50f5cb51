/**
 * The app's attachment routes against the real system (agent, S3 stand-in):
 * uploading with the CSRF token, refusals as sentences (never a 5xx), the
 * headers a file is served with, owner-only reads and removal, and the
 * plain (no-script) multipart form: refusals show the page again with the
 * text and the files that did upload, and Remove works without a script.
 */
import t from 'tap';
import { cookieHeader } from '../app-builder.js';
import { HTML_PAGE, PDF, PNG, SVG } from '../attachment-files.js';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(180_000);

const { stack, adminInvite } = await startLocalStack(t, 'homeagent-attachments-');
const ann = new HttpVisitor(stack.url);
if ((await ann.register(adminInvite, 'ann')).status !== 303) throw new Error('registration failed');
const bobInvite = await ann.createInvite();
const bob = new HttpVisitor(stack.url);
if ((await bob.register(bobInvite, 'bob')).status !== 303) throw new Error('registration failed');

interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

async function upload(visitor: HttpVisitor, name: string, bytes: Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  await visitor.get('/c/new');
  const response = await fetch(`${stack.url}/attachments`, {
    method: 'POST',
    headers: {
      cookie: cookieHeader(visitor.jar),
      origin: stack.url,
      'content-type': 'application/octet-stream',
      'x-file-name': encodeURIComponent(name),
      'x-csrf-token': visitor.token,
      'hx-request': 'true',
      'hx-request-type': 'partial',
      ...headers,
    },
    body: bytes as Uint8Array<ArrayBuffer>,
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

function idOf(chip: string): string {
  const id = /data-attachment-id="([^"]+)"/.exec(chip)?.[1];
  if (!id) throw new Error(`no chip in: ${chip}`);
  return id;
}

async function read(visitor: HttpVisitor, path: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const response = await fetch(`${stack.url}${path}`, { headers: { cookie: cookieHeader(visitor.jar) }, redirect: 'manual' });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** The no-script message form: multipart, as a browser posts it. */
async function postForm(visitor: HttpVisitor, path: string, fields: Record<string, string | string[]>, files: { name: string; bytes: Buffer }[] = []): Promise<Answer> {
  const form = new FormData();
  form.append('_csrf', visitor.token);
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  for (const file of files) form.append('files', new Blob([file.bytes as Uint8Array<ArrayBuffer>]), file.name);
  if (files.length === 0) form.append('files', new Blob([]), '');
  const response = await fetch(`${stack.url}${path}`, {
    method: 'POST',
    headers: { cookie: cookieHeader(visitor.jar), origin: stack.url },
    body: form,
    redirect: 'manual',
  });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

t.test('an upload answers its chip; the owner reads it back with safe headers', async (t) => {
  const up = await upload(ann, 'Photo ü "1" (a).png', PNG);
  t.equal(up.status, 201);
  const id = idOf(up.body);
  t.match(up.body, new RegExp(`<input type="hidden" name="attachmentIds" value="${id}">`), 'the chip carries its hidden field');
  t.match(up.body, /aria-label="Remove Photo ü &quot;1&quot; \(a\)\.png"/, 'the Remove button names the file (escaped)');

  const file = await read(ann, `/attachments/${id}`);
  t.equal(file.status, 200);
  t.ok(file.bytes.equals(PNG), 'the same bytes');
  t.equal(file.headers.get('content-type'), 'image/png');
  t.equal(file.headers.get('x-content-type-options'), 'nosniff');
  t.equal(file.headers.get('content-disposition'), `inline; filename="Photo _ _1_ (a).png"; filename*=UTF-8''Photo%20%C3%BC%20%221%22%20%28a%29.png`);
  t.match(file.headers.get('content-security-policy') ?? '', /default-src 'none'.*sandbox/);

  const stranger = await read(bob, `/attachments/${id}`);
  t.equal(stranger.status, 404, 'someone else cannot read it');
  t.notOk(stranger.bytes.includes(PNG), 'and gets none of its bytes');
  const signedOut = await read(new HttpVisitor(stack.url), `/attachments/${id}`);
  t.equal(signedOut.status, 303, 'signed out: sent to sign in');
});

t.test('documents, HTML included, only ever download', async (t) => {
  for (const [name, bytes, type] of [['letter.pdf', PDF, 'application/pdf'], ['page.html', HTML_PAGE, 'text/html']] as const) {
    const id = idOf((await upload(ann, name, bytes)).body);
    const file = await read(ann, `/attachments/${id}`);
    t.equal(file.status, 200, name);
    t.match(file.headers.get('content-type') ?? '', type);
    t.match(file.headers.get('content-disposition') ?? '', /^attachment; filename="/, `${name} is an attachment, never inline`);
    t.equal(file.headers.get('x-content-type-options'), 'nosniff');
  }
});

t.test('refusals are sentences beside the chip, never a 5xx', async (t) => {
  const svg = await upload(ann, 'drawing.svg', SVG);
  t.equal(svg.status, 400);
  t.match(svg.body, /“drawing\.svg” is not a kind of file Claude can read/);

  const empty = await upload(ann, 'nothing.txt', Buffer.alloc(0));
  t.ok(empty.status >= 400 && empty.status < 500, `an empty file is refused (${empty.status})`);

  const large = await upload(ann, 'huge.pdf', Buffer.concat([PDF, Buffer.alloc(4.5 * 1024 * 1024)]));
  t.equal(large.status, 413);
  t.match(large.body, /“huge\.pdf” is larger than 4\.5 MB, the largest file Claude can read/);

  const bigPhoto = await upload(ann, 'big.png', Buffer.concat([PNG, Buffer.alloc(4 * 1024 * 1024)]));
  t.equal(bigPhoto.status, 400, 'a photo over its own limit (3.75 MB) is refused by the agent');
  t.match(bigPhoto.body, /at most 3\.75 MB/);
});

t.test('uploading and removing need the form token and our own origin', async (t) => {
  const noToken = await upload(ann, 'a.png', PNG, { 'x-csrf-token': 'forged' });
  t.equal(noToken.status, 403);
  const elsewhere = await upload(ann, 'a.png', PNG, { origin: 'https://evil.example' });
  t.equal(elsewhere.status, 403);

  const id = idOf((await upload(ann, 'keep.png', PNG)).body);
  const forged = await fetch(`${stack.url}/attachments/${id}`, { method: 'DELETE', headers: { cookie: cookieHeader(ann.jar), origin: stack.url } });
  t.equal(forged.status, 403, 'no token: not removed');
  const byBob = await fetch(`${stack.url}/attachments/${id}`, { method: 'DELETE', headers: { cookie: cookieHeader(bob.jar), origin: stack.url, 'x-csrf-token': bob.token } });
  t.ok(byBob.status < 500, 'someone else removing it is no failure…');
  t.equal((await read(ann, `/attachments/${id}`)).status, 200, '…and removes nothing');

  await ann.get('/c/new');
  const removed = await fetch(`${stack.url}/attachments/${id}`, { method: 'DELETE', headers: { cookie: cookieHeader(ann.jar), origin: stack.url, 'x-csrf-token': ann.token } });
  t.equal(removed.status, 204);
  t.equal((await read(ann, `/attachments/${id}`)).status, 404, 'the pending upload is gone');
});

t.test('the composer has the Attach picker, and the form posts multipart without a script', async (t) => {
  const page = await ann.get('/c/new');
  t.match(page.body, /<form id="composer"[^>]* enctype="multipart\/form-data"/);
  t.match(page.body, /<input type="file" id="attach-files" class="attach-input" name="files" multiple/);
  t.match(page.body, /<label for="attach-files" class="attach-label">Attach<\/label>/);
  t.match(page.headers.get('content-security-policy') ?? '', /img-src 'self' data: blob:/);
});

t.test('without a script: a refused file shows the page again with the text and the file that did upload', async (t) => {
  await ann.get('/c/new');
  const refused = await postForm(ann, '/c/new/messages', { text: 'Keep these words' }, [
    { name: 'fine.png', bytes: PNG },
    { name: 'bad.svg', bytes: SVG },
  ]);
  t.equal(refused.status, 400);
  t.match(refused.body, /“bad\.svg” is not a kind of file Claude can read/);
  t.match(refused.body, />Keep these words<\/textarea>/, 'the text is kept');
  t.match(refused.body, /<span class="chip-name">fine\.png<\/span>/, 'the uploaded file is a chip again');
  const id = idOf(refused.body);

  // Remove without a script: the chip's own submit button; the text stays, the upload goes.
  const removed = await postForm(ann, '/c/new/messages', { text: 'Keep these words', attachmentIds: id, remove: id });
  t.equal(removed.status, 200, /<p class="error">([^<]*)/.exec(removed.body)?.[1] ?? 'shown again');
  t.notMatch(removed.body, /fine\.png/);
  t.match(removed.body, />Keep these words<\/textarea>/);
  t.equal((await read(ann, `/attachments/${id}`)).status, 404);

  const blank = await postForm(ann, '/c/new/messages', { text: ' ' }, [{ name: 'fine.png', bytes: PNG }]);
  t.equal(blank.status, 400);
  t.match(blank.body, /Write a message before sending/);
  t.match(blank.body, /fine\.png/, 'the file waits as a chip for the text');

  const tooLarge = await postForm(ann, '/c/new/messages', { text: 'Big one' }, [{ name: 'huge.pdf', bytes: Buffer.concat([PDF, Buffer.alloc(4.5 * 1024 * 1024)]) }]);
  t.equal(tooLarge.status, 400);
  t.match(tooLarge.body, /“huge\.pdf” is larger than 4\.5 MB/);
  t.match(tooLarge.body, />Big one<\/textarea>/);
});

t.test('a plain multipart post without the form token is refused before any file goes on', async (t) => {
  await ann.get('/c/new');
  const form = new FormData();
  form.append('text', 'Forged');
  form.append('files', new Blob([PNG as Uint8Array<ArrayBuffer>]), 'forged.png');
  const response = await fetch(`${stack.url}/c/new/messages`, { method: 'POST', headers: { cookie: cookieHeader(ann.jar), origin: stack.url }, body: form, redirect: 'manual' });
  t.equal(response.status, 403);
  t.match(await response.text(), /missing its security token/);
});

t.test('multipart is taken only by the message forms', async (t) => {
  await ann.get('/c/new');
  const form = new FormData();
  form.append('_csrf', ann.token);
  form.append('title', 'x');
  const response = await fetch(`${stack.url}/theme`, { method: 'POST', headers: { cookie: cookieHeader(ann.jar), origin: stack.url }, body: form });
  t.equal(response.status, 415);
});

t.test('a shared snapshot serves nothing for a link that does not exist', async (t) => {
  const missing = await read(ann, `/share/${'a'.repeat(43)}/attachments/${'b'.repeat(20)}`);
  t.equal(missing.status, 404);
  const malformed = await read(ann, '/share/short/attachments/x');
  t.equal(malformed.status, 404);
});
