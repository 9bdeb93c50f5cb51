import fp from 'fastify-plugin';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Conversation } from '../../contract.js';
import { newId } from '../../id-generator.js';
import { isConditionFailed } from '../external/dynamodb.js';

export const DEFAULT_TITLE = 'New conversation';

export interface ConversationRecord extends Conversation {
  /** set while a reply streams: the lock behind 409 `reply_in_progress` */
  activeMessageId?: string;
  /** when the lock was taken (ISO 8601) */
  activeSince?: string;
  /** true until the first message names the conversation */
  titleIsDefault?: boolean;
}

const conversationKey = (userId: string, id: string) => ({ pk: `USER#${userId}`, sk: `CONV#${id}` });
const listKey = (userId: string) => `USER#${userId}#CONVS`;

export function toConversation(record: ConversationRecord): Conversation {
  return { id: record.id, userId: record.userId, title: record.title, createdAt: record.createdAt, updatedAt: record.updatedAt };
}

export class ConversationsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(userId: string, title?: string): Promise<ConversationRecord> {
    const now = new Date().toISOString();
    const id = newId();
    const trimmed = title?.trim();
    const record: ConversationRecord = {
      id,
      userId,
      title: trimmed || DEFAULT_TITLE,
      createdAt: now,
      updatedAt: now,
      ...(trimmed ? {} : { titleIsDefault: true }),
    };
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...conversationKey(userId, id), gsi1pk: listKey(userId), gsi1sk: `${now}#${id}`, ...record },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return record;
  }

  /** Only the owner's key can find a conversation, so another user's id reads as absent. */
  async get(userId: string, id: string): Promise<ConversationRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: conversationKey(userId, id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as ConversationRecord;
  }

  /** Newest first. */
  async list(userId: string, limit = 200): Promise<Conversation[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': listKey(userId) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((item) => toConversation(item as ConversationRecord));
  }

  /** Takes the one-reply-at-a-time lock; false when another reply holds it. */
  async lock(userId: string, id: string, messageId: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: conversationKey(userId, id),
          UpdateExpression: 'SET activeMessageId = :m, activeSince = :at',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(activeMessageId)',
          ExpressionAttributeValues: { ':m': messageId, ':at': new Date().toISOString() },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw error;
    }
  }

  /** Releases the lock if `messageId` still holds it. */
  async unlock(userId: string, id: string, messageId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: conversationKey(userId, id),
          UpdateExpression: 'REMOVE activeMessageId, activeSince',
          ConditionExpression: 'activeMessageId = :m',
          ExpressionAttributeValues: { ':m': messageId },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }

  /** Moves the conversation to the top of the list, and names it if it still has the default title. */
  async touch(userId: string, id: string, title?: string): Promise<void> {
    const now = new Date().toISOString();
    if (title) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: conversationKey(userId, id),
            UpdateExpression: 'SET title = :t REMOVE titleIsDefault',
            ConditionExpression: 'attribute_exists(titleIsDefault)',
            ExpressionAttributeValues: { ':t': title },
          }),
        );
      } catch (error) {
        if (!isConditionFailed(error)) throw error;
      }
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: conversationKey(userId, id),
          UpdateExpression: 'SET updatedAt = :u, gsi1sk = :s',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':u': now, ':s': `${now}#${id}` },
        }),
      );
    } catch (error) {
      if (!isConditionFailed(error)) throw error;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    conversations: ConversationsRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('conversations', new ConversationsRepository(app.dynamo, app.config.tableName));
  },
  { name: 'conversations-repository', dependencies: ['dynamodb'] },
);
