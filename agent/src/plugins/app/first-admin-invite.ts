import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { conditionally } from '../external/dynamodb.js';
import { hashToken } from '../../token-hash.js';
import { InvitesRepository, type InviteRecord } from './invites-repository.js';

const MARKER_KEY = { pk: 'SETUP', sk: 'FIRST_ADMIN_INVITE' };

/**
 * The setup marker names the current first admin invite. Writing it is a
 * conditional put (absent, or still naming the invite we replace), so when
 * two agents start together only one marker write wins; the loser deletes
 * the invite it made and logs nothing.
 */
async function claimMarker(app: FastifyInstance, invite: InviteRecord, replacing?: { id: string; legacyCode?: string }): Promise<boolean> {
  const claimed = await conditionally(
    app.dynamo,
    new PutCommand({
      TableName: app.config.tableName,
      // The invite's id (the hash of its code): the marker holds no usable code.
      Item: { ...MARKER_KEY, inviteId: invite.id, createdAt: invite.createdAt },
      ConditionExpression: replacing ? 'inviteId = :old OR inviteCode = :legacy' : 'attribute_not_exists(pk)',
      ...(replacing ? { ExpressionAttributeValues: { ':old': replacing.id, ':legacy': replacing.legacyCode ?? '-' } } : {}),
    }),
  ).catch(async (error: unknown) => {
    await app.invites.delete(invite.id);
    throw error;
  });
  if (!claimed) await app.invites.delete(invite.id);
  return claimed;
}

/**
 * Called when an admin account is made: from then on setup is done for good,
 * even after DynamoDB's TTL has swept the used invite away.
 */
export async function recordAdminCreated(app: FastifyInstance): Promise<void> {
  await app.dynamo.send(
    new UpdateCommand({
      TableName: app.config.tableName,
      Key: MARKER_KEY,
      UpdateExpression: 'SET adminCreatedAt = if_not_exists(adminCreatedAt, :now)',
      ExpressionAttributeValues: { ':now': new Date().toISOString() },
    }),
  );
}

/**
 * On the first start of an empty installation, makes one admin invite and
 * logs it once. If that invite expired unused, nobody could ever become
 * admin, so the next start makes a new one (and logs that one, once).
 */
export default fp(
  async (app) => {
    app.addHook('onReady', async () => {
      const marker = await app.dynamo.send(new GetCommand({ TableName: app.config.tableName, Key: MARKER_KEY, ConsistentRead: true }));
      // Markers written before codes were hashed name the code itself.
      const legacyCode = marker.Item?.inviteCode as string | undefined;
      const previousId = (marker.Item?.inviteId as string | undefined) ?? (legacyCode ? hashToken(legacyCode) : undefined);
      const previous = previousId ? { id: previousId, ...(legacyCode ? { legacyCode } : {}) } : undefined;
      if (marker.Item) {
        if (marker.Item.adminCreatedAt) return;
        const status = InvitesRepository.status(previousId ? await app.invites.getById(previousId) : undefined);
        // Usable or used: it was logged already. Expired (or swept by TTL) unused: nobody can become admin.
        if (status === 'usable' || status === 'used') return;
      }
      const invite = await app.invites.create({ role: 'admin' });
      if (!(await claimMarker(app, invite, previous))) return;
      // The one log line that carries a secret on purpose: the operator needs it to
      // create the first account. The logger's redact paths leave this field alone.
      app.log.info({ inviteCode: invite.code, expiresAt: invite.expiresAt, ...(previous ? { replacesExpired: true } : {}) }, 'first admin invite');
    });
  },
  { name: 'first-admin-invite', dependencies: ['dynamodb', 'invites-repository', 'token-migration'] },
);
