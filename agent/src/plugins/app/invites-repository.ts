import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from '../../contract.js';
import { newToken } from '../../id-generator.js';
import { isConditionFailed, isExpired, nowSeconds } from '../external/dynamodb.js';

export const DEFAULT_INVITE_TTL_HOURS = 24 * 7;

export interface InviteRecord {
  code: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  ttl: number;
  createdBy?: string;
  usedAt?: string;
  usedBy?: string;
}

export type InviteStatus = 'usable' | 'unknown' | 'used' | 'expired';

const inviteKey = (code: string) => ({ pk: `INVITE#${code}`, sk: 'INVITE' });

export class InvitesRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(input: { role: Role; ttlHours?: number; createdBy?: string }): Promise<InviteRecord> {
    const now = Date.now();
    const expires = now + (input.ttlHours ?? DEFAULT_INVITE_TTL_HOURS) * 3_600_000;
    const record: InviteRecord = {
      code: newToken(18),
      role: input.role,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
      ttl: nowSeconds(expires),
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...inviteKey(record.code), ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  async get(code: string): Promise<InviteRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: inviteKey(code), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as InviteRecord;
  }

  static status(invite: InviteRecord | undefined, now = Date.now()): InviteStatus {
    if (!invite) return 'unknown';
    if (invite.usedAt) return 'used';
    if (isExpired(invite, now)) return 'expired';
    return 'usable';
  }

  /**
   * Marks the invite used by `userId`. Only one caller can win: the update is
   * conditional on the invite being unused and unexpired at that instant.
   */
  async consume(code: string, userId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: inviteKey(code),
          UpdateExpression: 'SET usedAt = :at, usedBy = :u',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':at': new Date().toISOString(), ':u': userId, ':now': nowSeconds() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Undoes `consume` when the account could not be written after all. */
  async unconsume(code: string, userId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: inviteKey(code),
          UpdateExpression: 'REMOVE usedAt, usedBy',
          ConditionExpression: 'usedBy = :u',
          ExpressionAttributeValues: { ':u': userId },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  async delete(code: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: inviteKey(code) }));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    invites: InvitesRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('invites', new InvitesRepository(app.dynamo, app.config.tableName));
  },
  { name: 'invites-repository', dependencies: ['dynamodb'] },
);
