import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { User } from '@homeagent/contract';
import { conditionally, conditionallyUpdated } from '../external/dynamodb.js';

export interface UserRecord extends User {
  passwordHash: string;
  /** per-person override of MONTHLY_BUDGET_USD */
  monthlyBudgetUsd?: number;
}

/** Registration takes well under a second; a claim this old without its account was abandoned. */
const ABANDONED_CLAIM_MS = 10 * 60_000;

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
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(id: string): Promise<UserRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: userKey(id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as UserRecord;
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
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        // Listed on gsi1 under one key so admins can see everyone without a scan.
        Item: { ...userKey(record.id), gsi1pk: LIST_KEY, gsi1sk: `${record.createdAt}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  /** Every account, oldest first. */
  async list(): Promise<UserRecord[]> {
    const users: UserRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': LIST_KEY },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) {
        const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = item;
        users.push(record as UserRecord);
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return users;
  }

  /** Sets (or, with null, removes) a person's own monthly budget; undefined when there is no such account. */
  async setBudget(id: string, monthlyBudgetUsd: number | null): Promise<UserRecord | undefined> {
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
    );
    if (!attributes) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = attributes;
    return record as UserRecord;
  }
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
