/**
 * A per-person limit on message sends (`SEND_RATE_PER_MINUTE`, 20 by
 * default), on top of the agent's one-reply-at-a-time rule: a script or a
 * stuck key cannot burn a month's budget in seconds. Counted in this process,
 * as the sign-in limits are (one task; see ARCHITECTURE.md).
 */
import fp from 'fastify-plugin';
import { AttemptLimiter } from '../../attempt-limiter.js';
import { TooManyAttemptsError, waitingTime } from './sign-in-limits.js';

export interface SendLimits {
  /** counts a send for `userId`; throws `TooManyAttemptsError` (429, with the wait) when over the limit */
  countSend(userId: string): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    sendLimits: SendLimits;
  }
}

export default fp<{ now?: () => number }>(
  async (app, options) => {
    const limiter = new AttemptLimiter({ limit: app.config.sendRatePerMinute, windowMs: 60_000, ...(options.now ? { now: options.now } : {}) });
    app.decorate('sendLimits', {
      countSend(userId: string) {
        const state = limiter.check(userId);
        if (state.allowed) {
          limiter.hit(userId);
          return;
        }
        throw new TooManyAttemptsError(
          state.retryAfterSeconds,
          `You are sending messages faster than ${app.config.sendRatePerMinute} a minute. Try again in ${waitingTime(state.retryAfterSeconds)}.`,
        );
      },
    });
  },
  { name: 'send-limits', dependencies: ['config'] },
);
