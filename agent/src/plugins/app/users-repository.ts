import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role, User } from '@homeagent/contract';
import { conditionally, conditionallyUpdated, queryItems } from '../external/dynamodb.js';

export interface UserRecord extends User {
  passwordHash: string;
  /** per-person override of MONTHLY_BUDGET_USD */
  monthlyBudgetUsd?: number;
  /** set while the account is disabled */
  disabledAt?: string;
  /** set when a removal began; readers treat the account as absent from then on, and a start finishes the purge */
  removingAt?: string;
  lastSignInAt?: string;
}

/** Registration takes well under a second; a claim this old without its account was abandoned. */
const ABANDONED_CLAIM_MS = 10 * 60_000;

/**
 * How long a person's record, once read, answers the next reads of the same
 * request burst (`getRecent`): a chat page or a send is five calls from the
 * app, each naming the person, and each read of the record was a round trip
 * and about 2 ms of the SDK's CPU (docs/PERFORMANCE.md). Every write here
 * forgets the record at once, so a change made through this process (disable,
 * role, removal) holds for the very next request; another process (two tasks
 * only overlap during a deploy) sees it within this long.
 */
export const RECENT_USER_MS = 1_000;
/** Records kept at most; the oldest go first (a household has a few dozen people). */
const RECENT_USERS_MAX = 500;

const LIST_KEY = 'USERS';
const userKey = (id: string) => ({ pk: `USER#${id}`, sk: 'PROFILE' });
const usernameKey = (username: string) => ({ pk: `USERNAME#${username}`, sk: 'USERNAME' });

export function toUser(record: UserRecord): User {
  return {
    id: record.id,
    username: record.username,
    displayName: record.displayName,
    role: record.role,
    createdAt: record.createdAt,
  };
}

export class UsersRepository {
  /** Reads of the last RECENT_USER_MS, as promises: reads at the same moment share one request. */
  private readonly recent = new Map<string, { read: Promise<UserRecord | undefined>; at: number }>();

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The stored record, read now (a consistent read); it also answers `getRecent` for a moment. */
  get(id: string): Promise<UserRecord | undefined> {
    const read = this.read(id);
    this.remember(id, read);
    return read.then((record) => record && { ...record });
  }

  /**
   * The record as read within the last RECENT_USER_MS, else read now: for
   * checking who a request is for. Decisions that change people (admin
   * actions, the last-admin guard) use `get`.
   */
  getRecent(id: string): Promise<UserRecord | undefined> {
    const hit = this.recent.get(id);
    if (!hit || this.now() - hit.at >= RECENT_USER_MS) return this.get(id);
    // A copy each: a route that changes its request's record does not change the next request's.
    return hit.read.then((record) => record && { ...record });
  }

