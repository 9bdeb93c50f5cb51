/**
 * An S3 stand-in that speaks the REST protocol the real `@aws-sdk/client-s3`
 * uses with path-style addressing (`forcePathStyle: true`), so the agent's
 * attachment storage runs unmodified against it via `AWS_ENDPOINT_URL_S3`.
 * It answers what HomeAgent calls: CreateBucket, HeadBucket, PutObject,
 * GetObject, HeadObject, DeleteObject, DeleteObjects, ListObjectsV2 and the
 * multipart upload calls, with S3's XML error bodies. Signatures are not
 * checked: any credentials do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createHash, randomUUID } from 'node:crypto';
import { ChunkedBodyError, decodeAwsChunked } from './aws-chunked.js';
import { closeServer, listen } from './local-server.js';
import { S3Store, S3StoreError, type ObjectMeta, type StoredObject } from './s3-store.js';

export { S3Store } from './s3-store.js';

export interface S3Options {
  /** buckets to create at start */
  buckets?: string[];
  /** keep objects here (and read them back at start); default in memory only */
  dataDir?: string;
  /** default 127.0.0.1 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
}

export interface LocalS3 {
  /** e.g. `http://127.0.0.1:41234`: the value for AWS_ENDPOINT_URL_S3 */
  url: string;
  store: S3Store;
  /** each request as `METHOD /bucket/key?query`, in order; ` [aws-chunked]` marks a chunk-encoded upload */
  readonly requests: string[];
  close(): Promise<void>;
}

