import fp from 'fastify-plugin';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Session, SessionInfo } from '@homeagent/contract';
import { newToken } from '../../id-generator.js';
import { HashedTokenItems } from '../../hashed-token-items.js';
import { hashToken } from '../../token-hash.js';
import { conditionally, isExpired, nowSeconds } from '../external/dynamodb.js';

export const SESSION_TTL_DAYS = 30;
/** "Last seen" is written at most this often, so reading a session is not a write every request. */
const LAST_SEEN_EVERY_MS = 5 * 60_000;
/** A session ended because its person was disabled is kept this long, so their next request can say why. */
const ENDED_KEEP_MS = 86_400_000;

/** Where a session was started from: the browser's own request as the app saw it. */
export interface SessionClient {
  userAgent?: string;
  address?: string;
}

/**
 * The row keeps only the hash of the session id (`idHash`): the id itself
 * lives in the person's cookie and nowhere else.
 */
export interface SessionRecord extends SessionClient {
  idHash: string;
  userId: string;
  createdAt: string;
  expiresAt: string;
  lastSeenAt?: string;
  ttl: number;
  /** set when the session was ended by disabling its person */
  endedReason?: 'disabled';
}

export type SessionLookup = { session: Session; record: SessionRecord } | { ended: 'disabled'; userId: string } | undefined;

const byUserKey = (userId: string) => `USER#${userId}#SESSIONS`;

export function toSessionInfo(record: SessionRecord): SessionInfo {
  return {
    handle: record.idHash,
    createdAt: record.createdAt,
    lastSeenAt: record.lastSeenAt ?? record.createdAt,
    expiresAt: record.expiresAt,
    ...(record.userAgent ? { userAgent: record.userAgent } : {}),
    ...(record.address ? { address: record.address } : {}),
  };
}

export class SessionsRepository {
  private readonly items: HashedTokenItems<SessionRecord>;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {
    this.items = new HashedTokenItems(doc, table, 'SESSION');
  }

  async create(userId: string, client: SessionClient = {}): Promise<Session> {
    const now = Date.now();
    const expires = now + SESSION_TTL_DAYS * 86_400_000;
    const id = newToken();
    const record: SessionRecord = {
      idHash: hashToken(id),
      userId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
      lastSeenAt: new Date(now).toISOString(),
      ttl: nowSeconds(expires),
      ...(client.userAgent ? { userAgent: client.userAgent.slice(0, 300) } : {}),
      ...(client.address ? { address: client.address.slice(0, 64) } : {}),
    };
    // Also listed by person on gsi1, so all of someone's sessions can be listed and revoked at once.
    await this.items.put(record.idHash, byUserKey(userId), record);
    return { id, userId, createdAt: record.createdAt, expiresAt: record.expiresAt };
  }

  /**
   * Looks a session up by its id (hashed here). Undefined when it never
   * existed, was revoked or has expired; `{ ended: 'disabled' }` for one that
   * was ended by disabling its person. Notes "last seen" now and then.
   */
  async lookup(id: string, now = Date.now()): Promise<SessionLookup> {
    const idHash = hashToken(id);
    const record = await this.items.getLive(idHash, now);
    if (!record) return undefined;
    if (record.endedReason) return { ended: record.endedReason, userId: record.userId };
    if (now - Date.parse(record.lastSeenAt ?? record.createdAt) > LAST_SEEN_EVERY_MS) {
      await conditionally(
        this.doc,
        new UpdateCommand({
          TableName: this.table,
          Key: this.items.key(idHash),
          UpdateExpression: 'SET lastSeenAt = :now',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(endedReason)',
          ExpressionAttributeValues: { ':now': new Date(now).toISOString() },
        }),
      );
    }
    return { session: { id, userId: record.userId, createdAt: record.createdAt, expiresAt: record.expiresAt }, record };
  }

  /** The session, or undefined when it never existed, was revoked, ended or has expired. */
  async get(id: string): Promise<Session | undefined> {
    const found = await this.lookup(id);
    return found && 'session' in found ? found.session : undefined;
  }

  async delete(id: string): Promise<void> {
    await this.deleteByHandle(hashToken(id));
  }

  /** Ends a session known by its handle (the hash), as the account page lists them. */
  async deleteByHandle(idHash: string): Promise<void> {
    await this.items.delete(idHash);
  }

  /** A person's sessions that still stand, newest first. */
  async listOf(userId: string, now = Date.now()): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for await (const item of this.allOf(userId)) {
      if (!isExpired(item, now) && !item.endedReason) records.push(item);
    }
    return records.reverse();
  }

  private async *allOf(userId: string): AsyncGenerator<SessionRecord> {
    for await (const item of this.items.listed(byUserKey(userId))) yield item as SessionRecord;
  }

  /**
   * Signs a person out everywhere (but `keep`, a session id to spare, for
   * "end every other session"); returns how many sessions were ended.
   */
  async deleteAllOf(userId: string, keep?: string): Promise<number> {
    const kept = keep ? hashToken(keep) : undefined;
    let count = 0;
    for await (const item of this.allOf(userId)) {
      if (item.idHash === kept) continue;
      await this.deleteByHandle(item.idHash);
      count += 1;
    }
    return count;
  }

  /**
   * Ends every session of a disabled person, keeping each row a day with the
   * reason so that their next request can say "disabled" rather than "signed out".
   */
  async endAllOf(userId: string, reason: 'disabled', now = Date.now()): Promise<number> {
    let count = 0;
    for await (const item of this.allOf(userId)) {
      if (item.endedReason) continue;
      await conditionally(
        this.doc,
        new UpdateCommand({
          TableName: this.table,
          Key: this.items.key(item.idHash),
          UpdateExpression: 'SET endedReason = :r, #ttl = :ttl',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':r': reason, ':ttl': Math.min(item.ttl, nowSeconds(now + ENDED_KEEP_MS)) },
        }),
      );
      count += 1;
    }
    return count;
  }

  /** Removes every row of a person's sessions, ended ones too (account removal). */
  async purgeAllOf(userId: string): Promise<void> {
    for await (const item of this.allOf(userId)) await this.deleteByHandle(item.idHash);
  }

  /**
   * Rewrites a session stored before ids were hashed (key `SESSION#<id>`,
   * attribute `id`) under the hash of its id, then removes the old row.
   */
  async migrateLegacy(item: Record<string, unknown>): Promise<void> {
    await this.items.rehashLegacy(item, 'id', 'idHash', byUserKey(String(item.userId)));
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    sessions: SessionsRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('sessions', new SessionsRepository(app.dynamo, app.config.tableName));
  },
  { name: 'sessions-repository', dependencies: ['dynamodb'] },
);
