import fp from 'fastify-plugin';
import { BatchWriteCommand, DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Conversation } from '@homeagent/contract';
import { newId } from '../../id-generator.js';
import { HttpError } from '../../http-error.js';
import { conditionally, conditionallyUpdated, putNew, queryAll, queryItems } from '../external/dynamodb.js';

export const DEFAULT_TITLE = 'New conversation';

export interface ConversationRecord extends Conversation {
  /** set while a reply streams: the lock behind 409 `reply_in_progress` */
  activeMessageId?: string;
  /** when the lock was taken (ISO 8601) */
  activeSince?: string;
  /** true until the first message names the conversation */
  titleIsDefault?: boolean;
  /** set when a delete began; readers treat the conversation as absent from then on */
  deletedAt?: string;
}

/** What `markDeleted` found when it could not mark the conversation. */
export type DeleteRefusal = 'not_found' | 'reply_in_progress';

/** DynamoDB's BatchWriteItem limit. */
const BATCH_SIZE = 25;

const conversationKey = (userId: string, id: string) => ({ pk: `USER#${userId}`, sk: `CONV#${id}` });
const listKey = (userId: string) => `USER#${userId}#CONVS`;
/** Where a conversation sits in its person's list (gsi1, newest first): the update that moves it, and its values. */
const MOVE_IN_LIST = 'SET updatedAt = :u, gsi1sk = :s';
const listSortKey = (now: string, id: string) => `${now}#${id}`;
const listPosition = (now: string, id: string) => ({ ':u': now, ':s': listSortKey(now, id) });

export function toConversation(record: ConversationRecord): Conversation {
  const conversation: Conversation = { id: record.id, userId: record.userId, title: record.title, createdAt: record.createdAt, updatedAt: record.updatedAt };
  if (record.model !== undefined) conversation.model = record.model;
  if (record.temperature !== undefined) conversation.temperature = record.temperature;
  if (record.thinking !== undefined) conversation.thinking = record.thinking;
  return conversation;
}

export type ConversationPreferences = Pick<Conversation, 'model' | 'temperature' | 'thinking'>;

