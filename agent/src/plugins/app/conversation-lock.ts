/**
 * The one-reply-at-a-time rule of a conversation. The conversation item holds
 * `activeMessageId` while a reply streams; sending takes the lock and delete
 * refuses while it is held. A lock can outlive its reply, by a moment (the
 * message is finished before the lock is let go) or for good (a crashed
 * process, a send that failed before writing its message): this file is the
 * one place that decides when a held lock is really free.
 */
import type { FastifyInstance } from 'fastify';
import { conflict, notFound } from '../../http-error.js';
import type { ConversationRecord } from './conversations-repository.js';
import type { MessageRecord } from './messages-repository.js';

/** A conversation lock without its message for this long was left by a failed send. */
export const ORPHAN_LOCK_MS = 60_000;

/** Settles a reply left `streaming` by a crashed process (the stream runner's recoverIfStale). */
export type RecoverStale = (message: MessageRecord) => Promise<MessageRecord>;

export class ConversationLock {
  constructor(
    private readonly app: FastifyInstance,
    private readonly recoverStale: RecoverStale,
  ) {}

  /** Takes the lock for `messageId`, clearing one left behind; 409 while another reply really streams. */
  async acquire(conversation: ConversationRecord, messageId: string): Promise<void> {
    const { userId, id } = conversation;
    if (await this.app.conversations.lock(userId, id, messageId)) return;
    const current = await this.app.conversations.get(userId, id);
    // Deleted since the route read it.
    if (!current) throw notFound('That conversation does not exist.');
    if ((await this.releaseIfSettled(current)) && (await this.app.conversations.lock(userId, id, messageId))) return;
    throw conflict('reply_in_progress', 'Claude is still answering the previous message in this conversation. Wait for it to finish, or stop it.');
  }

  /** Lets go of a lock whose reply has ended (or never began). True when the conversation is now free. */
  async releaseIfSettled(conversation: ConversationRecord): Promise<boolean> {
    const holder = conversation.activeMessageId;
    if (!holder) return true;
    const message = await this.app.messages.get(conversation.id, holder);
    const settled = message
      ? (await this.recoverStale(message)).state !== 'streaming'
      : !conversation.activeSince || Date.now() - Date.parse(conversation.activeSince) > ORPHAN_LOCK_MS;
    if (!settled) return false;
    await this.app.conversations.unlock(conversation.userId, conversation.id, holder);
    return true;
  }

  release(conversation: Pick<ConversationRecord, 'userId' | 'id'>, messageId: string): Promise<void> {
    return this.app.conversations.unlock(conversation.userId, conversation.id, messageId);
  }

  /** At a reply's end: releases its lock and moves the conversation up the list, in one write. */
  releaseAndTouch(conversation: Pick<ConversationRecord, 'userId' | 'id'>, messageId: string): Promise<void> {
    return this.app.conversations.unlockAndTouch(conversation.userId, conversation.id, messageId);
  }
}