/** S3's own cap on a single PUT is 5 GiB; the stand-in keeps a local machine safe. */
export const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OBJECT_BYTES * 1.1) {
        reject(new S3StoreError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The object's bytes, decoding aws-chunked uploads and checking a Content-MD5 when given. */
async function payload(req: IncomingMessage): Promise<Buffer> {
  const raw = await readBody(req);
  const encoding = req.headers['content-encoding'] ?? '';
  const sha = String(req.headers['x-amz-content-sha256'] ?? '');
  const data = encoding.split(',').map((e) => e.trim()).includes('aws-chunked') || sha.startsWith('STREAMING-') ? decodeAwsChunked(raw).data : raw;
  const declared = req.headers['x-amz-decoded-content-length'];
  if (declared !== undefined && Number(declared) !== data.length) throw new S3StoreError(400, 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
  const md5 = req.headers['content-md5'];
  if (typeof md5 === 'string' && createHash('md5').update(data).digest('base64') !== md5) {
    throw new S3StoreError(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.');
  }
  if (data.length > MAX_OBJECT_BYTES) throw new S3StoreError(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed object size.');
  return data;
}

function metaOf(req: IncomingMessage): ObjectMeta {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice('x-amz-meta-'.length)] = value;
  }
  const contentType = req.headers['content-type'];
  const contentDisposition = req.headers['content-disposition'];
  return { metadata, ...(contentType ? { contentType } : {}), ...(contentDisposition ? { contentDisposition } : {}) };
}

function objectHeaders(object: StoredObject): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    etag: `"${object.etag}"`,
    'last-modified': object.lastModified.toUTCString(),
    'content-length': object.data.length,
    'content-type': object.contentType ?? 'application/octet-stream',
  };
  if (object.contentDisposition) headers['content-disposition'] = object.contentDisposition;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

function sendXml(res: ServerResponse, status: number, xml: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n${xml}`);
}

function listXml(bucket: string, prefix: string, maxKeys: number, result: { objects: StoredObject[]; truncated: boolean }): string {
  const contents = result.objects
    .map((o) => `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>"${o.etag}"</ETag><Size>${o.data.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  const next = result.truncated ? `<NextContinuationToken>${Buffer.from(result.objects.at(-1)!.key).toString('base64url')}</NextContinuationToken>` : '';
  return `<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${result.objects.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${result.truncated}</IsTruncated>${contents}${next}</ListBucketResult>`;
}

/** The `<Key>`s of a DeleteObjects body, or the parts of a CompleteMultipartUpload body. */
function tags(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]!.replace(/&#(\d+);|&(lt|gt|amp|quot|apos);/g, (_, n: string | undefined, e: string | undefined) => (n ? String.fromCharCode(Number(n)) : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e!]!)));
}

async function handle(store: S3Store, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://s3.local');
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  if (bucket === '') throw new S3StoreError(400, 'InvalidRequest', 'The stand-in expects path-style requests (/bucket/key).');

  if (key === '') {
    if (method === 'PUT') {
      store.createBucket(bucket);
      res.writeHead(200, { location: `/${bucket}` }).end();
    } else if (method === 'HEAD') {
      res.writeHead(store.hasBucket(bucket) ? 200 : 404).end();
    } else if (method === 'GET' && q.get('list-type') === '2') {
      const prefix = q.get('prefix') ?? '';
      const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000) || 1000, 1000);
      const token = q.get('continuation-token');
      const startAfter = token ? Buffer.from(token, 'base64url').toString() : (q.get('start-after') ?? '');
      sendXml(res, 200, listXml(bucket, prefix, maxKeys, store.list(bucket, prefix, startAfter, maxKeys)));
    } else if (method === 'POST' && q.has('delete')) {
      const keys = tags((await payload(req)).toString('utf8'), 'Key');
      for (const k of keys) store.delete(bucket, k);
      sendXml(res, 200, `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`);
    } else {
      throw new S3StoreError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    return;
  }

  const uploadId = q.get('uploadId');
  if (method === 'POST' && q.has('uploads')) {
    const id = store.createUpload(bucket, key, metaOf(req));
    sendXml(res, 200, `<InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`);
  } else if (method === 'PUT' && uploadId) {
    const partNumber = Number(q.get('partNumber'));
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > 10_000) throw new S3StoreError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive.');
    const etag = store.uploadPart(bucket, key, uploadId, partNumber, await payload(req));
    res.writeHead(200, { etag: `"${etag}"` }).end();
  } else if (method === 'POST' && uploadId) {
    const body = (await payload(req)).toString('utf8');
    const parts = tags(body, 'Part').map((p) => ({ partNumber: Number(tags(p, 'PartNumber')[0]), etag: tags(p, 'ETag')[0] ?? '' }));
    const object = store.completeUpload(bucket, key, uploadId, parts);
    sendXml(res, 200, `<CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xmlEscape(bucket)}</Bucket><Key>${xmlEscape(key)}</Key><ETag>"${object.etag}"</ETag></CompleteMultipartUploadResult>`);
  } else if (method === 'DELETE' && uploadId) {
    store.abortUpload(bucket, key, uploadId);
    res.writeHead(204).end();
  } else if (method === 'PUT') {
    const object = store.put(bucket, key, await payload(req), metaOf(req));
    res.writeHead(200, { etag: `"${object.etag}"` }).end();
  } else if (method === 'GET' || method === 'HEAD') {
    const object = store.get(bucket, key);
    res.writeHead(200, objectHeaders(object));
    res.end(method === 'GET' ? object.data : undefined);
  } else if (method === 'DELETE') {
    store.delete(bucket, key);
    res.writeHead(204).end();
  } else {
    throw new S3StoreError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  }
}

export async function startS3(opts: S3Options = {}): Promise<LocalS3> {
  const store = new S3Store(opts.dataDir);
  for (const bucket of opts.buckets ?? []) store.createBucket(bucket);
  const requests: string[] = [];

  const server = createServer((req, res) => {
    const chunked = (req.headers['content-encoding'] ?? '').includes('aws-chunked');
    requests.push(`${req.method} ${req.url}${chunked ? ' [aws-chunked]' : ''}`);
    handle(store, req, res).catch((error: unknown) => {
      const e =
        error instanceof S3StoreError ? error
        : error instanceof ChunkedBodyError ? new S3StoreError(400, error.code, error.message)
        : new S3StoreError(500, 'InternalError', 'We encountered an internal error. Please try again.');
      if (res.headersSent) return res.destroy();
      // HEAD answers carry no body.
      if (req.method === 'HEAD') return res.writeHead(e.statusCode).end();
      sendXml(res, e.statusCode, `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
    });
  });

  const { url } = await listen(server, { port: opts.port, host: opts.host });
  return {
    url,
    store,
    requests,
    close: () => closeServer(server),
  };
}
