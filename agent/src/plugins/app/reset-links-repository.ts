/**
 * Password-reset links: an admin makes one for a person; it works once and
 * expires. Like invites and sessions, the row keeps only the hash of the token.
 */
import { randomUUID } from 'node:crypto';
import fp from 'fastify-plugin';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { newToken } from '../../id-generator.js';
import { HashedTokenItems, type TokenStatus } from '../../hashed-token-items.js';
import { hashToken } from '../../token-hash.js';
import { nowSeconds } from '../external/dynamodb.js';

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

export type ResetLinkStatus = TokenStatus;

const byUserKey = (userId: string) => `USER#${userId}#RESETS`;

export class ResetLinksRepository {
  private readonly items: HashedTokenItems<ResetLinkRecord>;

  constructor(doc: DynamoDBDocumentClient, table: string) {
    this.items = new HashedTokenItems(doc, table, 'RESET');
  }

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
    await this.items.put(record.id, byUserKey(userId), record);
    return { ...record, token };
  }

  async get(token: string): Promise<ResetLinkRecord | undefined> {
    return this.items.find(token);
  }

  static status(link: ResetLinkRecord | undefined, now = Date.now()): ResetLinkStatus {
    return HashedTokenItems.status(link, now);
  }

  /** Marks the link used; only one caller can win (conditional on unused and unexpired). */
  async consume(token: string, now = Date.now()): Promise<boolean> {
    // Each use is an attempt of its own: only the SDK's retry of this very update carries the same mark.
    return this.items.useOnce(token, 'SET usedAt = :at', { ':at': new Date(now).toISOString() }, randomUUID(), now);
  }

  /** Every link of a person, used and expired ones too (account removal). */
  async purgeAllOf(userId: string): Promise<void> {
    for await (const item of this.items.listed(byUserKey(userId))) await this.items.delete(item.id as string);
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
