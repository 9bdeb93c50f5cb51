/**
 * Counts attempts per key (a client address, a username at an address) in a
 * fixed window and says when a key has had enough. Memory stays bounded: at
 * most `maxKeys` keys are kept, and the least recently touched one is dropped
 * first, so a flood of made-up usernames cannot grow the map without end.
 * One process keeps its own counts: the service runs as one task (see
 * ARCHITECTURE.md), and the WAF's rate rule stands in front of it anyway.
 */

export interface AttemptLimiterOptions {
  /** attempts allowed per key and window; the next one is refused */
  limit: number;
  windowMs: number;
  /** keys kept at most (oldest dropped first) */
  maxKeys?: number;
  /** milliseconds since the epoch; tests pass their own clock */
  now?: () => number;
}

export interface LimitState {
  /** false once `limit` attempts were counted in the window */
  allowed: boolean;
  /** whole seconds until the window ends (at least 1 when not allowed) */
  retryAfterSeconds: number;
}

interface Window {
  count: number;
  endsAt: number;
}

export class AttemptLimiter {
  readonly limit: number;
  readonly windowMs: number;
  readonly maxKeys: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();

  constructor(options: AttemptLimiterOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a whole number of at least 1');
    if (!(options.windowMs > 0)) throw new RangeError('windowMs must be positive');
    this.limit = options.limit;
    this.windowMs = options.windowMs;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** How many keys are held right now (for tests of the bound). */
  get size(): number {
    return this.#windows.size;
  }

  #current(key: string, now: number): Window | undefined {
    const window = this.#windows.get(key);
    if (window && window.endsAt <= now) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #state(window: Window | undefined, now: number): LimitState {
    if (!window || window.count < this.limit) return { allowed: true, retryAfterSeconds: 0 };
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - now) / 1000)) };
  }

  /** Whether one more attempt may go ahead, without counting it. */
  check(key: string): LimitState {
    const now = this.#now();
    return this.#state(this.#current(key, now), now);
  }

  /** Counts one attempt and answers the state after it. */
  hit(key: string): LimitState {
    const now = this.#now();
    const window = this.#current(key, now) ?? { count: 0, endsAt: now + this.windowMs };
    window.count += 1;
    // Re-inserting moves the key to the end: Map order is then least recently touched first.
    this.#windows.delete(key);
    this.#windows.set(key, window);
    while (this.#windows.size > this.maxKeys) {
      const oldest = this.#windows.keys().next().value as string;
      this.#windows.delete(oldest);
    }
    return this.#state(window, now);
  }

  /** Forgets a key (a successful sign-in clears its failures). */
  reset(key: string): void {
    this.#windows.delete(key);
  }
}
