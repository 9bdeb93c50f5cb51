/**
 * Rate limits for the two forms that take a secret from anyone: sign-in and
 * register. The agent trusts the app with these (it is reachable only from
 * it), so the app is where guessing has to stop:
 * - a burst limit per client address on every attempt, right or wrong;
 * - a limit on wrong passwords per username at one address (one person's
 *   typos do not lock out the rest of a household behind the same router,
 *   and nobody can lock a username from elsewhere).
 * The client address is `request.ip`, which honours only the proxy hop the
 * config trusts (`TRUST_PROXY_HOPS`).
 */
import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AttemptLimiter } from '../../attempt-limiter.js';

/** A form was refused because of too many attempts; the route shows it beside the form. */
export class TooManyAttemptsError extends Error {
  readonly code = 'too_many_attempts';
  readonly statusCode = 429;
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TooManyAttemptsError';
  }
}

/** "5 minutes", "1 minute", "30 seconds": how long to wait, as a person says it. */
export function waitingTime(seconds: number): string {
  if (seconds < 60) return `${seconds} ${seconds === 1 ? 'second' : 'seconds'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} ${minutes === 1 ? 'minute' : 'minutes'}`;
}

export interface SignInLimits {
  /** throws `TooManyAttemptsError` when the address has tried too often this minute; counts the attempt otherwise */
  countAttempt(request: FastifyRequest): void;
  /** throws `TooManyAttemptsError` when this username had too many wrong passwords from this address */
  checkSignIn(request: FastifyRequest, username: string): void;
  failedSignIn(request: FastifyRequest, username: string): void;
  succeededSignIn(request: FastifyRequest, username: string): void;
}

declare module 'fastify' {
  interface FastifyInstance {
    signInLimits: SignInLimits;
  }
}

export interface SignInLimitsOptions {
  /** milliseconds since the epoch; tests pass a clock they can move */
  now?: () => number;
}

export default fp<SignInLimitsOptions>(
  async (app, options) => {
    const { config } = app;
    const burst = new AttemptLimiter({ limit: config.authBurstPerMinute, windowMs: 60_000, now: options.now });
    const failures = new AttemptLimiter({
      limit: config.signInMaxFailures,
      windowMs: config.signInLockMinutes * 60_000,
      now: options.now,
    });
    // Usernames are lower-case (LIMITS.usernamePattern); folding case keeps "Ann" and "ann" one key.
    const failureKey = (request: FastifyRequest, username: string) => `${request.ip}\n${username.toLowerCase()}`;

    app.decorate('signInLimits', {
      countAttempt(request) {
        const state = burst.check(request.ip);
        if (!state.allowed) {
          request.log.warn({ ip: request.ip, route: request.url }, 'too many sign-in or register attempts from one address');
          throw new TooManyAttemptsError(
            state.retryAfterSeconds,
            `Too many attempts from your network in a short time. Please wait ${waitingTime(state.retryAfterSeconds)} and try again.`,
          );
        }
        burst.hit(request.ip);
      },
      checkSignIn(request, username) {
        const state = failures.check(failureKey(request, username));
        if (!state.allowed) {
          throw new TooManyAttemptsError(
            state.retryAfterSeconds,
            `Too many wrong passwords for this username. For your safety, signing in is paused: please wait ${waitingTime(state.retryAfterSeconds)} and try again.`,
          );
        }
      },
      failedSignIn(request, username) {
        const state = failures.hit(failureKey(request, username));
        if (!state.allowed) request.log.warn({ ip: request.ip }, 'sign-in paused for a username after too many wrong passwords');
      },
      succeededSignIn(request, username) {
        failures.reset(failureKey(request, username));
      },
    } satisfies SignInLimits);
  },
  { name: 'sign-in-limits', dependencies: ['config'] },
);
