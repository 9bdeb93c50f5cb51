/**
 * Changes that can take an admin away (demote, disable, remove) run one at a
 * time across every agent task, so "is someone else still an admin?" and
 * the change itself are one step: two admins demoting each other at the
 * same instant cannot both pass the check. DynamoDB transactions would do
 * it in one request, but the lock (one item, a conditional put with an
 * expiry) needs nothing dynalite lacks and costs two writes on a rare action.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { DeleteCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conflict } from './http-error.js';
import { conditionally } from './plugins/external/dynamodb.js';

const LOCK_KEY = { pk: 'ADMIN_CHANGE', sk: 'LOCK' };
/** Far longer than a change takes; a task that died holding it frees it after this. */
const HOLD_MS = 15_000;
/** How long a second change waits for the first before asking the person to try again. */
const WAIT_MS = 5_000;

export class AdminChangeLock {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: { holdMs?: number; waitMs?: number } = {},
  ) {}

  /** Runs `change` holding the lock; 409 `admin_change_busy` when another change holds it too long. */
  async run<T>(change: () => Promise<T>): Promise<T> {
    const holder = randomUUID();
    const deadline = Date.now() + (this.options.waitMs ?? WAIT_MS);
    let pause = 10;
    while (!(await this.take(holder))) {
      if (Date.now() >= deadline) {
        throw conflict('admin_change_busy', 'Another change to who runs this HomeAgent is being made right now. Try again in a moment.');
      }
      await delay(pause);
      pause = Math.min(pause * 2, 200);
    }
    try {
      return await change();
    } finally {
      await conditionally(
        this.doc,
        new DeleteCommand({ TableName: this.table, Key: LOCK_KEY, ConditionExpression: 'holder = :me', ExpressionAttributeValues: { ':me': holder } }),
      );
    }
  }

  private take(holder: string): Promise<boolean> {
    const now = Date.now();
    return conditionally(
      this.doc,
      new PutCommand({
        TableName: this.table,
        Item: { ...LOCK_KEY, holder, expiresAt: now + (this.options.holdMs ?? HOLD_MS) },
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
  }
}
