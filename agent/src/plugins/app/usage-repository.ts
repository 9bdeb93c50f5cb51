import { createHash } from 'node:crypto';
import fp from 'fastify-plugin';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionally, conditionallyUpdated, queryAll } from '../external/dynamodb.js';

/**
 * Money is counted in integer micro-dollars (../../budget.ts) so sums stay exact.
 * `committedMicroUsd` = spent + still reserved; the budget check is a
 * condition on it, which is why it is one attribute and not a sum.
 */
export interface MonthlyUsage {
  month: string;
  committedMicroUsd: number;
  spentMicroUsd: number;
  inputTokens: number;
  outputTokens: number;
  requests: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** what cache reads saved against the input price */
  cacheSavedMicroUsd: number;
}

/** One person's day of spending. */
export interface DailyUsage {
  /** `yyyy-mm-dd` */
  day: string;
  spentMicroUsd: number;
  replies: number;
  inputTokens: number;
  outputTokens: number;
}

const usageKey = (userId: string, month: string) => ({ pk: `USER#${userId}`, sk: `USAGE#${month}` });
// Under USAGE# too, so removing an account (its `USAGE#` purge step) takes the days with the months.
const PERSON_DAY_PREFIX = 'USAGE#DAY#';
const personDayKey = (userId: string, day: string) => ({ pk: `USER#${userId}`, sk: `${PERSON_DAY_PREFIX}${day}` });
const spendKey = (day: string) => ({ pk: 'SPEND', sk: `DAY#${day}` });
/** The attribute of a month's row that holds one reply's reservation until it is settled. */
const holdOf = (replyId: string) => `HELD#${replyId}`;
/**
 * A day's mark of a reply it has counted: 10 characters of the id's SHA-256
 * (60 bits), so a day of the whole installation holds about 30,000 replies
 * in DynamoDB's 400 KB item limit, and two of a day's replies sharing a mark
 * is about as likely as 1 in 2 billion at that count. Reads of the days
 * leave the marks out (a projection).
 */
const markOf = (replyId: string) => createHash('sha256').update(replyId).digest('base64url').slice(0, 10);

