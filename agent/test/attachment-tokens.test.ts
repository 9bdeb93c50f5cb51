import t from 'tap';
import type { Message as BedrockMessage } from '@aws-sdk/client-bedrock-runtime';
import type { Attachment } from '@homeagent/contract';
import { attachmentTokens, planAttachments, REQUEST_ATTACHMENT_LIMITS } from '../src/attachment-tokens.js';
import { withAttachmentBlocks } from '../src/attachment-blocks.js';
import { planContext } from '../src/conversation-context.js';

let n = 0;
const image = (w = 1000, h = 750, sizeBytes = 1000): Attachment => ({ id: `img${++n}xxxxxxxx`, kind: 'image', format: 'png', mediaType: 'image/png', name: `photo ${n}.png`, sizeBytes, width: w, height: h, createdAt: '2026-12-01T00:00:00Z' });
const doc = (name: string, sizeBytes = 4000): Attachment => ({ id: `doc${++n}xxxxxxxx`, kind: 'document', format: 'pdf', mediaType: 'application/pdf', name, sizeBytes, createdAt: '2026-12-01T00:00:00Z' });

t.test('an image costs its pixels / 750 after scaling, a document its bytes', async (t) => {
  t.equal(attachmentTokens(image(1000, 750)) - attachmentTokens(image(1, 1)), 1000 - 1, 'pixels / 750');
  t.ok(attachmentTokens(image(4000, 4000)) < 3300 + 20, 'scaled to 1568 px first');
  t.equal(attachmentTokens(doc('x', 8000)), 1000);
});

t.test('the newest files always go; older ones newest first while tokens, counts and bytes allow', async (t) => {
  const old1 = image();
  const old2 = image();
  const fresh = image();
  const one = attachmentTokens(old1);
  const plan = planAttachments([[old1], [], [old2], [], [fresh]], new Set([fresh.id]), one + 5);
  t.same(plan.kept.map((k) => k.map((a) => a.id)), [[], [], [old2.id], [], [fresh.id]], 'room for one older photo: the newer one');
  t.equal(plan.leftOut, 1);
  t.equal(plan.tokens, 2 * one);

  const many = Array.from({ length: 25 }, () => image(10, 10));
  const counted = planAttachments([many.slice(0, 15), [], many.slice(15)], new Set(many.slice(15).map((a) => a.id)), 1e9);
  t.equal(counted.kept.flat().length, REQUEST_ATTACHMENT_LIMITS.images, 'at most 20 images in a request');
  t.same(counted.kept[0]!.map((a) => a.id), many.slice(5, 15).map((a) => a.id), 'the oldest go first');

  const docs = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => doc(x));
  t.equal(planAttachments([docs.slice(0, 3), [], docs.slice(3)], new Set(docs.slice(3).map((d) => d.id)), 1e9).kept.flat().length, 5, 'at most 5 documents');

  const heavy = [doc('h1', 9 * 1024 * 1024), doc('h2', 9 * 1024 * 1024)];
  t.equal(planAttachments([[heavy[0]!], [], [heavy[1]!]], new Set([heavy[1]!.id]), 1e9).kept.flat().length, 1, 'the bytes of a request are bounded');
});

t.test('the context plan carries each turn its files, joined turns too', async (t) => {
  const a = image();
  const b = doc('b');
  const plan = planContext(
    [
      { role: 'user', text: 'q1', state: 'complete', attachments: [a] },
      { role: 'assistant', text: '', state: 'error' },
      { role: 'user', text: 'q2', state: 'complete', attachments: [b] },
    ],
    'q3',
    { limit: 50 },
  );
  t.equal(plan.messages.length, 1, 'the user turns are joined');
  t.same(plan.attachments.map((k) => k.map((x) => x.id)), [[a.id, b.id]]);
});

t.test('blocks: files before the text, photos labelled, document names sanitized and unique, only kept files read', async (t) => {
  const photo = image(10, 10);
  const d1 = doc('Report.pdf');
  const d2 = doc('report.docx');
  const skipped = image(10, 10);
  const messages: BedrockMessage[] = [
    { role: 'user', content: [{ text: 'first' }] },
    { role: 'assistant', content: [{ text: 'ok' }] },
    { role: 'user', content: [{ text: 'second' }] },
  ];
  const read: string[] = [];
  const out = await withAttachmentBlocks(messages, [[d1], [skipped], [photo, d2]], async (a) => {
    read.push(a.id);
    return new Uint8Array([1, 2, 3]);
  });
  t.same(read.sort(), [d1.id, photo.id, d2.id].sort(), 'an assistant turn carries no files, and nothing else is read');
  t.match(out[0]!.content, [{ document: { format: 'pdf', name: 'Report' } }, { text: 'first' }]);
  t.same(out[1], messages[1]);
  t.match(out[2]!.content, [{ text: `Photo 1: ${photo.name}` }, { image: { format: 'png' } }, { document: { name: 'report (2)' } }, { text: 'second' }]);
  const gone = await withAttachmentBlocks(messages, [[d1], [], []], async () => undefined);
  t.same(gone[0], messages[0], 'a file that cannot be read is left out');
});