export class ConversationsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** `id` is chosen by the caller when a send key names it beforehand (send-claim.ts). */
  async create(userId: string, title?: string, id = newId()): Promise<ConversationRecord> {
    const now = new Date().toISOString();
    const trimmed = title?.trim();
    const record: ConversationRecord = {
      id,
      userId,
      title: trimmed || DEFAULT_TITLE,
      createdAt: now,
      updatedAt: now,
      ...(trimmed ? {} : { titleIsDefault: true }),
    };
    await putNew(this.doc, this.table, { ...conversationKey(userId, id), gsi1pk: listKey(userId), gsi1sk: listSortKey(now, id), ...record });
    return record;
  }

  /** Only the owner's key can find a conversation, so another user's id reads as absent. */
  async get(userId: string, id: string): Promise<ConversationRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: conversationKey(userId, id), ConsistentRead: true }));
    if (!out.Item || out.Item.deletedAt !== undefined) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = out.Item;
    return record as ConversationRecord;
  }

  /** Sets the title the person chose; undefined when the conversation is absent (or being deleted). */
  async rename(userId: string, id: string, title: string): Promise<ConversationRecord | undefined> {
    const attributes = await conditionallyUpdated(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: 'SET title = :t REMOVE titleIsDefault',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':t': title },
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (!attributes) return undefined;
    const { pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record } = attributes;
    return record as ConversationRecord;
  }

  /**
   * The first step of a delete, and the only one a reader can notice: one
   * conditional update marks the conversation and drops it from the list
   * index, so it vanishes at once even though its messages go afterwards
   * (there are no transactions). Refused while a reply holds the lock. A
   * conversation already marked by a delete that did not finish may be marked
   * again, so that a retry completes the purge.
   */
  async markDeleted(userId: string, id: string): Promise<DeleteRefusal | undefined> {
    const marked = await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: 'SET deletedAt = if_not_exists(deletedAt, :now) REMOVE gsi1pk, gsi1sk',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(activeMessageId)',
        ExpressionAttributeValues: { ':now': new Date().toISOString() },
      }),
    );
    if (marked) return undefined;
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: conversationKey(userId, id), ConsistentRead: true }));
    return out.Item ? 'reply_in_progress' : 'not_found';
  }

  /**
   * Removes a marked conversation's messages in batches, then the conversation
   * itself. Safe to run again: each step only deletes what is still there.
   */
  async purge(userId: string, id: string): Promise<void> {
    let keys: { pk: string; sk: string }[] = [];
    const items = queryItems(this.doc, { TableName: this.table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `CONV#${id}` }, ProjectionExpression: 'pk, sk', ConsistentRead: true });
    // Deleted in batches as they are read: a conversation of any length never sits in memory whole.
    for await (const item of items) {
      keys.push({ pk: item.pk as string, sk: item.sk as string });
      if (keys.length === BATCH_SIZE) {
        await this.deleteBatch(keys);
        keys = [];
      }
    }
    if (keys.length > 0) await this.deleteBatch(keys);
    await conditionally(
      this.doc,
      new DeleteCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        // Never removes a conversation that was not marked first.
        ConditionExpression: 'attribute_exists(deletedAt)',
      }),
    );
  }

  private async deleteBatch(keys: { pk: string; sk: string }[]): Promise<void> {
    let requests: Record<string, unknown>[] = keys.map((Key) => ({ DeleteRequest: { Key } }));
    // Throttled items come back unprocessed; retry them with a growing pause.
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      if (attempt > 8) throw new HttpError(503, 'database_busy', 'The database is busy; try deleting the conversation again.');
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: requests } }));
      requests = (out.UnprocessedItems?.[this.table] ?? []);
    }
  }

  /**
   * Every conversation a person owns, those being deleted included (a query
   * on their own key, not the list index): account removal and disabling go through these.
   */
  async listOwned(userId: string): Promise<ConversationRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :conv)',
      ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':conv': 'CONV#' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, ...record }) => record as ConversationRecord);
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
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: 'SET activeMessageId = :m, activeSince = :at',
        // Held already by this message: the SDK's second attempt at a lock whose first answer came late.
        ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(activeMessageId) OR activeMessageId = :m) AND attribute_not_exists(deletedAt)',
        ExpressionAttributeValues: { ':m': messageId, ':at': new Date().toISOString() },
      }),
    );
  }

  /** Releases the lock if `messageId` still holds it. */
  async unlock(userId: string, id: string, messageId: string): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: 'REMOVE activeMessageId, activeSince',
        ConditionExpression: 'activeMessageId = :m',
        ExpressionAttributeValues: { ':m': messageId },
      }),
    );
  }

  /** Gives a conversation that still has its default title this one; a conversation named already keeps its name. */
  async nameIfUnnamed(userId: string, id: string, title: string): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: 'SET title = :t REMOVE titleIsDefault',
        ConditionExpression: 'attribute_exists(titleIsDefault)',
        ExpressionAttributeValues: { ':t': title },
      }),
    );
  }

  /**
   * At a reply's end: lets go of the lock `messageId` holds and moves the
   * conversation to the top of the list, in one request (they were two of
   * every reply's). When the lock is not held by it any more, only the move.
   */
  async unlockAndTouch(userId: string, id: string, messageId: string): Promise<void> {
    const now = new Date().toISOString();
    const released = await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: `${MOVE_IN_LIST} REMOVE activeMessageId, activeSince`,
        ConditionExpression: 'activeMessageId = :m',
        ExpressionAttributeValues: { ':m': messageId, ...listPosition(now, id) },
      }),
    );
    if (!released) await this.touch(userId, id);
  }

  /** Remembers the model, temperature and thinking picked for the conversation (only the fields given). */
  async remember(userId: string, id: string, preferences: ConversationPreferences): Promise<void> {
    // The value type is named: inferred, it would drop the `undefined` a field not given holds.
    const entries = Object.entries<ConversationPreferences[keyof ConversationPreferences]>(preferences).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return;
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: `SET ${entries.map(([k]) => `#${k} = :${k}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(entries.map(([k]) => [`#${k}`, k])),
        ExpressionAttributeValues: Object.fromEntries(entries.map(([k, v]) => [`:${k}`, v])),
      }),
    );
  }

  /** Moves the conversation to the top of the list, and names it if it still has the default title. */
  async touch(userId: string, id: string, title?: string): Promise<void> {
    const now = new Date().toISOString();
    if (title) await this.nameIfUnnamed(userId, id, title);
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: conversationKey(userId, id),
        UpdateExpression: MOVE_IN_LIST,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: listPosition(now, id),
      }),
    );
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
