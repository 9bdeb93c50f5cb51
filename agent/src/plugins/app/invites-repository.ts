import fp from 'fastify-plugin';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { LIMITS, type OpenInvite, type Role } from '@homeagent/contract';
import { newToken } from '../../id-generator.js';
import { HashedTokenItems, type TokenStatus } from '../../hashed-token-items.js';
import { hashToken } from '../../token-hash.js';
import { conditionally, nowSeconds } from '../external/dynamodb.js';

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

export type InviteStatus = TokenStatus;

/** Every invite is also on gsi1 under one key, newest last, so admins can list the open ones. */
const INVITES_INDEX_KEY = 'INVITES';

export class InvitesRepository {
  private readonly items: HashedTokenItems<InviteRecord>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.items = new HashedTokenItems(doc, table, 'INVITE');
  }

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
    await this.items.put(record.id, INVITES_INDEX_KEY, record);
    return { ...record, code };
  }

  /** The invite a code opens (looked up by its hash). */
  async get(code: string): Promise<InviteRecord | undefined> {
    return this.items.find(code);
  }

  async getById(id: string): Promise<InviteRecord | undefined> {
    return this.items.get(id);
  }

  /**
   * Invites neither used nor expired, newest first, at most `LIMITS.openInvitesMax`.
   * Used and expired ones are filtered on the server side of the query, so
   * a long history of spent invites costs reads but is never sent here in full.
   */
  async listOpen(now = Date.now()): Promise<OpenInvite[]> {
    const open: OpenInvite[] = [];
    for await (const item of this.items.listed(INVITES_INDEX_KEY, HashedTokenItems.usableNewestFirst(now))) {
      open.push({ id: item.id as string, role: item.role as Role, createdAt: item.createdAt as string, expiresAt: item.expiresAt as string });
      if (open.length >= LIMITS.openInvitesMax) return open;
    }
    return open;
  }

  /**
   * Revokes an invite that could still be used. False when there is none
   * (unknown, already used or expired): the condition makes a revocation and
   * a registration at the same instant end with exactly one of the two.
   * By id (the hash), as the admin's list names invites.
   */
  async revoke(id: string, now = Date.now()): Promise<boolean> {
    return this.items.deleteIfUsable(id, now);
  }

  static status(invite: InviteRecord | undefined, now = Date.now()): InviteStatus {
    return HashedTokenItems.status(invite, now);
  }

  /**
   * Marks the invite used by `userId`. Only one caller can win: the update is
   * conditional on the invite being unused and unexpired at that instant.
   */
  async consume(code: string, userId: string): Promise<boolean> {
    return this.items.useOnce(code, 'SET usedAt = :at', { ':at': new Date().toISOString() }, userId);
  }

  /** Undoes `consume` when the account could not be written after all. */
  async unconsume(code: string, userId: string): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: this.items.keyOfToken(code),
        UpdateExpression: 'REMOVE usedAt, usedBy',
        ConditionExpression: 'usedBy = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    );
  }

  /** Forgets who used an invite (account removal): the invite stays used, naming nobody. */
  async forgetUser(userId: string): Promise<void> {
    for await (const item of this.items.listed(INVITES_INDEX_KEY, { filter: 'usedBy = :u OR createdBy = :u', values: { ':u': userId } })) {
      const key = this.items.key(item.id as string);
      await this.doc.send(new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: item.usedBy === userId ? 'REMOVE usedBy' : 'REMOVE createdBy' }));
      if (item.usedBy === userId && item.createdBy === userId) {
        await this.doc.send(new UpdateCommand({ TableName: this.table, Key: key, UpdateExpression: 'REMOVE createdBy' }));
      }
    }
  }

  /** By id (the hash). */
  async delete(id: string): Promise<void> {
    await this.items.delete(id);
  }

  /** Rewrites an invite stored before codes were hashed (key `INVITE#<code>`, attribute `code`) under its hash. */
  async migrateLegacy(item: Record<string, unknown>): Promise<void> {
    await this.items.rehashLegacy(item, 'code', 'id', INVITES_INDEX_KEY);
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
