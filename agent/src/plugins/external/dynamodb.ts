/**
 * The DynamoDB document client, shared by every repository.
 *
 * One table (docs/runtime.md), single-table layout:
 *
 * | entity              | pk                  | sk                  | notes                              |
 * |---------------------|---------------------|---------------------|------------------------------------|
 * | user                | `USER#<id>`         | `PROFILE`           | gsi1: `USERS` / `<createdAt>#<id>`  |
 * | username claim      | `USERNAME#<name>`   | `USERNAME`          | makes usernames unique             |
 * | invite              | `INVITE#<sha256(code)>` | `INVITE`        | `ttl`, `usedAt` once consumed; gsi1: `INVITES` / `<createdAt>#<hash>` |
 * | session             | `SESSION#<sha256(id)>` | `SESSION`        | `ttl`; gsi1: `USER#<userId>#SESSIONS` |
 * | reset link          | `RESET#<sha256(token)>` | `RESET`         | `ttl`, `usedAt`; gsi1: `USER#<userId>#RESETS` |
 * | audit entry         | `AUDIT#<actorId or ANON>` | `<at>#<id>`   | `ttl` (400 days); gsi1: `AUDIT` / `<at>#<id>`; append-only |
 * | conversation        | `USER#<userId>`     | `CONV#<id>`         | gsi1: `USER#<userId>#CONVS` / `<updatedAt>#<id>` |
 * | message             | `CONV#<convId>`     | `MSG#<id>`          | ids sort by time                   |
 * | passkey             | `USER#<userId>`     | `PASSKEY#<sha256(credentialId)>` | public key, counter, name (passkeys-repository.ts) |
 * | passkey challenge   | `PASSKEY_CHALLENGE#<sha256(challenge)>` | `CHALLENGE` | `ttl` (5 min), single use  |
 * | monthly usage       | `USER#<userId>`     | `USAGE#<yyyy-mm>`   | micro-dollars                      |
 * | daily spend (all)   | `SPEND`             | `DAY#<yyyy-mm-dd>`  | feeds the DailySpendUsd metric     |
 * | settings            | `SETTINGS`          | `GLOBAL`            |                                    |
 * | setup markers       | `SETUP`             | `FIRST_ADMIN_INVITE`, `HASHED_TOKENS` |                  |
 *
 * Secret tokens (session ids, invite codes, reset links) are keyed by their
 * SHA-256 only (token-hash.ts): a table export holds no live credential.
 * There are no transactions (dynalite has none): every write is conditional,
 * and multi-item operations are ordered so a failure can be undone.
 * The region and any endpoint (`AWS_ENDPOINT_URL_DYNAMODB`) come from the SDK's own chain.
 *
 * Without timeouts a database that does not answer held every request open
 * forever (and `/healthz` stayed 200). Now a connection gets
 * DYNAMODB_CONNECT_TIMEOUT_MS, a request DYNAMODB_REQUEST_TIMEOUT_MS (thrown,
 * not merely warned about: `throwOnRequestTimeout`, @smithy/types
 * NodeHttpHandlerOptions, read 2026-12-01), two attempts in all, and a
 * failure to reach the database becomes `DatabaseUnavailableError`: a 503 with
 * a sentence, within a few seconds.
 */
import { isDeepStrictEqual } from 'node:util';
import fp from 'fastify-plugin';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HttpError } from '../../http-error.js';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  paginateScan,
  type DeleteCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
  type ScanCommandInput,
  type UpdateCommand,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';

declare module 'fastify' {
  interface FastifyInstance {
    dynamo: DynamoDBDocumentClient;
  }
}

export default fp(
  async (app) => {
    const { dynamodbConnectTimeoutMs: connectionTimeout, dynamodbRequestTimeoutMs: requestTimeout } = app.config;
    const client = new DynamoDBClient({
      region: app.config.awsRegion,
      maxAttempts: DYNAMODB_MAX_ATTEMPTS,
      // Options, not a handler instance: the SDK builds its own NodeHttpHandler from them.
      requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
    });
    // Around the whole send (retries included): the error the repositories and routes see.
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          throw isUnreachable(error) ? new DatabaseUnavailableError(error) : error;
        }
      },
      { step: 'initialize', name: 'databaseUnavailable' },
    );
    const doc = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    app.decorate('dynamo', doc);
    app.addHook('onClose', async () => {
      doc.destroy();
    });
  },
  { name: 'dynamodb', dependencies: ['config'] },
);

