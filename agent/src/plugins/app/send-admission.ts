/**
 * Backpressure on sends, decided before any work: a send (a message, or a
 * new chat's first one) is answered 503 `busy` with `Retry-After` when
 * `SEND_MAX_IN_FLIGHT` sends are already being handled here (from arrival to
 * their 202), or when the event loop lags more than
 * `SEND_MAX_EVENT_LOOP_LAG_MS` (a CPU-starved task). Such an answer writes
 * nothing, so sending again is always safe. Without it a starved agent took
 * sends on and answered after the app's 15 s call timeout, when the person had
 * already been told to try again (docs/RELIABILITY.md).
 *
 * The lag is measured with a cheap timer: each tick is due `TICK_MS` after
 * the last; how late it ran is the lag. A loop that is blocked right now runs
 * no tick, so the time a tick is overdue counts too.
 */
import fp from 'fastify-plugin';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { BUSY_CODE } from '@homeagent/contract';
import { BusyError } from '../../busy-error.js';

const TICK_MS = 100;

export class SendAdmission {
  #inFlight = 0;
  #lastTickAt = performance.now();
  #lastLagMs = 0;
  readonly #admitted = new WeakSet<FastifyRequest>();
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly app: FastifyInstance) {
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.#lastLagMs = Math.max(0, now - this.#lastTickAt - TICK_MS);
      this.#lastTickAt = now;
    }, TICK_MS);
    this.#timer.unref();
  }

  /** Sends being handled now (arrived, not yet answered). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** How late the event loop runs now (ms): the last tick's delay, or how overdue the next one is. */
  lagMs(): number {
    const overdue = performance.now() - this.#lastTickAt - TICK_MS;
    return Math.max(this.#lastLagMs, overdue);
  }

  /** A route's onRequest hook: lets the send in and counts it, or refuses it (busy). */
  readonly admit = async (request: FastifyRequest): Promise<void> => {
    const { sendMaxInFlight, sendMaxEventLoopLagMs } = this.app.config;
    const lagMs = this.lagMs();
    const reason = this.#inFlight >= sendMaxInFlight ? 'in_flight' : lagMs > sendMaxEventLoopLagMs ? 'event_loop_lag' : undefined;
    if (reason) {
      this.app.metrics.put('SendsShed', 1);
      request.log.warn({ reason, inFlight: this.#inFlight, lagMs: Math.round(lagMs) }, 'send shed: busy');
      throw this.busy();
    }
    this.#inFlight += 1;
    this.#admitted.add(request);
  };

  /** When a send has been answered: counted out once. */
  release(request: FastifyRequest): void {
    if (!this.#admitted.delete(request)) return;
    this.#inFlight -= 1;
  }

  /** A busy answer; the wait is spread over one to two times the configured seconds, so retries do not arrive together. */
  busy(code = BUSY_CODE, wording: (wait: string) => string = (wait) => `HomeAgent is busy right now — try again in ${wait}. Your message was not sent yet.`): BusyError {
    const base = this.app.config.sendRetryAfterS;
    const seconds = base + Math.floor(Math.random() * (base + 1));
    return new BusyError(code, wording(seconds === 1 ? '1 second' : `${seconds} seconds`), seconds);
  }

  close(): void {
    clearInterval(this.#timer);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    sendAdmission: SendAdmission;
  }
}

export default fp(
  async (app) => {
    const admission = new SendAdmission(app);
    app.decorate('sendAdmission', admission);
    // Counted out when the route has answered (onSend runs even when its caller has gone, so a send that outlives
    // its caller still holds its place until its work is done); onResponse in case a reply skipped onSend.
    app.addHook('onSend', async (request, _reply, payload) => {
      admission.release(request);
      return payload;
    });
    app.addHook('onResponse', async (request) => admission.release(request));
    app.addHook('onClose', async () => admission.close());
  },
  { name: 'send-admission', dependencies: ['config', 'metrics'] },
);
