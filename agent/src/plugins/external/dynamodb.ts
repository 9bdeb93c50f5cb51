/**
 * The DynamoDB document client, shared by every repository.
 *
 * One table (docs/runtime.md), single-table layout:
 *
 * | entity              | pk                  | sk                  | notes                              |
 * |---------------------|---------------------|---------------------|------------------------------------|
 * | user                | `USER#<id>`         | `PROFILE`           | gsi1: `USERS` / `<createdAt>#<id>`  |
 * | username claim      | `USERNAME#<name>`   | `USERNAME`          | makes usernames unique             |
 * | invite              | `INVITE#<code>`     | `INVITE`            | `ttl`, `usedAt` once consumed; gsi1: `INVITES` / `<createdAt>#<code>` |
 * | session             | `SESSION#<id>`      | `SESSION`           | `ttl`; gsi1: `USER#<userId>#SESSIONS` |
 * | conversation        | `USER#<userId>`     | `CONV#<id>`         | gsi1: `USER#<userId>#CONVS` / `<updatedAt>#<id>` |
 * | message             | `CONV#<convId>`     | `MSG#<id>`          | ids sort by time                   |
 * | monthly usage       | `USER#<userId>`     | `USAGE#<yyyy-mm>`   | micro-dollars                      |
 * | daily spend (all)   | `SPEND`             | `DAY#<yyyy-mm-dd>`  | feeds the DailySpendUsd metric     |
 * | settings            | `SETTINGS`          | `GLOBAL`            |                                    |
 * | setup marker        | `SETUP`             | `FIRST_ADMIN_INVITE`|                                    |
 *
 * There are no transactions (dynalite has none): every write is conditional,
 * and multi-item operations are ordered so a failure can be undone.
 * The region and any endpoint (`AWS_ENDPOINT_URL_DYNAMODB`) come from the SDK's own chain.
 */
import fp from 'fastify-plugin';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

declare module 'fastify' {
  interface FastifyInstance {
    dynamo: DynamoDBDocumentClient;
  }
}

export default fp(
  async (app) => {
    const client = new DynamoDBClient({ region: app.config.awsRegion });
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

/** True when a DynamoDB condition did not hold. */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}

export function nowSeconds(now = Date.now()): number {
  return Math.floor(now / 1000);
}

/** dynalite never sweeps expired items, and DynamoDB sweeps late: readers decide. */
export function isExpired(item: { ttl?: number } | undefined, now = Date.now()): boolean {
  return item?.ttl !== undefined && item.ttl <= nowSeconds(now);
}
