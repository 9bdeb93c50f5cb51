/**
 * Password-reset links: an admin makes one for a person; it works once and
 * expires. Like invites and sessions, the row keeps only the hash of the token.
 */
import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newToken } from '../../id-generator.js';
import { hashToken } from '../../token-hash.js';
import { conditionally, isExpired, nowSeconds } from '../external/dynamodb.js';

export const RESET_LINK_TTL_HOURS = 24;

export interface ResetLinkRecord {
  id: string;
  userId: string;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  ttl: number;
  usedAt?: string;
}

export type ResetLinkStatus = 'usable' | 'unknown' | 'used' | 'expired';

const linkKey = (id: string) => ({ pk: `RESET#${id}`, sk: 'RESET' });
const byUserKey = (userId: string) => `USER#${userId}#RESETS`;

export class ResetLinksRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Makes a link for `userId`; the answer carries the token, which is stored nowhere. */
  async create(userId: string, createdBy: string, now = Date.now()): Promise<ResetLinkRecord & { token: string }> {
    const token = newToken();
    const expires = now + RESET_LINK_TTL_HOURS * 3_600_000;
    const record: ResetLinkRecord = {
      id: hashToken(token),
      userId,
      createdBy,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
      ttl: nowSeconds(expires),
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...linkKey(record.id), gsi1pk: byUserKey(userId), gsi1sk: `${record.createdAt}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { ...record, token };
  }

  async get(token: string): Promise<ResetLinkRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: linkKey(hashToken(token)), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as ResetLinkRecord;
  }

  static status(link: ResetLinkRecord | undefined, now = Date.now()): ResetLinkStatus {
    if (!link) return 'unknown';
    if (link.usedAt) return 'used';
    if (isExpired(link, now)) return 'expired';
    return 'usable';
  }

  /** Marks the link used; only one caller can win (conditional on unused and unexpired). */
  async consume(token: string, now = Date.now()): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: linkKey(hashToken(token)),
        UpdateExpression: 'SET usedAt = :at',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND #ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':at': new Date(now).toISOString(), ':now': nowSeconds(now) },
      }),
    );
  }

  /** Every link of a person, used and expired ones too (account removal). */
  async purgeAllOf(userId: string): Promise<void> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': byUserKey(userId) },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) await this.doc.send(new DeleteCommand({ TableName: this.table, Key: linkKey(item.id as string) }));
      start = out.LastEvaluatedKey;
    } while (start);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    resetLinks: ResetLinksRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('resetLinks', new ResetLinksRepository(app.dynamo, app.config.tableName));
  },
  { name: 'reset-links-repository', dependencies: ['dynamodb'] },
);
