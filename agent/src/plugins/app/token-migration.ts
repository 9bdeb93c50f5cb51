/**
 * On start, rewrites sessions and invites stored before their tokens were
 * hashed (`SESSION#<id>` with an `id` attribute, `INVITE#<code>` with a
 * `code` attribute) under the hash, and removes the old rows. A marker
 * records that it ran, so later starts skip the scan; a start interrupted
 * midway simply runs it again (each step is idempotent).
 */
import fp from 'fastify-plugin';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { scanItems } from '../external/dynamodb.js';

const MARKER_KEY = { pk: 'SETUP', sk: 'HASHED_TOKENS' };

export default fp(
  async (app) => {
    app.addHook('onReady', async () => {
      // A database that does not answer must not keep the agent from starting (it answers 503 until it is back):
      // the marker is not written, so the next start runs the migration again.
      try {
        const table = app.config.tableName;
        const marker = await app.dynamo.send(new GetCommand({ TableName: table, Key: MARKER_KEY, ConsistentRead: true }));
        if (marker.Item) return;
        let sessions = 0;
        let invites = 0;
        // A scan, once per installation: the legacy rows have no index of their own.
        const legacy = scanItems(app.dynamo, {
          TableName: table,
          FilterExpression: '(begins_with(pk, :s) AND attribute_exists(id)) OR (begins_with(pk, :i) AND attribute_exists(code))',
          ExpressionAttributeValues: { ':s': 'SESSION#', ':i': 'INVITE#' },
        });
        for await (const item of legacy) {
          if (String(item.pk).startsWith('SESSION#')) {
            await app.sessions.migrateLegacy(item);
            sessions += 1;
          } else {
            await app.invites.migrateLegacy(item);
            invites += 1;
          }
        }
        await app.dynamo.send(new PutCommand({ TableName: table, Item: { ...MARKER_KEY, doneAt: new Date().toISOString() } }));
        if (sessions + invites > 0) app.log.info({ sessions, invites }, 'stored session ids and invite codes as hashes');
      } catch (error) {
        app.log.warn({ err: error }, 'the token migration could not run; it runs again on the next start');
      }
    });
  },
  { name: 'token-migration', dependencies: ['dynamodb', 'sessions-repository', 'invites-repository'] },
);
