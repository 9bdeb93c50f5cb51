/**
 * What the S3 stand-in keeps: buckets, objects (bytes, content type and
 * disposition, user metadata) and multipart uploads in progress. Held in
 * memory and, when given a folder, written through to it (one data file and
 * one JSON file per object, named by the SHA-256 of the key) and read back
 * at start, so `npm start` keeps attachments across restarts.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ObjectMeta {
  contentType?: string;
  contentDisposition?: string;
  /** `x-amz-meta-*` headers, names without the prefix */
  metadata: Record<string, string>;
}

export interface StoredObject extends ObjectMeta {
  key: string;
  data: Buffer;
  etag: string;
  lastModified: Date;
}

interface Upload {
  bucket: string;
  key: string;
  meta: ObjectMeta;
  parts: Map<number, { data: Buffer; etag: string }>;
}

export class S3StoreError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3StoreError';
  }
}

const md5 = (data: Buffer) => createHash('md5').update(data).digest('hex');
const fileName = (key: string) => createHash('sha256').update(key).digest('hex');

export class S3Store {
  private readonly buckets = new Map<string, Map<string, StoredObject>>();
  private readonly uploads = new Map<string, Upload>();

  constructor(private readonly dir?: string) {
    if (dir) this.load(dir);
  }

  private load(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const bucket of readdirSync(dir)) {
      const objects = new Map<string, StoredObject>();
      this.buckets.set(bucket, objects);
      for (const file of readdirSync(join(dir, bucket)).filter((f) => f.endsWith('.json'))) {
        const meta = JSON.parse(readFileSync(join(dir, bucket, file), 'utf8')) as Omit<StoredObject, 'data' | 'lastModified'> & { lastModified: string };
        const data = readFileSync(join(dir, bucket, file.replace(/\.json$/, '.bin')));
        objects.set(meta.key, { ...meta, data, lastModified: new Date(meta.lastModified) });
      }
    }
  }

  private objects(bucket: string): Map<string, StoredObject> {
    const objects = this.buckets.get(bucket);
    if (!objects) throw new S3StoreError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    return objects;
  }

  createBucket(bucket: string): void {
    if (this.buckets.has(bucket)) return;
    this.buckets.set(bucket, new Map());
    if (this.dir) mkdirSync(join(this.dir, bucket), { recursive: true });
  }

  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  put(bucket: string, key: string, data: Buffer, meta: ObjectMeta, etag = md5(data)): StoredObject {
    const objects = this.objects(bucket);
    const object: StoredObject = { key, data, etag, lastModified: new Date(), ...meta };
    objects.set(key, object);
    if (this.dir) {
      const base = join(this.dir, bucket, fileName(key));
      writeFileSync(`${base}.bin`, data);
      const { data: _data, ...rest } = object;
      writeFileSync(`${base}.json`, JSON.stringify(rest));
    }
    return object;
  }

  get(bucket: string, key: string): StoredObject {
    const object = this.objects(bucket).get(key);
    if (!object) throw new S3StoreError(404, 'NoSuchKey', 'The specified key does not exist.');
    return object;
  }

  /** S3 answers a delete of a missing key with success too. */
  delete(bucket: string, key: string): void {
    const objects = this.objects(bucket);
    if (!objects.delete(key) || !this.dir) return;
    const base = join(this.dir, bucket, fileName(key));
    rmSync(`${base}.bin`, { force: true });
    rmSync(`${base}.json`, { force: true });
  }

  /** Keys in UTF-8 binary order, as S3 lists them. */
  list(bucket: string, prefix: string, startAfter: string, maxKeys: number): { objects: StoredObject[]; truncated: boolean } {
    const keys = [...this.objects(bucket).keys()].filter((k) => k.startsWith(prefix) && k > startAfter).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const objects = keys.slice(0, maxKeys).map((k) => this.get(bucket, k));
    return { objects, truncated: keys.length > maxKeys };
  }

  createUpload(bucket: string, key: string, meta: ObjectMeta): string {
    this.objects(bucket);
    const uploadId = randomUUID().replaceAll('-', '');
    this.uploads.set(uploadId, { bucket, key, meta, parts: new Map() });
    return uploadId;
  }

  private upload(bucket: string, key: string, uploadId: string): Upload {
    const upload = this.uploads.get(uploadId);
    if (!upload || upload.bucket !== bucket || upload.key !== key) {
      throw new S3StoreError(404, 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
    }
    return upload;
  }

  uploadPart(bucket: string, key: string, uploadId: string, partNumber: number, data: Buffer): string {
    const etag = md5(data);
    this.upload(bucket, key, uploadId).parts.set(partNumber, { data, etag });
    return etag;
  }

  completeUpload(bucket: string, key: string, uploadId: string, parts: { partNumber: number; etag: string }[]): StoredObject {
    const upload = this.upload(bucket, key, uploadId);
    let previous = 0;
    const chunks: Buffer[] = [];
    const digests: Buffer[] = [];
    for (const { partNumber, etag } of parts) {
      const part = upload.parts.get(partNumber);
      if (partNumber <= previous) throw new S3StoreError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
      if (!part || part.etag !== etag.replaceAll('"', '')) throw new S3StoreError(400, 'InvalidPart', 'One or more of the specified parts could not be found.');
      previous = partNumber;
      chunks.push(part.data);
      digests.push(Buffer.from(part.etag, 'hex'));
    }
    this.uploads.delete(uploadId);
    // S3's multipart ETag: the MD5 of the parts' MD5s, and their count.
    return this.put(bucket, key, Buffer.concat(chunks), upload.meta, `${md5(Buffer.concat(digests))}-${parts.length}`);
  }

  abortUpload(bucket: string, key: string, uploadId: string): void {
    this.upload(bucket, key, uploadId);
    this.uploads.delete(uploadId);
  }

  /** Multipart uploads neither completed nor aborted (a lifecycle rule would remove them). */
  uploadsInProgress(bucket: string): { key: string; uploadId: string }[] {
    return [...this.uploads.entries()].filter(([, u]) => u.bucket === bucket).map(([uploadId, u]) => ({ key: u.key, uploadId }));
  }

  /** For tests: every key in a bucket. */
  keys(bucket: string): string[] {
    return [...this.objects(bucket).keys()].sort();
  }
}
