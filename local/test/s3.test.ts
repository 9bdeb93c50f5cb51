// The S3 stand-in against the real @aws-sdk/client-s3: every call the
// agent's attachment storage makes, with S3's answers and errors.
import t from 'tap';
import { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { startS3 } from '../src/s3.js';

t.setTimeout(60_000);

const BUCKET = 'homeagent-attachments';

function clientOf(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

const s3 = await startS3({ buckets: [BUCKET] });
t.teardown(() => s3.close());
const client = clientOf(s3.url);
t.teardown(() => client.destroy());

t.test('put, head, get and delete an object with its type, disposition and metadata', async (t) => {
  const body = Buffer.from('%PDF-1.7 a letter from the bank');
  await client.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: 'attachments/u1/c1/a1',
      Body: body,
      ContentType: 'application/pdf',
      ContentDisposition: 'attachment; filename="letter.pdf"',
      Metadata: { owner: 'u1' },
    }),
  );
  const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'attachments/u1/c1/a1' }));
  t.equal(head.ContentLength, body.length);
  t.equal(head.ContentType, 'application/pdf');
  t.same(head.Metadata, { owner: 'u1' });
  const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/u1/c1/a1' }));
  t.same(Buffer.from(await got.Body!.transformToByteArray()), body, 'the same bytes come back');
  t.equal(got.ContentDisposition, 'attachment; filename="letter.pdf"');
  t.match(got.ETag, /^"[0-9a-f]{32}"$/);
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'attachments/u1/c1/a1' }));
  await t.rejects(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'attachments/u1/c1/a1' })), NoSuchKey, 'gone after the delete');
  await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'attachments/u1/c1/a1' }));
  t.pass('deleting a missing key succeeds, as in S3');
});

t.test('a streamed upload (aws-chunked with a trailing checksum) is stored decoded', async (t) => {
  const parts = [Buffer.alloc(70_000, 1), Buffer.alloc(30_000, 2)];
  await client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed', Body: Readable.from(parts), ContentLength: 100_000, ContentType: 'image/png' }),
  );
  t.ok(s3.requests.some((r) => r.startsWith('PUT /homeagent-attachments/streamed') && r.endsWith('[aws-chunked]')), 'the SDK sent it aws-chunked');
  t.same(s3.store.get(BUCKET, 'streamed').data, Buffer.concat(parts), 'exactly the bytes sent, no chunk framing');
});

t.test('list by prefix, in pages, and delete many at once', async (t) => {
  for (const k of ['attachments/u2/c1/a', 'attachments/u2/c1/b', 'attachments/u2/c2/c', 'attachments/u3/c1/d']) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: Buffer.from(k) }));
  }
  const first = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'attachments/u2/', MaxKeys: 2 }));
  t.same(first.Contents?.map((c) => c.Key), ['attachments/u2/c1/a', 'attachments/u2/c1/b']);
  t.equal(first.IsTruncated, true);
  const second = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'attachments/u2/', ContinuationToken: first.NextContinuationToken }));
  t.same(second.Contents?.map((c) => c.Key), ['attachments/u2/c2/c']);
  t.equal(second.IsTruncated, false);
  const deleted = await client.send(
    new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'attachments/u2/c1/a' }, { Key: 'attachments/u2/c2/c' }] } }),
  );
  t.same(deleted.Deleted?.map((d) => d.Key).sort(), ['attachments/u2/c1/a', 'attachments/u2/c2/c']);
  t.same(s3.store.keys(BUCKET).filter((k) => k.startsWith('attachments/u')), ['attachments/u2/c1/b', 'attachments/u3/c1/d'], 'only the others are left');
});

t.test('a multipart upload completes into one object; an aborted one leaves nothing', async (t) => {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'big', ContentType: 'application/pdf' }));
  t.ok(UploadId);
  const a = Buffer.alloc(5 * 1024 * 1024, 'a');
  const b = Buffer.from('the end');
  const p1 = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'big', UploadId, PartNumber: 1, Body: a }));
  const p2 = await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'big', UploadId, PartNumber: 2, Body: b }));
  t.same(s3.store.uploadsInProgress(BUCKET).map((u) => u.key), ['big'], 'in progress until completed');
  const done = await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: BUCKET,
      Key: 'big',
      UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag }, { PartNumber: 2, ETag: p2.ETag }] },
    }),
  );
  t.match(done.ETag, /-2"$/, "S3's multipart ETag names the part count");
  t.same(s3.store.get(BUCKET, 'big').data, Buffer.concat([a, b]));
  t.equal(s3.store.get(BUCKET, 'big').contentType, 'application/pdf');
  t.same(s3.store.uploadsInProgress(BUCKET), []);

  const other = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'abandoned' }));
  await client.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'abandoned', UploadId: other.UploadId, PartNumber: 1, Body: b }));
  await client.send(new AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'abandoned', UploadId: other.UploadId }));
  t.same(s3.store.uploadsInProgress(BUCKET), []);
  t.notOk(s3.store.keys(BUCKET).includes('abandoned'));
  const wrong = await client.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: 'abandoned', UploadId: other.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })).catch((e: unknown) => e);
  t.equal((wrong as S3ServiceException).name, 'NoSuchUpload');
});

t.test("S3's errors: an unknown bucket, a bad Content-MD5", async (t) => {
  const missing = await client.send(new GetObjectCommand({ Bucket: 'nope', Key: 'x' })).catch((e: unknown) => e);
  t.equal((missing as S3ServiceException).name, 'NoSuchBucket');
  t.equal((missing as S3ServiceException).$metadata.httpStatusCode, 404);
  await t.rejects(client.send(new HeadBucketCommand({ Bucket: 'nope' })), 'HeadBucket of an unknown bucket fails');
  await client.send(new HeadBucketCommand({ Bucket: BUCKET }));
  const bad = await fetch(`${s3.url}/${BUCKET}/md5`, { method: 'PUT', body: 'abc', headers: { 'content-md5': Buffer.alloc(16).toString('base64') } });
  t.equal(bad.status, 400);
  t.match(await bad.text(), /<Code>BadDigest<\/Code>/);
  t.notOk(s3.store.keys(BUCKET).includes('md5'), 'nothing stored');
});

t.test('with a data folder, objects survive a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 's3-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const first = await startS3({ buckets: [BUCKET], dataDir: dir });
  const c1 = clientOf(first.url);
  await c1.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'kept/ü 1', Body: Buffer.from('photo'), ContentType: 'image/jpeg' }));
  c1.destroy();
  await first.close();
  const second = await startS3({ dataDir: dir });
  t.teardown(() => second.close());
  const c2 = clientOf(second.url);
  t.teardown(() => c2.destroy());
  const got = await c2.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'kept/ü 1' }));
  t.equal(await got.Body!.transformToString(), 'photo');
  t.equal(got.ContentType, 'image/jpeg');
});
