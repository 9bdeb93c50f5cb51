import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Message, MessageState, Usage } from '@homeagent/contract';
import { conditionally, conditionallyUpdated, putNew, queryAll, scanAll } from '../external/dynamodb.js';

export interface MessageRecord extends Message {
  userId: string;
  /** when the streaming text was last saved; a crashed reply is recognised by its age */
  checkpointAt?: string;
  /** the budget reserved for this reply (micro-dollars) and the month it was reserved in */
  reservedMicroUsd?: number;
  usageMonth?: string;
  /** the reservation is held under the reply's id (usage-repository.ts), so giving it back happens once */
  reservationHeld?: boolean;
  /** Claude's reasoning before the reply, kept with its signature so it can go back unchanged */
  reasoning?: { text: string; signature?: string };
  /** the process running this reply, and until when (epoch ms) it vouches for it; renewed by its heartbeat */
  leaseOwner?: string;
  leaseExpiresAt?: number;
  /**
   * The piece saved just before it is published, beyond `text`/`lastEventId`
   * (which a reloading page resumes from). It may or may not have reached the
   * hub, so whoever settles a crashed reply keeps it: nothing published is lost.
   */
  pendingText?: string;
}

/** What a running reply saves before each piece is published. */
export interface CheckpointInput {
  /** the text already published, and the id of its last piece */
  text: string;
  lastEventId: string;
  /** the piece about to be published */
  pendingText: string;
  owner: string;
  leaseExpiresAt: number;
}

const messageKey = (conversationId: string, id: string) => ({ pk: `CONV#${conversationId}`, sk: `MSG#${id}` });

export function toMessage(record: MessageRecord): Message {
  const message: Message = {
    id: record.id,
    conversationId: record.conversationId,
    role: record.role,
    text: record.text,
    state: record.state,
    createdAt: record.createdAt,
  };
  if (record.lastEventId !== undefined) message.lastEventId = record.lastEventId;
  if (record.model !== undefined) message.model = record.model;
  if (record.usage !== undefined) message.usage = record.usage;
  if (record.error !== undefined) message.error = record.error;
  if (record.errorFinal !== undefined) message.errorFinal = record.errorFinal;
  if (record.modelName !== undefined) message.modelName = record.modelName;
  if (record.context !== undefined) message.context = record.context;
  if (record.reasoning !== undefined) message.thinking = record.reasoning.text;
  if (record.cutShortByBudget) message.cutShortByBudget = true;
  if (record.attachments !== undefined && record.attachments.length > 0) message.attachments = record.attachments;
  return message;
}

export interface FinishInput {
  text: string;
  state: Exclude<MessageState, 'streaming'>;
  lastEventId?: string;
  usage?: Usage;
  error?: string;
  errorFinal?: boolean;
  reasoning?: { text: string; signature?: string };
  cutShortByBudget?: boolean;
}

