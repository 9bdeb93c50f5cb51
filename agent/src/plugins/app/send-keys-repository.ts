/**
 * The idempotency keys of sends (contract: send-retry.ts): one item per key
 * under the person (`USER#<id>`, `SEND#<key>`), written with a conditional
 * put before the send writes its messages and naming the ids it will write,
 * so a second attempt with the same key finds the first one's messages
 * instead of starting another reply. Kept a day (`ttl`).
 */
import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionally, isConditionFailed, nowSeconds, putNew, queryItems } from '../external/dynamodb.js';

export const SEND_KEY_TTL_S = 24 * 3_600;

export interface SendKeyRecord {
  userId: string;
  key: string;
  conversationId: string;
  userMessageId: string;
  assistantId: string;
  /** a hash of what was asked: the same key with another request is refused */
  fingerprint: string;
  /** until when (epoch ms) the attempt holding the key may still be writing its messages */
  pendingUntil: number;
  ttl: number;
}

const sendKey = (userId: string, key: string) => ({ pk: `USER#${userId}`, sk: `SEND#${key}` });

/** How often a claim is tried when the key is released between our write and our read. */
const CLAIM_ATTEMPTS = 3;

export class SendKeysRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Holds the key for this attempt (undefined), or hands back the record of the attempt that holds it. */
  async claim(record: SendKeyRecord): Promise<SendKeyRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        // putNew accepts the SDK's own second attempt of this very write (its first answer came late).
        await putNew(this.doc, this.table, { ...sendKey(record.userId, record.key), ...record });
        return undefined;
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
      const holder = await this.get(record.userId, record.key);
      if (holder || attempt >= CLAIM_ATTEMPTS) return holder ?? record;
    }
  }

  async get(userId: string, key: string): Promise<SendKeyRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: sendKey(userId, key), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as SendKeyRecord;
  }

  /** Takes over the key of an attempt that is gone (it never wrote its messages); false when another got there first. */
  async takeOver(record: SendKeyRecord, gone: SendKeyRecord): Promise<boolean> {
    return conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: { ...sendKey(record.userId, record.key), ...record },
        // Our own earlier attempt of this write (a late answer) counts as ours.
        ConditionExpression: 'userMessageId = :gone OR userMessageId = :mine',
        ExpressionAttributeValues: { ':gone': gone.userMessageId, ':mine': record.userMessageId },
      }),
    );
  }

  /** Gives the key back after a send failed before writing its messages, so sending again starts afresh. */
  async release(userId: string, key: string, userMessageId: string): Promise<void> {
    await conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: sendKey(userId, key),
        ConditionExpression: 'userMessageId = :mine',
        ExpressionAttributeValues: { ':mine': userMessageId },
      }),
    );
  }

  /** Account removal: every key of the person. */
  async purgeAllOf(userId: string): Promise<void> {
    const keys = queryItems(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :send)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':send': 'SEND#' },
      ProjectionExpression: 'pk, sk',
      ConsistentRead: true,
    });
    for await (const item of keys) await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: item.pk as string, sk: item.sk as string } }));
  }
}

export function sendKeyTtl(now = Date.now()): number {
  return nowSeconds(now) + SEND_KEY_TTL_S;
}

declare module 'fastify' {
  interface FastifyInstance {
    sendKeys: SendKeysRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('sendKeys', new SendKeysRepository(app.dynamo, app.config.tableName));
  },
  { name: 'send-keys-repository', dependencies: ['dynamodb'] },
);
