/**
 * Exactly-once sends. A send that carries an idempotency key claims it
 * (send-keys-repository.ts) before it writes anything, naming the ids of the
 * messages it will write; a second attempt with the same key then finds those
 * messages and answers them again instead of starting a second reply. This
 * closes the window of the soak run (docs/RELIABILITY.md): the app gives up on
 * a slow send and tells the person to try again while the agent may still
 * start its reply; the person's retry carries the same key and is shown that
 * very reply.
 *
 * The draft standard's rules (draft-ietf-httpapi-idempotency-key-header-07,
 * datatracker.ietf.org, read 2026-12): the same key with another request is
 * refused (422), and an attempt while the first is still in progress is told to
 * come back (here 503 `send_in_progress` with Retry-After, like `busy`).
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SEND_IN_PROGRESS_CODE } from '@homeagent/contract';
import { HttpError } from './http-error.js';
import { newId } from './id-generator.js';
import { ORPHAN_LOCK_MS } from './plugins/app/conversation-lock.js';
import type { MessageRecord } from './plugins/app/messages-repository.js';
import { sendKeyTtl, type SendKeyRecord } from './plugins/app/send-keys-repository.js';

/** The ids a send writes its two messages under (chosen before it claims its key). */
export interface SendIds {
  userMessageId: string;
  assistantId: string;
}

/**
 * How long an attempt may take between claiming its key and writing its
 * messages before a retry may take the key over: the conversation lock's rule
 * for a send that never wrote its message (conversation-lock.ts), for the same case.
 */
export const SEND_PENDING_MS = ORPHAN_LOCK_MS;

export type SendClaim =
  /** go ahead with these ids; `release` gives the key back if the send fails */
  | { kind: 'new'; conversationId: string; ids: SendIds; release: () => Promise<void> }
  /** an earlier attempt with this key wrote these; answer them again */
  | { kind: 'earlier'; conversationId: string; userMessage: MessageRecord; assistant: MessageRecord };

export class IdempotencyKeyReusedError extends HttpError {
  constructor() {
    super(422, 'idempotency_key_reused', 'This send was already made with a different message. Reload the page and send your message again.');
  }
}

/** What a send asks, as a hash: the scope (a conversation, or "start") and everything the request body says. */
export function sendFingerprint(scope: string, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([scope, body])).digest('base64url');
}

/**
 * Claims `key` for a send into `conversationId` (for a new chat: the id it
 * will be created with). Without a key every send is new.
 */
export async function claimSend(app: FastifyInstance, userId: string, key: string | undefined, conversationId: string, fingerprint: string): Promise<SendClaim> {
  const ids: SendIds = { userMessageId: newId(), assistantId: newId() };
  if (key === undefined) return { kind: 'new', conversationId, ids, release: async () => undefined };
  const now = Date.now();
  const record: SendKeyRecord = { userId, key, conversationId, ...ids, fingerprint, pendingUntil: now + SEND_PENDING_MS, ttl: sendKeyTtl(now) };
  const release = async () => {
    try {
      // A send that failed after writing its message (its reply ends as an error) keeps its key: that is its answer.
      if (await app.messages.get(conversationId, ids.userMessageId)) return;
      await app.sendKeys.release(userId, key, ids.userMessageId);
    } catch (error) {
      app.log.error({ err: error }, 'could not give back a send key');
    }
  };
  const holder = await app.sendKeys.claim(record);
  if (!holder) return { kind: 'new', conversationId, ids, release };
  if (holder.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
  const [userMessage, assistant] = await Promise.all([
    app.messages.get(holder.conversationId, holder.userMessageId),
    app.messages.get(holder.conversationId, holder.assistantId),
  ]);
  if (userMessage && assistant) return { kind: 'earlier', conversationId: holder.conversationId, userMessage, assistant };
  const inProgress = () => app.sendAdmission.busy(SEND_IN_PROGRESS_CODE, (wait) => `Your message is still being sent — try again in ${wait}.`);
  if (holder.pendingUntil > Date.now() || holder.userMessageId === ids.userMessageId) throw inProgress();
  // The attempt that held the key is gone (a crash) without its messages: this one takes its place.
  if (!(await app.sendKeys.takeOver(record, holder))) throw inProgress();
  return { kind: 'new', conversationId, ids, release };
}
