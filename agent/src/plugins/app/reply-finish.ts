/**
 * Storing how a reply ended, when the database is away for a while (issue
 * 14 item 5): by then the person has seen the whole reply, so giving up
 * would leave it `streaming` until someone opens it, and then settled as
 * interrupted with only the text of its last checkpoint. The end is tried
 * again with backoff while the database does not answer, for a bounded time;
 * the reply stays in this process's running set meanwhile, so no read
 * settles it from its older checkpoint. The budget's settlement waits the same way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { DatabaseUnavailableError } from '../external/dynamodb.js';
import type { FinishInput, MessageRecord } from './messages-repository.js';

/** 0.5 s doubling to 8 s, for at most 2 minutes: past that the lease and the next reader settle it. */
export const FINISH_RETRY = { firstMs: 500, maxMs: 8_000, totalMs: 120_000 } as const;

export function finishWhenReachable(
  app: FastifyInstance,
  log: FastifyBaseLogger,
  conversationId: string,
  messageId: string,
  input: FinishInput,
): Promise<MessageRecord | undefined> {
  return whenReachable(log, 'could not store the end of the reply', () => app.messages.finish(conversationId, messageId, input));
}

/**
 * Runs `write` until the database answers it: again with backoff while it is
 * unreachable (FINISH_RETRY), for writes that are safe to send twice.
 */
export async function whenReachable<T>(log: FastifyBaseLogger, failure: string, write: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + FINISH_RETRY.totalMs;
  for (let waitMs: number = FINISH_RETRY.firstMs; ; waitMs = Math.min(waitMs * 2, FINISH_RETRY.maxMs)) {
    try {
      return await write();
    } catch (error) {
      if (!(error instanceof DatabaseUnavailableError) || Date.now() + waitMs > giveUpAt) throw error;
      log.warn({ err: error, retryInMs: waitMs }, `${failure}; trying again`);
      await sleep(waitMs);
    }
  }
}
