/**
 * Attachments: the file in S3 under `attachments/<userId>/<attachmentId>`,
 * and an item beside the person (`USER#<id>` / `ATTACHMENT#<id>`) that
 * describes it. An upload is `pending` until a message uses it, and a
 * pending one expires after a day (TTL; read as absent once expired, since
 * dynalite sweeps nothing). A message keeps the descriptions it was sent
 * with, so a conversation's files are found from its messages.
 */
import fp from 'fastify-plugin';
import { DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Attachment } from '@homeagent/contract';
import { conditionally, nowSeconds, queryAll } from '../external/dynamodb.js';

export const PENDING_TTL_SECONDS = 24 * 60 * 60;

export interface AttachmentRecord extends Attachment {
  userId: string;
  state: 'pending' | 'sent';
  /** epoch seconds (DynamoDB TTL) while pending */
  expiresAt?: number;
}

const itemKey = (userId: string, id: string) => ({ pk: `USER#${userId}`, sk: `ATTACHMENT#${id}` });
export const objectKey = (userId: string, id: string) => `attachments/${userId}/${id}`;

export class AttachmentsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly s3: S3Client,
    private readonly table: string,
    private readonly bucket: string,
  ) {}

  /** Stores the file first, then its item: a failure leaves no item pointing at nothing. */
  async create(record: Omit<AttachmentRecord, 'state' | 'expiresAt'>, bytes: Uint8Array, now = Date.now()): Promise<AttachmentRecord> {
    const key = objectKey(record.userId, record.id);
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: bytes,
        ContentType: record.mediaType,
        // The bucket is private, but a file fetched from it directly should still never render.
        ContentDisposition: 'attachment',
        Metadata: { owner: record.userId },
      }),
    );
    const item: AttachmentRecord = { ...record, state: 'pending', expiresAt: nowSeconds(now) + PENDING_TTL_SECONDS };
    try {
      await this.doc.send(new PutCommand({ TableName: this.table, Item: { ...itemKey(record.userId, record.id), ...item } }));
    } catch (error) {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })).catch(() => undefined);
      throw error;
    }
    return item;
  }

  async get(userId: string, id: string, now = Date.now()): Promise<AttachmentRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: itemKey(userId, id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    const attachment = record as AttachmentRecord;
    if (attachment.state === 'pending' && attachment.expiresAt !== undefined && attachment.expiresAt <= nowSeconds(now)) return undefined;
    return attachment;
  }

  async bytes(userId: string, id: string): Promise<Uint8Array> {
    const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey(userId, id) }));
    return out.Body!.transformToByteArray();
  }

  /** Marks a pending, unexpired upload as sent with a message; false when it is gone or already used. */
  async markSent(userId: string, id: string, now = Date.now()): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: itemKey(userId, id),
        UpdateExpression: 'SET #state = :sent REMOVE expiresAt',
        ConditionExpression: '#state = :pending AND expiresAt > :now',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':pending': 'pending', ':now': nowSeconds(now) },
      }),
    );
  }

  /** Undoes `markSent` for a send that failed after it: pending again, for another day. */
  async restorePending(userId: string, id: string, now = Date.now()): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: itemKey(userId, id),
        UpdateExpression: 'SET #state = :pending, expiresAt = :until',
        ConditionExpression: '#state = :sent',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':sent': 'sent', ':pending': 'pending', ':until': nowSeconds(now) + PENDING_TTL_SECONDS },
      }),
    );
  }

  /** Every attachment item a person has (pending or sent), for removing an account. */
  async listItemIds(userId: string): Promise<string[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':sk': 'ATTACHMENT#' },
      ProjectionExpression: 'sk',
      ConsistentRead: true,
    });
    return items.map((item) => String(item.sk).slice('ATTACHMENT#'.length));
  }

  /** Removes a pending upload and its file; false when it is not pending. */
  async deletePending(userId: string, id: string): Promise<boolean> {
    const deleted = await conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: itemKey(userId, id),
        ConditionExpression: '#state = :pending',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':pending': 'pending' },
      }),
    );
    if (deleted) await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: objectKey(userId, id) }));
    return deleted;
  }

  /** Files first, then items: a purge cut short is finished by running it again. */
  async purge(userId: string, ids: string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 1000) {
      const batch = ids.slice(i, i + 1000);
      await this.s3.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((id) => ({ Key: objectKey(userId, id) })), Quiet: true } }));
    }
    for (const id of ids) await this.doc.send(new DeleteCommand({ TableName: this.table, Key: itemKey(userId, id) }));
  }

  /** Every file a person has in the bucket (for removing an account). */
  async listFileIds(userId: string): Promise<string[]> {
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `attachments/${userId}/`, ContinuationToken: token }));
      for (const o of out.Contents ?? []) ids.push(o.Key!.slice(`attachments/${userId}/`.length));
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return ids;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    attachments: AttachmentsRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('attachments', new AttachmentsRepository(app.dynamo, app.s3, app.config.tableName, app.config.attachmentsBucket));
  },
  { name: 'attachments-repository', dependencies: ['dynamodb', 's3', 'config'] },
);

/** What the contract shows of an attachment. */
export function toAttachment(record: AttachmentRecord): Attachment {
  const { userId: _u, state: _s, expiresAt: _e, ...attachment } = record;
  return attachment;
}
