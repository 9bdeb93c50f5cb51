/**
 * Removing an account, as conversation delete does it: mark first (the
 * account reads as absent at once), then purge step by step. Every step only
 * deletes what is still there, so an interrupted removal is finished by
 * running the steps again; the agent does that on start for every account
 * still marked. Audit entries about the person stay (under their username).
 *
 * A new kind of per-person data (attachments, passkeys, share links) adds
 * its step to `USER_PURGE_STEPS`, before the profile goes.
 */
import type { FastifyInstance } from 'fastify';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { queryAll } from './plugins/external/dynamodb.js';
import { HttpError } from './http-error.js';
import { purgeUserAttachments } from './plugins/app/attachment-purge.js';
import type { UserRecord } from './plugins/app/users-repository.js';

export interface PurgeStep {
  name: string;
  run(app: FastifyInstance, user: UserRecord): Promise<void>;
}

/**
 * Stops every reply the person has streaming and waits until each is stored
 * (disabling and removal both need this). Found through their conversations' locks.
 */
export async function stopRepliesOf(app: FastifyInstance, userId: string): Promise<number> {
  let stopped = 0;
  for (const conversation of await app.conversations.listOwned(userId)) {
    const messageId = conversation.activeMessageId;
    if (!messageId) continue;
    if (await app.streamRunner.stop(messageId)) {
      stopped += 1;
      continue;
    }
    // Streaming in the table but not running here: a crashed process left it.
    const message = await app.messages.get(conversation.id, messageId);
    if (message?.state === 'streaming') {
      await app.streamRunner.settleOrphan(message, 'stopped');
      stopped += 1;
    } else {
      await app.conversationLock.releaseIfSettled(conversation);
    }
  }
  return stopped;
}

async function deleteKeys(app: FastifyInstance, keys: { pk: string; sk: string }[]): Promise<void> {
  const table = app.config.tableName;
  for (let i = 0; i < keys.length; i += 25) {
    let requests: Record<string, unknown>[] = keys.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8) throw new HttpError(503, 'database_busy', 'The database is busy; the removal finishes on the next try.');
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const out = await app.dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []);
    }
  }
}

/** The items under the person's own key whose sort key starts with `prefix`. */
async function ownKeys(app: FastifyInstance, userId: string, prefix: string): Promise<{ pk: string; sk: string }[]> {
  const items = await queryAll(app.dynamo, {
    TableName: app.config.tableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':prefix': prefix },
    ProjectionExpression: 'pk, sk',
    ConsistentRead: true,
  });
  return items.map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
}

/** In order; the profile goes last, so until then the account is still found (as marked) on start. */
export const USER_PURGE_STEPS: PurgeStep[] = [
  { name: 'sessions', run: (app, user) => app.sessions.purgeAllOf(user.id) },
  { name: 'replies', run: async (app, user) => {
    await stopRepliesOf(app, user.id);
  } },
  {
    name: 'conversations',
    run: async (app, user) => {
      for (const conversation of await app.conversations.listOwned(user.id)) {
        if ((await app.conversations.markDeleted(user.id, conversation.id)) === 'reply_in_progress') {
          throw new HttpError(409, 'reply_in_progress', 'A reply of this person is still being stored; try the removal again in a moment.');
        }
        await app.conversations.purge(user.id, conversation.id);
      }
    },
  },
  { name: 'usage', run: async (app, user) => deleteKeys(app, await ownKeys(app, user.id, 'USAGE#')) },
  { name: 'send keys', run: (app, user) => app.sendKeys.purgeAllOf(user.id) },
  { name: 'reset links', run: (app, user) => app.resetLinks.purgeAllOf(user.id) },
  { name: 'invites', run: (app, user) => app.invites.forgetUser(user.id) },
  // A share link's snapshot is a copy of the person's messages: it goes with them.
  { name: 'share links', run: (app, user) => app.shares.purgeAllOf(user.id) },
  { name: 'attachments', run: async (app, user) => {
    await purgeUserAttachments(app, user.id);
  } },
  { name: 'passkeys', run: (app, user) => app.passkeys.purgeAllOf(user.id) },
  { name: 'profile', run: (app, user) => app.users.purge(user) },
];

/** Runs every purge step of a marked account; throws (leaving it marked) when one fails. */
export async function purgeAccount(app: FastifyInstance, user: UserRecord): Promise<void> {
  for (const step of USER_PURGE_STEPS) {
    try {
      await step.run(app, user);
    } catch (error) {
      app.log.error({ err: error, userId: user.id, step: step.name }, 'account removal stopped; it finishes on the next start');
      throw error;
    }
  }
}

/** On start: finishes every removal an earlier process began. */
export async function finishRemovals(app: FastifyInstance): Promise<void> {
  for (const user of await app.users.list({ removing: true })) {
    await purgeAccount(app, user).catch(() => undefined);
    app.log.info({ userId: user.id }, 'finished removing an account');
  }
}
