// Uploading, reading and removing attachments: the real S3 client against
// the S3 stand-in, the real DynamoDB client against dynalite.
import t from 'tap';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { startS3 } from '@homeagent/local/s3';
import { ATTACHMENT_HEADER, type Attachment } from '@homeagent/contract';
import { buildAgent, registerUser, startStandIns } from '../../helper.js';

t.setTimeout(120_000);

const BUCKET = 'homeagent-attachments';
const standIns = await startStandIns(t);
const s3 = await startS3({ buckets: [BUCKET] });
t.teardown(() => s3.close());
process.env.AWS_ENDPOINT_URL_S3 = s3.url;
const agent = await buildAgent(t, standIns, { ATTACHMENTS_BUCKET: BUCKET, AWS_ENDPOINT_URL_S3: s3.url });
const alice = await registerUser(agent);
const bob = await registerUser(agent);

const pngBytes = (w: number, h: number) =>
  Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]),
    Buffer.from('IHDR'),
    Buffer.from([(w >>> 24) & 255, (w >>> 16) & 255, (w >>> 8) & 255, w & 255, (h >>> 24) & 255, (h >>> 16) & 255, (h >>> 8) & 255, h & 255]),
    Buffer.alloc(200, 7),
  ]);
const pdfBytes = Buffer.from('%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n');

function upload(userId: string, bytes: Buffer, name: string, contentType = 'application/octet-stream') {
  return agent.call('POST', '/v1/attachments', {
    userId,
    body: bytes,
    headers: { 'content-type': contentType, 'x-file-name': encodeURIComponent(name) },
  });
}

async function attachmentItems(userId: string): Promise<Record<string, unknown>[]> {
  const out = await agent.app.dynamo.send(
    new QueryCommand({
      TableName: standIns.dynamo.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':sk': 'ATTACHMENT#' },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}
const filesOf = (userId: string) => s3.store.keys(BUCKET).filter((k) => k.startsWith(`attachments/${userId}/`));

t.test('a photo and a PDF are stored in S3, described in the table, and read back by their owner', async (t) => {
  const photo = await upload(alice.id, pngBytes(1200, 800), 'Rash on the arm.png');
  t.equal(photo.statusCode, 201, photo.body);
  const a = photo.json().attachment as Attachment;
  t.match(a, { kind: 'image', format: 'png', mediaType: 'image/png', name: 'Rash on the arm.png', width: 1200, height: 800 });
  t.equal(a.sizeBytes, pngBytes(1200, 800).length);
  const pdf = (await upload(alice.id, pdfBytes, 'Bank letter.pdf')).json().attachment as Attachment;
  t.match(pdf, { kind: 'document', format: 'pdf', mediaType: 'application/pdf' });

  t.same(filesOf(alice.id).sort(), [`attachments/${alice.id}/${a.id}`, `attachments/${alice.id}/${pdf.id}`].sort(), 'the files are in the bucket under the owner');
  const items = await attachmentItems(alice.id);
  t.equal(items.length, 2);
  t.notOk(items.some((i) => 'data' in i || 'bytes' in i), 'the table holds only metadata');
  t.ok(items.every((i) => i.state === 'pending' && typeof i.expiresAt === 'number'), 'pending until a message uses them');

  const got = await agent.call('GET', `/v1/attachments/${a.id}`, { userId: alice.id });
  t.equal(got.statusCode, 200);
  t.equal(got.headers['content-type'], 'image/png');
  t.same(got.rawPayload, pngBytes(1200, 800), 'the same bytes');
  t.match(JSON.parse(decodeURIComponent(String(got.headers[ATTACHMENT_HEADER]))), { id: a.id, name: 'Rash on the arm.png' });
});

t.test('the type comes from the bytes: a forged name or content type changes nothing', async (t) => {
  const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(100)]);
  const forged = await upload(alice.id, exe, 'homework.pdf');
  t.equal(forged.statusCode, 400);
  t.equal(forged.json().code, 'unsupported_file');
  t.match(forged.json().message, /“homework\.pdf” is not a kind of file Claude can read/);
  const svg = await upload(alice.id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'logo.png');
  t.equal(svg.json().code, 'unsupported_file', 'SVG is refused, whatever its name');
  const renamed = (await upload(alice.id, pdfBytes, 'photo.jpg')).json().attachment as Attachment;
  t.equal(renamed.mediaType, 'application/pdf', 'a PDF called .jpg is a PDF');
  await agent.call('DELETE', `/v1/attachments/${renamed.id}`, { userId: alice.id });
});