export class UsageRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(userId: string, month: string): Promise<MonthlyUsage> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: usageKey(userId, month), ConsistentRead: true }));
    const item = out.Item ?? {};
    return {
      month,
      committedMicroUsd: Number(item.committedMicroUsd ?? 0),
      spentMicroUsd: Number(item.spentMicroUsd ?? 0),
      inputTokens: Number(item.inputTokens ?? 0),
      outputTokens: Number(item.outputTokens ?? 0),
      requests: Number(item.requests ?? 0),
      cacheReadTokens: Number(item.cacheReadTokens ?? 0),
      cacheWriteTokens: Number(item.cacheWriteTokens ?? 0),
      cacheSavedMicroUsd: Number(item.cacheSavedMicroUsd ?? 0),
    };
  }

  /**
   * Reserves `microUsd` of the month's budget for the reply `replyId`; false
   * when that would go over. A single conditional update, so two replies at
   * once cannot both squeeze in. The reservation is also held under the
   * reply's own attribute (`HELD#<replyId>`) until it is settled or released:
   * the SDK sends an update again when its first answer came late, and the
   * hold makes each of these three writes count once (a second attempt finds
   * the hold, or finds it gone), so reserved minus settled returns to 0.
   */
  async reserve(userId: string, month: string, microUsd: number, budgetMicroUsd: number, replyId: string): Promise<boolean> {
    const max = budgetMicroUsd - microUsd;
    if (max < 0) return false;
    const reserved = await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        UpdateExpression: 'ADD committedMicroUsd :r, requests :one SET #held = :r',
        ConditionExpression: 'attribute_not_exists(#held) AND (attribute_not_exists(committedMicroUsd) OR committedMicroUsd <= :max)',
        ExpressionAttributeNames: { '#held': holdOf(replyId) },
        ExpressionAttributeValues: { ':r': microUsd, ':one': 1, ':max': max },
      }),
    );
    // Refused: over the budget, or this very reservation made by a first attempt whose answer came late.
    return reserved || (await this.isHeld(userId, month, replyId, microUsd));
  }

  /** Whether the reply still holds exactly `microUsd` of the month. */
  async isHeld(userId: string, month: string, replyId: string, microUsd?: number): Promise<boolean> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: usageKey(userId, month), ConsistentRead: true, ProjectionExpression: '#held', ExpressionAttributeNames: { '#held': holdOf(replyId) } }),
    );
    const held: unknown = out.Item?.[holdOf(replyId)];
    return held !== undefined && (microUsd === undefined || Number(held) === microUsd);
  }

  /**
   * Gives the reply's reservation back, once. A reservation made before holds
   * existed (`held` false: a reply of an older version) is given back as it was.
   */
  async release(userId: string, month: string, replyId: string, reservedMicroUsd: number, held = true): Promise<void> {
    if (reservedMicroUsd === 0) return;
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        ...(held
          ? {
              UpdateExpression: 'ADD committedMicroUsd :r REMOVE #held',
              ConditionExpression: 'attribute_exists(#held)',
              ExpressionAttributeNames: { '#held': holdOf(replyId) },
            }
          : { UpdateExpression: 'ADD committedMicroUsd :r' }),
        ExpressionAttributeValues: { ':r': -reservedMicroUsd },
      }),
    );
  }

  /**
   * Replaces the reply's reservation by the real cost and counts the tokens,
   * once: false when it was settled already (by an earlier attempt).
   */
  async settle(
    userId: string,
    month: string,
    replyId: string,
    reservedMicroUsd: number,
    actual: { microUsd: number; inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number; cacheSavedMicroUsd?: number },
  ): Promise<boolean> {
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        UpdateExpression:
          'ADD committedMicroUsd :d, spentMicroUsd :c, inputTokens :i, outputTokens :o, cacheReadTokens :cr, cacheWriteTokens :cw, cacheSavedMicroUsd :cs REMOVE #held',
        ConditionExpression: 'attribute_exists(#held)',
        ExpressionAttributeNames: { '#held': holdOf(replyId) },
        ExpressionAttributeValues: {
          ':d': actual.microUsd - reservedMicroUsd,
          ':c': actual.microUsd,
          ':i': actual.inputTokens,
          ':o': actual.outputTokens,
          ':cr': actual.cacheReadTokens ?? 0,
          ':cw': actual.cacheWriteTokens ?? 0,
          ':cs': actual.cacheSavedMicroUsd ?? 0,
        },
      }),
    );
  }

  /**
   * Counts a finished reply in its person's day (spend and tokens), for the
   * admin's chart by day; once per reply (the day keeps a short mark of each).
   */
  async addPersonDay(userId: string, day: string, replyId: string, reply: { microUsd: number; inputTokens: number; outputTokens: number }): Promise<void> {
    await conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: personDayKey(userId, day),
        UpdateExpression: 'ADD spentMicroUsd :c, replies :one, inputTokens :i, outputTokens :o, counted :mark',
        ConditionExpression: 'NOT contains(counted, :id)',
        ExpressionAttributeValues: { ':c': reply.microUsd, ':one': 1, ':i': reply.inputTokens, ':o': reply.outputTokens, ':mark': new Set([markOf(replyId)]), ':id': markOf(replyId) },
      }),
    );
  }

  /** The days of `month` (`yyyy-mm`) on which the person had a reply finish, in order. */
  async personDays(userId: string, month: string): Promise<DailyUsage[]> {
    const items = await this.#query(`USER#${userId}`, `${PERSON_DAY_PREFIX}${month}-`, 'sk, spentMicroUsd, replies, inputTokens, outputTokens');
    return items.map((item) => ({
      day: String(item.sk).slice(PERSON_DAY_PREFIX.length),
      spentMicroUsd: Number(item.spentMicroUsd ?? 0),
      replies: Number(item.replies ?? 0),
      inputTokens: Number(item.inputTokens ?? 0),
      outputTokens: Number(item.outputTokens ?? 0),
    }));
  }

  /** The installation's spend on each day of `month` that had any, in order (micro-dollars). */
  async installationDays(month: string): Promise<{ day: string; spentMicroUsd: number }[]> {
    const items = await this.#query('SPEND', `DAY#${month}-`, 'sk, spentMicroUsd');
    return items.map((item) => ({ day: String(item.sk).slice('DAY#'.length), spentMicroUsd: Number(item.spentMicroUsd ?? 0) }));
  }

  /**
   * The months (`yyyy-mm`) with any spend, newest first. One key query over
   * the installation's day rows: at most 366 small items a year.
   */
  async monthsWithSpend(): Promise<string[]> {
    const items = await this.#query('SPEND', 'DAY#', 'sk');
    return [...new Set(items.map((item) => String(item.sk).slice('DAY#'.length, 'DAY#'.length + 7)))].sort().reverse();
  }

  async #query(pk: string, prefix: string, projection?: string): Promise<Record<string, unknown>[]> {
    return queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
      ...(projection ? { ProjectionExpression: projection } : {}),
    });
  }

  /**
   * Adds a reply's cost to the installation's spend of the day, once per
   * reply, and returns the day's total (micro-dollars).
   */
  async addDailySpend(day: string, replyId: string, microUsd: number): Promise<number> {
    const added = await conditionallyUpdated(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: spendKey(day),
        UpdateExpression: 'ADD spentMicroUsd :c, counted :mark',
        ConditionExpression: 'NOT contains(counted, :id)',
        ExpressionAttributeValues: { ':c': microUsd, ':mark': new Set([markOf(replyId)]), ':id': markOf(replyId) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    if (added) return Number(added.spentMicroUsd ?? microUsd);
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: spendKey(day), ConsistentRead: true, ProjectionExpression: 'spentMicroUsd' }));
    return Number(out.Item?.spentMicroUsd ?? 0);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    usage: UsageRepository;
  }
}

export default fp(
  async (app) => {
    app.decorate('usage', new UsageRepository(app.dynamo, app.config.tableName));
  },
  { name: 'usage-repository', dependencies: ['dynamodb'] },
);
