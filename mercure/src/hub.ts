import { HEARTBEAT } from './event.js';
import { LocalTransport } from './local-transport.js';
import { Subscriber, type CloseReason, type SubscriberInit } from './subscriber.js';
import { TopicSelectorStore } from './topic-selector.js';
import type { Transport } from './transport.js';
import { Update } from './update.js';

export const SUBSCRIPTIONS_PATH = '/.well-known/mercure/subscriptions';
/** Bytes a subscriber may leave unsent before it is dropped as too slow. */
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;

export interface HubOptions {
  historySize: number;
  /** 0 disables */
  heartbeatMs: number;
  /** 0 disables */
  writeTimeoutMs: number;
  /** publish subscription events and answer the subscription API */
  subscriptions: boolean;
  maxBufferedBytes?: number;
  transport?: Transport;
  selectors?: TopicSelectorStore;
}

export type NewSubscriber = Omit<SubscriberInit, 'closeAt' | 'maxBufferedBytes' | 'onClose'>;

/** The JSON-LD document of one subscription, as the Go hub shapes it. */
export function subscriptionDocument(subscriber: Subscriber, topic: string, active: boolean): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@context': 'https://mercure.rocks/',
    id: `${SUBSCRIPTIONS_PATH}/${encodeURIComponent(topic)}/${encodeURIComponent(subscriber.id)}`,
    type: 'Subscription',
    subscriber: subscriber.id,
    topic,
    active,
  };
  if (subscriber.payload !== undefined) doc['payload'] = subscriber.payload;
  return doc;
}

/**
 * The hub without HTTP: it owns the transport and the subscribers of this
 * process, and keeps their connections alive (heartbeats), bounded in time
 * (write timeout, token expiry) and bounded in memory (slow subscribers).
 */
export class Hub {
  readonly selectors: TopicSelectorStore;
  readonly transport: Transport;
  readonly options: Readonly<HubOptions>;
  readonly #local = new Set<Subscriber>();
  readonly #timer: NodeJS.Timeout;
  readonly #maxBufferedBytes: number;
  #closing = false;

  constructor(options: HubOptions) {
    this.options = options;
    this.selectors = options.selectors ?? new TopicSelectorStore();
    this.transport = options.transport ?? new LocalTransport({ historySize: options.historySize, selectors: this.selectors });
    this.#maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    // One sweep for all subscribers instead of a timer each: 40,000 timers cost more than one loop.
    const shortest = [options.heartbeatMs, options.writeTimeoutMs].filter((ms) => ms > 0);
    const tick = Math.max(10, Math.min(1000, ...shortest.map((ms) => ms / 10)));
    this.#timer = setInterval(() => this.sweep(Date.now()), tick);
    this.#timer.unref();
  }

  get subscriberCount(): number {
    return this.#local.size;
  }

  get closing(): boolean {
    return this.#closing;
  }

  /** Validates and dispatches; returns the update's id. Throws UpdateValidationError. */
  async publish(update: Update): Promise<string> {
    update.validate();
    await this.transport.dispatch(update);
    return update.id;
  }

  createSubscriber(init: NewSubscriber): Subscriber {
    const lifetime = this.options.writeTimeoutMs;
    // Jitter spreads the reconnections so clients that came together do not all come back together.
    const closeAt = lifetime > 0 ? Date.now() + Math.round(lifetime * (0.8 + 0.2 * Math.random())) : Infinity;
    return new Subscriber({
      ...init,
      closeAt,
      maxBufferedBytes: this.#maxBufferedBytes,
      onClose: (subscriber, reason) => this.#closed(subscriber, reason),
    });
  }

  async subscribe(subscriber: Subscriber): Promise<void> {
    this.#local.add(subscriber);
    try {
      await this.transport.addSubscriber(subscriber);
    } catch (error) {
      this.#local.delete(subscriber);
      throw error;
    }
    if (subscriber.closed) return;
    await this.#announce(subscriber, true);
  }

  #closed(subscriber: Subscriber, reason: CloseReason): void {
    if (!this.#local.delete(subscriber)) return;
    void this.transport.removeSubscriber(subscriber);
    if (reason !== 'shutdown') void this.#announce(subscriber, false).catch(() => undefined);
  }

  async #announce(subscriber: Subscriber, active: boolean): Promise<void> {
    if (!this.options.subscriptions || this.#closing) return;
    for (const topic of subscriber.topics) {
      const doc = subscriptionDocument(subscriber, topic, active);
      const update = new Update({ topics: [doc['id'] as string], data: JSON.stringify(doc), private: true });
      await this.transport.dispatch(update.validate({ allowReserved: true }));
    }
  }

  /** Heartbeats, expired tokens and connection lifetimes; public for tests that pass their own clock. */
  sweep(now: number): void {
    const heartbeat = this.options.heartbeatMs;
    for (const subscriber of this.#local) {
      if (now >= subscriber.expiresAt) subscriber.close('expired');
      else if (now >= subscriber.closeAt) subscriber.close('lifetime');
      else if (heartbeat > 0 && now - subscriber.lastWriteAt >= heartbeat) subscriber.send(HEARTBEAT, now);
    }
  }

  /** Ends every stream cleanly (a final flush, no reset) and refuses new work. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearInterval(this.#timer);
    await this.transport.close();
    for (const subscriber of [...this.#local]) subscriber.close('shutdown');
  }
}
