/**
 * A per-person limit on message sends (`SEND_RATE_PER_MINUTE`, 20 by
 * default), on top of the agent's one-reply-at-a-time rule: a script or a
 * stuck key cannot burn a month's budget in seconds. Counted in this process,
 * as the sign-in limits are (one task; see ARCHITECTURE.md).
 */
import fp from 'fastify-plugin';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AttemptLimiter } from '../../attempt-limiter.js';
import { html } from '../../views/html.js';
import { isHtmxRequest } from './page-reply.js';
import { TooManyAttemptsError, waitingTime } from './sign-in-limits.js';

export interface SendLimits {
  /** counts a send for `userId`; throws `TooManyAttemptsError` (429, with the wait) when over the limit */
  countSend(userId: string): void;
  /**
   * Counts a send of the signed-in person; over the limit it answers 429 with Retry-After (a page with a
   * way back to `backPath`, or the composer's error fragment, which keeps the typed text) and returns true.
   */
  refuseWhenTooFast(request: FastifyRequest, reply: FastifyReply, backPath: string): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyInstance {
    sendLimits: SendLimits;
  }
}

export default fp<{ now?: () => number }>(
  async (app, options) => {
    const limiter = new AttemptLimiter({ limit: app.config.sendRatePerMinute, windowMs: 60_000, ...(options.now ? { now: options.now } : {}) });
    const limits: SendLimits = {
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
      async refuseWhenTooFast(request, reply, backPath) {
        try {
          limits.countSend(request.signedIn.user.id);
          return false;
        } catch (error) {
          if (!(error instanceof TooManyAttemptsError)) throw error;
          reply.header('retry-after', String(error.retryAfterSeconds));
          if (!isHtmxRequest(request)) {
            await reply.page('Slow down', html`<main class="narrow"><h1>Slow down</h1><p class="error" role="alert">${error.message}</p><p><a href="${backPath}">Back to the chat</a></p></main>`, { status: 429 });
          } else {
            reply.fragment(html`<p class="error">${error.message}</p>`, 429);
          }
          return true;
        }
      },
    };
    app.decorate('sendLimits', limits);
  },
  { name: 'send-limits', dependencies: ['config', 'page-reply'] },
);
