import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LIMITS, type OpenInvite, type Role } from '@homeagent/contract';
import { newToken } from '../../id-generator.js';
import { hashToken } from '../../token-hash.js';
import { conditionally, isExpired, nowSeconds } from '../external/dynamodb.js';

export const DEFAULT_INVITE_TTL_HOURS = 24 * 7;

/**
 * The row keeps only the hash of the code (`id`): the code itself is shown
 * once, to the admin who made it, and then lives only in the link they share.
 */
export interface InviteRecord {
  id: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
  ttl: number;
  createdBy?: string;
  usedAt?: string;
  usedBy?: string;
}

export type InviteStatus = 'usable' | 'unknown' | 'used' | 'expired';

const inviteKey = (id: string) => ({ pk: `INVITE#${id}`, sk: 'INVITE' });
const codeKey = (code: string) => inviteKey(hashToken(code));
/** Every invite is also on gsi1 under one key, newest last, so admins can list the open ones. */
const INVITES_INDEX_KEY = 'INVITES';

export class InvitesRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Makes an invite; the answer carries the code, which is stored nowhere. */
  async create(input: { role: Role; ttlHours?: number; createdBy?: string }): Promise<InviteRecord & { code: string }> {
    const now = Date.now();
    const expires = now + (input.ttlHours ?? DEFAULT_INVITE_TTL_HOURS) * 3_600_000;
    const code = newToken(18);
    const record: InviteRecord = {
      id: hashToken(code),
      role: input.role,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
      ttl: nowSeconds(expires),
      ...(input.createdBy ? { createdBy: input.createdBy } : {}),
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...inviteKey(record.id), gsi1pk: INVITES_INDEX_KEY, gsi1sk: `${record.createdAt}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return { ...record, code };
  }

  /** The invite a code opens (looked up by its hash). */
  async get(code: string): Promise<InviteRecord | undefined> {
    return this.getById(hashToken(code));
  }

  async getById(id: string): Promise<InviteRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: inviteKey(id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as InviteRecord;
  }

  /**
   * Invites neither used nor expired, newest first, at most `LIMITS.openInvitesMax`.
   * Used and expired ones are filtered on the server side of the query, so
   * a long history of spent invites costs reads but is never sent here in full.
   */
  async listOpen(now = Date.now()): Promise<OpenInvite[]> {
    const open: OpenInvite[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          FilterExpression: 'attribute_not_exists(usedAt) AND #ttl > :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':pk': INVITES_INDEX_KEY, ':now': nowSeconds(now) },
          ScanIndexForward: false,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        open.push({ id: item.id as string, role: item.role as Role, createdAt: item.createdAt as string, expiresAt: item.expiresAt as string });
        if (open.length >= LIMITS.openInvitesMax) return open;
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return open;
  }

  /**
   * Revokes an invite that could still be used. False when there is none
   * (unknown, already used or expired): the condition makes a revocation and
   * a registration at the same instant end with exactly one of the two.
   * By id (the hash), as the admin's list names invites.
   */
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    return conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: inviteKey(id),
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND #ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':now': nowSeconds(now) },
      }),
    );
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
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: codeKey(code),
        UpdateExpression: 'SET usedAt = :at, usedBy = :u',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(usedAt) AND #ttl > :now',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: { ':at': new Date().toISOString(), ':u': userId, ':now': nowSeconds() },
      }),
    );
  }

  /** Undoes `consume` when the account could not be written after all. */
  async unconsume(code: string, userId: string): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: codeKey(code),
        UpdateExpression: 'REMOVE usedAt, usedBy',
        ConditionExpression: 'usedBy = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    );
  }

  /** Forgets who used an invite (account removal): the invite stays used, naming nobody. */
  async forgetUser(userId: string): Promise<void> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          FilterExpression: 'usedBy = :u OR createdBy = :u',
          ExpressionAttributeValues: { ':pk': INVITES_INDEX_KEY, ':u': userId },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: inviteKey(item.id as string),
            UpdateExpression: item.usedBy === userId ? 'REMOVE usedBy' : 'REMOVE createdBy',
          }),
        );
        if (item.usedBy === userId && item.createdBy === userId) {
          await this.doc.send(new UpdateCommand({ TableName: this.table, Key: inviteKey(item.id as string), UpdateExpression: 'REMOVE createdBy' }));
        }
      }
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /** By id (the hash). */
  async delete(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: inviteKey(id) }));
  }

  /** Rewrites an invite stored before codes were hashed (key `INVITE#<code>`, attribute `code`) under its hash. */
  async migrateLegacy(item: Record<string, unknown>): Promise<void> {
    const { pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, code, ...rest } = item;
    const id = hashToken(String(code));
    await conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: { ...rest, ...inviteKey(id), id, gsi1pk: INVITES_INDEX_KEY, gsi1sk: `${String(item.createdAt)}#${id}` },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: pk as string, sk: 'INVITE' } }));
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