/** One retry: two timed-out attempts still answer within a few seconds. */
const DYNAMODB_MAX_ATTEMPTS = 2;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const BUSY_NAMES = new Set(['TimeoutError', 'ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'InternalServerError', 'ServiceUnavailable']);

/** The database could not be reached or did not answer in time (not: it answered no). */
export function isUnreachable(error: unknown): boolean {
  const e = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } } | null;
  if (e === null || typeof e !== 'object') return false;
  if (BUSY_NAMES.has(e.name ?? '') || NETWORK_CODES.has(e.code ?? '')) return true;
  const status = e.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export class DatabaseUnavailableError extends HttpError {
  constructor(cause: unknown) {
    super(503, 'database_unavailable', 'The database is not answering right now. Please try again in a minute.', { cause });
    this.name = 'DatabaseUnavailableError';
  }
}

/** A table item as the document client reads it (its own type for `Items`). */
export type Item = NonNullable<QueryCommandOutput['Items']>[number];

/**
 * Every item a query finds, page after page: the SDK's paginator follows
 * `LastEvaluatedKey` (lib-dynamodb `paginateQuery`). Pages are read as they
 * are consumed, so a caller may stop early or delete what it has read.
 */
export async function* queryItems(doc: DynamoDBDocumentClient, input: QueryCommandInput): AsyncGenerator<Item> {
  for await (const page of paginateQuery({ client: doc }, input)) yield* page.Items ?? [];
}

/** Every item a scan finds, page after page (lib-dynamodb `paginateScan`). */
export async function* scanItems(doc: DynamoDBDocumentClient, input: ScanCommandInput): AsyncGenerator<Item> {
  for await (const page of paginateScan({ client: doc }, input)) yield* page.Items ?? [];
}

/** Every item a query finds, in one array. */
export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of queryItems(doc, input)) items.push(item);
  return items;
}

/** Every item a scan finds, in one array. */
export async function scanAll(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  for await (const item of scanItems(doc, input)) items.push(item);
  return items;
}

/** True when a DynamoDB condition did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

/**
 * Sends a conditional write: true when it was made, false when its condition
 * did not hold (a lost race is an answer, not an error); anything else throws.
 */
export async function conditionally(doc: DynamoDBDocumentClient, command: PutCommand | UpdateCommand | DeleteCommand): Promise<boolean> {
  return (await conditionalResult(doc, command)) !== undefined;
}

/** Like `conditionally`, but hands back the item the update returned (`ReturnValues`), undefined when the condition did not hold. */
export async function conditionallyUpdated(
  doc: DynamoDBDocumentClient,
  command: UpdateCommand,
): Promise<NonNullable<UpdateCommandOutput['Attributes']> | undefined> {
  const out = (await conditionalResult(doc, command)) as UpdateCommandOutput | undefined;
  return out ? (out.Attributes ?? {}) : undefined;
}

async function conditionalResult(doc: DynamoDBDocumentClient, command: PutCommand | UpdateCommand | DeleteCommand): Promise<object | undefined> {
  try {
    return await doc.send(command as UpdateCommand);
  } catch (error) {
    if (isConditionFailed(error)) return undefined;
    throw error;
  }
}

/**
 * Writes an item under a fresh key (`attribute_not_exists(pk)`). The SDK
 * sends a write again when its first answer came late (DYNAMODB_MAX_ATTEMPTS):
 * the second attempt then meets the first one's item and its condition fails.
 * An item exactly like the one being written is that first attempt, so it
 * counts as written; anything else under the key is a real collision and throws.
 */
export async function putNew(doc: DynamoDBDocumentClient, table: string, item: Record<string, unknown> & { pk: string; sk: string }): Promise<void> {
  try {
    await doc.send(new PutCommand({ TableName: table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  } catch (error) {
    if (!isConditionFailed(error)) throw error;
    const out = await doc.send(new GetCommand({ TableName: table, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }));
    // Undefined fields are not stored (removeUndefinedValues), so they take no part in the comparison.
    const written = Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
    if (!isDeepStrictEqual(out.Item, written)) throw error;
  }
}

export function nowSeconds(now = Date.now()): number {
  return Math.floor(now / 1000);
}

/** dynalite never sweeps expired items, and DynamoDB sweeps late: readers decide. */
export function isExpired(item: { ttl?: number } | undefined, now = Date.now()): boolean {
  return item?.ttl !== undefined && item.ttl <= nowSeconds(now);
}