  private async read(id: string): Promise<UserRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: userKey(id), ConsistentRead: true }));
    if (!out.Item || out.Item.removingAt !== undefined) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as UserRecord;
  }

  private remember(id: string, read: Promise<UserRecord | undefined>): void {
    this.recent.delete(id);
    if (this.recent.size >= RECENT_USERS_MAX) this.recent.delete(this.recent.keys().next().value!);
    const entry = { read, at: this.now() };
    this.recent.set(id, entry);
    // A failed read is not kept: the next request tries the table again.
    read.catch(() => {
      if (this.recent.get(id) === entry) this.recent.delete(id);
    });
  }

  /**
   * Called once a write of the record is answered (and before it is sent): a
   * read that began before the write ended may hold the old record, and is
   * dropped with the entry.
   */
  private forget(id: string): void {
    this.recent.delete(id);
  }

  async getByUsername(username: string): Promise<UserRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: usernameKey(username), ConsistentRead: true }));
    const userId = out.Item?.userId as string | undefined;
    return userId ? this.get(userId) : undefined;
  }

  /**
   * Reserves a username for a user id; false when someone has it already.
   * A claim whose account was never written (the process died in between)
   * is taken over once it is old enough that no registration can still be running.
   */
  async claimUsername(username: string, userId: string, now = Date.now()): Promise<boolean> {
    const item = { ...usernameKey(username), userId, claimedAt: new Date(now).toISOString() };
    if (await conditionally(this.doc, new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }))) return true;
    const claim = await this.doc.send(new GetCommand({ TableName: this.table, Key: usernameKey(username), ConsistentRead: true }));
    const holder = claim.Item?.userId as string | undefined;
    const claimedAt = Date.parse(String(claim.Item?.claimedAt ?? ''));
    if (!holder || !(now - claimedAt > ABANDONED_CLAIM_MS) || (await this.get(holder))) return false;
    return conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: item,
        ConditionExpression: 'userId = :old',
        ExpressionAttributeValues: { ':old': holder },
      }),
    );
  }

  /** Undoes `claimUsername`, only if the claim is still ours. */
  async releaseUsername(username: string, userId: string): Promise<void> {
    await conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: usernameKey(username),
        ConditionExpression: 'userId = :u',
        ExpressionAttributeValues: { ':u': userId },
      }),
    );
  }

  async create(record: UserRecord): Promise<void> {
    this.forget(record.id);
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        // Listed on gsi1 under one key so admins can see everyone without a scan.
        Item: { ...userKey(record.id), gsi1pk: LIST_KEY, gsi1sk: `${record.createdAt}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    this.forget(record.id);
  }

  /** Every account, oldest first (accounts being removed are left out unless asked for). */
  async list(opts: { removing?: boolean } = {}): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    for await (const item of queryItems(this.doc, { TableName: this.table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': LIST_KEY } })) {
      const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = item;
      if ((record.removingAt !== undefined) === (opts.removing ?? false)) users.push(record as UserRecord);
    }
    return users;
  }

  /** Sets (or, with null, removes) a person's own monthly budget; undefined when there is no such account. */
  async setBudget(id: string, monthlyBudgetUsd: number | null): Promise<UserRecord | undefined> {
    this.forget(id);
    const attributes = await conditionallyUpdated(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(id),
        UpdateExpression: monthlyBudgetUsd === null ? 'REMOVE monthlyBudgetUsd' : 'SET monthlyBudgetUsd = :b',
        ConditionExpression: 'attribute_exists(pk)',
        ...(monthlyBudgetUsd === null ? {} : { ExpressionAttributeValues: { ':b': monthlyBudgetUsd } }),
        ReturnValues: 'ALL_NEW',
      }),
    ).finally(() => this.forget(id));
    if (!attributes) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = attributes;
    return record as UserRecord;
  }

  /** One conditional update of a live (not being removed) account; undefined when there is none. */
  private async update(id: string, expression: string, values: Record<string, unknown>, names?: Record<string, string>): Promise<UserRecord | undefined> {
    this.forget(id);
    const attributes = await conditionallyUpdated(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: userKey(id),
        UpdateExpression: expression,
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(removingAt)',
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
        ...(names ? { ExpressionAttributeNames: names } : {}),
        ReturnValues: 'ALL_NEW',
      }),
    ).finally(() => this.forget(id));
    if (!attributes) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = attributes;
    return record as UserRecord;
  }

  setRole(id: string, role: Role): Promise<UserRecord | undefined> {
    // ROLE is a DynamoDB reserved word.
    return this.update(id, 'SET #role = :r', { ':r': role }, { '#role': 'role' });
  }

  setDisabled(id: string, disabled: boolean): Promise<UserRecord | undefined> {
    return disabled ? this.update(id, 'SET disabledAt = if_not_exists(disabledAt, :now)', { ':now': new Date().toISOString() }) : this.update(id, 'REMOVE disabledAt', {});
  }

  setDisplayName(id: string, displayName: string): Promise<UserRecord | undefined> {
    return this.update(id, 'SET displayName = :d', { ':d': displayName });
  }

  setPasswordHash(id: string, passwordHash: string): Promise<UserRecord | undefined> {
    return this.update(id, 'SET passwordHash = :h', { ':h': passwordHash });
  }

  async noteSignIn(id: string): Promise<void> {
    await this.update(id, 'SET lastSignInAt = :now', { ':now': new Date().toISOString() });
  }

  /**
   * The first step of a removal, and the one every reader notices: the account
   * reads as absent from here on. It stays on the list index (flagged) so an
   * interrupted removal is found and finished on the next start.
   */
  async markRemoving(id: string): Promise<UserRecord | undefined> {
    return this.update(id, 'SET removingAt = :now', { ':now': new Date().toISOString() });
  }

  /** The last step of a removal: the username claim, then the profile (only if it was marked). */
  async purge(record: UserRecord): Promise<void> {
    await this.releaseUsername(record.username, record.id);
    this.forget(record.id);
    await conditionally(
      this.doc,
      new DeleteCommand({ TableName: this.table, Key: userKey(record.id), ConditionExpression: 'attribute_exists(removingAt)' }),
    ).finally(() => this.forget(record.id));
  }
}

/** Active (not disabled) admins: the ones who can still run the household. */
export function activeAdmins(users: UserRecord[]): UserRecord[] {
  return users.filter((u) => u.role === 'admin' && u.disabledAt === undefined);
}

declare module 'fastify' {
  interface FastifyInstance {
    users: UsersRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('users', new UsersRepository(app.dynamo, app.config.tableName));
  },
  { name: 'users-repository', dependencies: ['dynamodb'] },
);
