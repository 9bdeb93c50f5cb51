import fp from 'fastify-plugin';
import { GetCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conditionally } from '../external/dynamodb.js';

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
   * Reserves `microUsd` of the month's budget; false when that would go over.
   * A single conditional update, so two replies at once cannot both squeeze in.
   */
  async reserve(userId: string, month: string, microUsd: number, budgetMicroUsd: number): Promise<boolean> {
    const max = budgetMicroUsd - microUsd;
    if (max < 0) return false;
    return conditionally(
      this.doc,
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        UpdateExpression: 'ADD committedMicroUsd :r, requests :one',
        ConditionExpression: 'attribute_not_exists(committedMicroUsd) OR committedMicroUsd <= :max',
        ExpressionAttributeValues: { ':r': microUsd, ':one': 1, ':max': max },
      }),
    );
  }

  async release(userId: string, month: string, reservedMicroUsd: number): Promise<void> {
    if (reservedMicroUsd === 0) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        UpdateExpression: 'ADD committedMicroUsd :r',
        ExpressionAttributeValues: { ':r': -reservedMicroUsd },
      }),
    );
  }

  /** Replaces the reservation by the real cost and counts the tokens. */
  async settle(
    userId: string,
    month: string,
    reservedMicroUsd: number,
    actual: { microUsd: number; inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number; cacheSavedMicroUsd?: number },
  ): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: usageKey(userId, month),
        UpdateExpression: 'ADD committedMicroUsd :d, spentMicroUsd :c, inputTokens :i, outputTokens :o, cacheReadTokens :cr, cacheWriteTokens :cw, cacheSavedMicroUsd :cs',
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

  /** Counts a finished reply in its person's day (spend and tokens), for the admin's chart by day. */
  async addPersonDay(userId: string, day: string, reply: { microUsd: number; inputTokens: number; outputTokens: number }): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: personDayKey(userId, day),
        UpdateExpression: 'ADD spentMicroUsd :c, replies :one, inputTokens :i, outputTokens :o',
        ExpressionAttributeValues: { ':c': reply.microUsd, ':one': 1, ':i': reply.inputTokens, ':o': reply.outputTokens },
      }),
    );
  }

  /** The days of `month` (`yyyy-mm`) on which the person had a reply finish, in order. */
  async personDays(userId: string, month: string): Promise<DailyUsage[]> {
    const items = await this.#query(`USER#${userId}`, `${PERSON_DAY_PREFIX}${month}-`);
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
    const items = await this.#query('SPEND', `DAY#${month}-`);
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
    const items: Record<string, unknown>[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': pk, ':prefix': prefix },
          ...(projection ? { ProjectionExpression: projection } : {}),
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  /** Adds to the installation's spend of the day and returns the day's total (micro-dollars). */
  async addDailySpend(day: string, microUsd: number): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: spendKey(day),
        UpdateExpression: 'ADD spentMicroUsd :c',
        ExpressionAttributeValues: { ':c': microUsd },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.spentMicroUsd ?? microUsd);
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