t.test('too large, too many pixels, empty, wrong body type: a clear 4xx, nothing stored', async (t) => {
  const before = { files: filesOf(bob.id).length, items: (await attachmentItems(bob.id)).length };
  const bigDoc = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(4.5 * 1024 * 1024)]);
  const tooBig = await upload(bob.id, bigDoc, 'scan.pdf');
  t.equal(tooBig.statusCode, 400);
  t.equal(tooBig.json().code, 'file_too_large');
  t.match(tooBig.json().message, /“scan\.pdf” is 4\.5 MB; a document can be at most 4\.5 MB/);
  const bigImage = Buffer.concat([pngBytes(10, 10), Buffer.alloc(4 * 1024 * 1024)]);
  t.equal((await upload(bob.id, bigImage, 'huge.png')).json().code, 'file_too_large', 'a photo over 3.75 MB');
  const wide = await upload(bob.id, pngBytes(9000, 100), 'panorama.png');
  t.equal(wide.json().code, 'image_too_large');
  t.match(wide.json().message, /9000 × 100 pixels; a photo can be at most 8000 × 8000/);
  t.equal((await upload(bob.id, Buffer.alloc(0), 'nothing.txt')).json().code, 'empty_file');
  const past = await upload(bob.id, Buffer.alloc(10 * 1024 * 1024, 1), 'past-the-limit.bin');
  t.equal(past.statusCode, 413, 'past the largest allowed file the body is refused unread');
  const json = await agent.call('POST', '/v1/attachments', { userId: bob.id, body: { x: 1 } });
  t.equal(json.statusCode, 415);
  t.same({ files: filesOf(bob.id).length, items: (await attachmentItems(bob.id)).length }, before, 'no file, no item');
});

t.test("someone else's attachment is not there for them: read or delete", async (t) => {
  const mine = (await upload(alice.id, pdfBytes, 'private.pdf')).json().attachment as Attachment;
  const read = await agent.call('GET', `/v1/attachments/${mine.id}`, { userId: bob.id });
  t.equal(read.statusCode, 404);
  t.equal(read.json().code, 'not_found');
  t.equal((await agent.call('DELETE', `/v1/attachments/${mine.id}`, { userId: bob.id })).statusCode, 404);
  t.ok(filesOf(alice.id).includes(`attachments/${alice.id}/${mine.id}`), 'still there for its owner');
  t.equal((await agent.call('GET', '/v1/attachments/not-an-id!', { userId: alice.id })).statusCode, 400);
});

t.test('removing a pending upload removes its file; one a message uses cannot be removed alone', async (t) => {
  const a = (await upload(alice.id, pdfBytes, 'draft.pdf')).json().attachment as Attachment;
  t.equal((await agent.call('DELETE', `/v1/attachments/${a.id}`, { userId: alice.id })).statusCode, 204);
  t.notOk(filesOf(alice.id).includes(`attachments/${alice.id}/${a.id}`), 'file gone');
  t.equal((await agent.call('GET', `/v1/attachments/${a.id}`, { userId: alice.id })).statusCode, 404, 'item gone');
  const sent = (await upload(alice.id, pdfBytes, 'sent.pdf')).json().attachment as Attachment;
  t.ok(await agent.app.attachments.markSent(alice.id, sent.id));
  t.notOk(await agent.app.attachments.markSent(alice.id, sent.id), 'used once only');
  const refused = await agent.call('DELETE', `/v1/attachments/${sent.id}`, { userId: alice.id });
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().code, 'attachment_in_use');
});

t.test('an expired pending upload reads as absent and cannot be used', async (t) => {
  const a = (await upload(alice.id, pdfBytes, 'old.pdf')).json().attachment as Attachment;
  const dayLater = Date.now() + 25 * 60 * 60 * 1000;
  t.equal(await agent.app.attachments.get(alice.id, a.id, dayLater), undefined);
  t.notOk(await agent.app.attachments.markSent(alice.id, a.id, dayLater));
});

t.test("purging a person's files empties their prefix and their items", async (t) => {
  const ids = await agent.app.attachments.listFileIds(alice.id);
  t.ok(ids.length >= 3);
  await agent.app.attachments.purge(alice.id, ids);
  t.same(filesOf(alice.id), []);
  t.same(await attachmentItems(alice.id), []);
});
