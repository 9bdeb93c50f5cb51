import { serializeEvent } from './event.js';
import type { Subscriber } from './subscriber.js';
import { SubscriberList } from './subscriber-list.js';
import { TopicSelectorStore } from './topic-selector.js';
import { EARLIEST, TransportClosedError, type Transport } from './transport.js';
import type { Update } from './update.js';

interface HistoryEntry {
  update: Update;
  frame: Buffer;
}

export interface LocalTransportOptions {
  /** how many updates are kept for `Last-Event-ID` (0 keeps none) */
  historySize: number;
  selectors?: TopicSelectorStore;
}

/**
 * Everything in this process: a subscriber index and a ring buffer of the
 * last updates. One hub task only — the reason the ECS service must not run
 * more than one task (see README, "Shared transport").
 */
export class LocalTransport implements Transport {
  readonly #subscribers = new SubscriberList();
  readonly #selectors: TopicSelectorStore;
  readonly #history: (HistoryEntry | undefined)[];
  /** id → sequence number of the newest update with that id still in history */
  readonly #ids = new Map<string, number>();
  /** sequence number of the next update */
  #seq = 0;
  #closed = false;

  constructor(options: LocalTransportOptions) {
    this.#history = new Array<HistoryEntry | undefined>(Math.max(0, options.historySize));
    this.#selectors = options.selectors ?? new TopicSelectorStore();
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }

  async dispatch(update: Update): Promise<void> {
    if (this.#closed) throw new TransportClosedError();
    const frame = serializeEvent(update);
    this.#remember(update, frame);
    const now = Date.now();
    this.#subscribers.forEachMatch(update, this.#selectors, (subscriber) => {
      // A subscriber closed by this write (slow, expired) leaves the index at once;
      // deleting from a Set while iterating it is safe.
      if (!subscriber.send(frame, now)) this.#subscribers.remove(subscriber);
    });
  }

  #remember(update: Update, frame: Buffer): void {
    const size = this.#history.length;
    if (size === 0) return;
    const seq = this.#seq++;
    const slot = seq % size;
    const evicted = this.#history[slot];
    if (evicted !== undefined && this.#ids.get(evicted.update.id) === seq - size) this.#ids.delete(evicted.update.id);
    this.#history[slot] = { update, frame };
    this.#ids.set(update.id, seq);
  }

  async addSubscriber(subscriber: Subscriber): Promise<void> {
    if (this.#closed) throw new TransportClosedError();
    const size = this.#history.length;
    const oldest = Math.max(0, this.#seq - size);
    const requested = subscriber.requestLastEventId;
    // No Last-Event-ID asked for: no header, live updates only. Announcing the newest id in the
    // history told every subscriber (anonymous ones too) another person's latest private update id
    // and when their conversation was active; the Go hub sets the header only when the client sent
    // an id (dunglas/mercure subscribe.go, sendHeaders: `if s.RequestLastEventID != ""`, read 2026-12-01).
    let from = this.#seq;
    let announced: string | undefined;
    if (requested !== undefined) {
      const found = requested === EARLIEST ? undefined : this.#ids.get(requested);
      // An id is only confirmed when its update is one this subscriber may receive: otherwise the
      // header (and where the replay starts) would tell a guesser that a private id exists.
      if (found !== undefined && found >= oldest && subscriber.matches(this.#history[found % size]!.update, this.#selectors)) {
        from = found + 1;
        announced = requested;
      } else {
        // Unknown, evicted or not theirs: everything we still have (filtered by rights) is the best we can do.
        from = oldest;
        announced = EARLIEST;
      }
    }
    // Replay and registration happen in one synchronous step, so no update can
    // fall between the two (no gap) or be sent twice (no duplicate).
    subscriber.open(announced);
    const now = Date.now();
    for (let seq = from; seq < this.#seq && !subscriber.closed; seq++) {
      const entry = this.#history[seq % size]!;
      if (subscriber.matches(entry.update, this.#selectors)) subscriber.send(entry.frame, now, true);
    }
    if (!subscriber.closed) this.#subscribers.add(subscriber);
  }

  #lastId(): string | undefined {
    const size = this.#history.length;
    if (size === 0 || this.#seq === 0) return undefined;
    return this.#history[(this.#seq - 1) % size]!.update.id;
  }

  async removeSubscriber(subscriber: Subscriber): Promise<void> {
    this.#subscribers.remove(subscriber);
  }

  async getSubscribers(): Promise<{ lastEventId: string; subscribers: Subscriber[] }> {
    return { lastEventId: this.#lastId() ?? EARLIEST, subscribers: [...this.#subscribers] };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const subscriber of [...this.#subscribers]) subscriber.close('shutdown');
    this.#history.fill(undefined);
    this.#ids.clear();
  }
}