export class MessagesRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(record: MessageRecord): Promise<void> {
    await putNew(this.doc, this.table, { ...messageKey(record.conversationId, record.id), ...record });
  }

  /** Only to undo a `create` whose companion write failed. */
  async delete(conversationId: string, id: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: messageKey(conversationId, id) }));
  }

  async get(conversationId: string, id: string): Promise<MessageRecord | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: messageKey(conversationId, id), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const { pk: _pk, sk: _sk, ...record } = out.Item;
    return record as MessageRecord;
  }

  /** Every message of a conversation, oldest first. */
  async listAll(conversationId: string): Promise<MessageRecord[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
      ExpressionAttributeValues: { ':pk': `CONV#${conversationId}`, ':msg': 'MSG#' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...record }) => record as MessageRecord);
  }

  /** The newest `limit` messages, oldest first. */
  async listRecent(conversationId: string, limit: number): Promise<MessageRecord[]> {
    const out = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :msg)',
        ExpressionAttributeValues: { ':pk': `CONV#${conversationId}`, ':msg': 'MSG#' },
        ConsistentRead: true,
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(({ pk: _pk, sk: _sk, ...record }) => record as MessageRecord).reverse();
  }

  /**
   * Saves the text so far and the piece about to be published, and renews the
   * lease; false when the reply is no longer streaming under this owner
   * (settled elsewhere), so the caller should give it up.
   */
  async checkpoint(conversationId: string, id: string, input: CheckpointInput): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: messageKey(conversationId, id),
        UpdateExpression: 'SET #text = :t, lastEventId = :e, pendingText = :p, checkpointAt = :at, leaseExpiresAt = :until',
        ConditionExpression: '#state = :streaming AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#text': 'text', '#state': 'state' },
        ExpressionAttributeValues: {
          ':t': input.text,
          ':e': input.lastEventId,
          ':p': input.pendingText,
          ':at': new Date().toISOString(),
          ':until': input.leaseExpiresAt,
          ':owner': input.owner,
          ':streaming': 'streaming',
        },
      }),
    );
  }

  /** The heartbeat: extends the lease without rewriting the text; false as for `checkpoint`. */
  async renewLease(conversationId: string, id: string, owner: string, leaseExpiresAt: number): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: messageKey(conversationId, id),
        UpdateExpression: 'SET leaseExpiresAt = :until',
        ConditionExpression: '#state = :streaming AND leaseOwner = :owner',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':until': leaseExpiresAt, ':owner': owner, ':streaming': 'streaming' },
      }),
    );
  }

  /**
   * Every message still `streaming`, for the sweep a starting process makes.
   * A scan, once per start: the table of a family or small team is small, and
   * a running reply has no index of its own.
   */
  async listStreaming(): Promise<MessageRecord[]> {
    const items = await scanAll(this.doc, {
      TableName: this.table,
      FilterExpression: 'begins_with(sk, :msg) AND #state = :streaming',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':msg': 'MSG#', ':streaming': 'streaming' },
      ConsistentRead: true,
    });
    return items.map(({ pk: _pk, sk: _sk, ...record }) => record as MessageRecord);
  }

  /**
   * Moves a streaming message to its final state. Conditional on it still
   * streaming, so exactly one of the runner, a stop and a crash recovery wins.
   */
  async finish(conversationId: string, id: string, input: FinishInput): Promise<MessageRecord | undefined> {
    const names: Record<string, string> = { '#text': 'text', '#state': 'state' };
    const values: Record<string, unknown> = { ':t': input.text, ':s': input.state, ':streaming': 'streaming', ':at': new Date().toISOString() };
    const sets = ['#text = :t', '#state = :s', 'checkpointAt = :at'];
    if (input.lastEventId !== undefined) {
      sets.push('lastEventId = :e');
      values[':e'] = input.lastEventId;
    }
    if (input.usage !== undefined) {
      sets.push('#usage = :u');
      names['#usage'] = 'usage';
      values[':u'] = input.usage;
    }
    if (input.error !== undefined) {
      sets.push('#error = :err');
      names['#error'] = 'error';
      values[':err'] = input.error;
    }
    if (input.errorFinal !== undefined) {
      sets.push('errorFinal = :final');
      values[':final'] = input.errorFinal;
    }
    if (input.reasoning !== undefined) {
      sets.push('reasoning = :reasoning');
      values[':reasoning'] = input.reasoning;
    }
    if (input.cutShortByBudget) {
      sets.push('cutShortByBudget = :cut');
      values[':cut'] = true;
    }
    const attributes = await conditionallyUpdated(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: messageKey(conversationId, id),
        // The lease and the written-ahead piece mean nothing once the reply has ended.
        UpdateExpression: `SET ${sets.join(', ')} REMOVE pendingText, leaseExpiresAt`,
        ConditionExpression: '#state = :streaming',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    );
    if (!attributes) return undefined;
    const { pk: _pk, sk: _sk, ...record } = attributes;
    return record as MessageRecord;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    messages: MessagesRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('messages', new MessagesRepository(app.dynamo, app.config.tableName));
  },
  { name: 'messages-repository', dependencies: ['dynamodb'] },
);
