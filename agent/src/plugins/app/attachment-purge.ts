/**
 * Removing files with what holds them. A conversation's files are found from
 * its messages (each user message keeps the descriptions it was sent with),
 * so they go before the messages do: a delete cut short between the two
 * still finds them when it runs again (DELETE again, as for the messages).
 * An account's files are found from both the bucket prefix and the items, so
 * a file without an item (an upload cut short) or an item without a file goes too.
 */
import type { FastifyInstance } from 'fastify';

/** Deletes the files (and items) of every message of a conversation; safe to run again. */
export async function purgeConversationAttachments(app: FastifyInstance, userId: string, conversationId: string): Promise<number> {
  const messages = await app.messages.listAll(conversationId);
  // Only the person's own files: the prefix is theirs whatever a message says.
  const ids = [...new Set(messages.flatMap((m) => (m.userId === userId ? (m.attachments ?? []).map((a) => a.id) : [])))];
  if (ids.length > 0) await app.attachments.purge(userId, ids);
  return ids.length;
}

/**
 * Deletes every file and attachment item of a person (for removing an
 * account: the lead's USER_PURGE_STEPS); safe to run again.
 */
export async function purgeUserAttachments(app: FastifyInstance, userId: string): Promise<number> {
  const [files, items] = await Promise.all([app.attachments.listFileIds(userId), app.attachments.listItemIds(userId)]);
  const ids = [...new Set([...files, ...items])];
  if (ids.length > 0) await app.attachments.purge(userId, ids);
  return ids.length;
}
