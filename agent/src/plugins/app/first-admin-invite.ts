import fp from 'fastify-plugin';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { isConditionFailed } from '../external/dynamodb.js';

const MARKER_KEY = { pk: 'SETUP', sk: 'FIRST_ADMIN_INVITE' };

/**
 * On the first start of an empty installation, makes one admin invite and
 * logs it once. The invite is written first and the setup marker second, by a
 * conditional put: when two agents start together both write an invite but
 * only one marker wins; the loser deletes its invite and logs nothing.
 */
export default fp(
  async (app) => {
    app.addHook('onReady', async () => {
      const marker = await app.dynamo.send(new GetCommand({ TableName: app.config.tableName, Key: MARKER_KEY, ConsistentRead: true }));
      if (marker.Item) return;
      const invite = await app.invites.create({ role: 'admin' });
      try {
        await app.dynamo.send(
          new PutCommand({
            TableName: app.config.tableName,
            Item: { ...MARKER_KEY, inviteCode: invite.code, createdAt: invite.createdAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (error) {
        await app.dynamo.send(new DeleteCommand({ TableName: app.config.tableName, Key: { pk: `INVITE#${invite.code}`, sk: 'INVITE' } }));
        if (isConditionFailed(error)) return;
        throw error;
      }
      // The one log line that carries a secret on purpose: the operator needs it to
      // create the first account. The logger's redact paths leave this field alone.
      app.log.info({ inviteCode: invite.code, expiresAt: invite.expiresAt }, 'first admin invite');
    });
  },
  { name: 'first-admin-invite', dependencies: ['dynamodb', 'invites-repository'] },
);
