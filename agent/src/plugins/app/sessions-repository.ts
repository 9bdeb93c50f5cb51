import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Session } from '@homeagent/contract';
import { newToken } from '../../id-generator.js';
import { isExpired, nowSeconds } from '../external/dynamodb.js';

export const SESSION_TTL_DAYS = 30;

interface SessionRecord extends Session {
  ttl: number;
}

const sessionKey = (id: string) => ({ pk: `SESSION#${id}`, sk: 'SESSION' });
const byUserKey = (userId: string) => `USER#${userId}#SESSIONS`;

export class SessionsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(userId: string): Promise<Session> {
    const now = Date.now();
    const expires = now + SESSION_TTL_DAYS * 86_400_000;
    const record: SessionRecord = {
      id: newToken(),
      userId,
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(expires).toISOString(),
      ttl: nowSeconds(expires),
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        // Also listed by person on gsi1, so all of someone's sessions can be revoked at once.
        Item: { ...sessionKey(record.id), gsi1pk: byUserKey(userId), gsi1sk: `${record.createdAt}#${record.id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return toSession(record);
  }

  /** The session, or undefined when it never existed, was revoked or has expired. */
  async get(id: string): Promise<Session | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: sessionKey(id), ConsistentRead: true }));
    const record = out.Item as SessionRecord | undefined;
    if (!record || isExpired(record)) return undefined;
    return toSession(record);
  }

  async delete(id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: sessionKey(id) }));
  }

  /** Signs a person out everywhere; returns how many sessions were ended. */
  async deleteAllOf(userId: string): Promise<number> {
    let count = 0;
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
      for (const item of out.Items ?? []) {
        await this.delete(item.id as string);
        count += 1;
      }
      start = out.LastEvaluatedKey;
    } while (start);
    return count;
  }
}

function toSession(record: SessionRecord): Session {
  return { id: record.id, userId: record.userId, createdAt: record.createdAt, expiresAt: record.expiresAt };
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
