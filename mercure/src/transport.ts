import type { Subscriber } from './subscriber.js';
import type { Update } from './update.js';

/**
 * How updates travel from publishers to subscribers. The local transport
 * keeps everything in this process; a shared one (Redis/Valkey streams, see
 * README) would let several hub tasks serve one audience. Every
 * implementation must pass test/transport-suite.ts.
 */
export interface Transport {
  /** Sends the update to every matching subscriber and records it in the history. */
  dispatch(update: Update): Promise<void>;
  /**
   * Replays the history after `subscriber.requestLastEventId` (when set), then
   * delivers live updates, with neither gap nor duplicate between the two.
   * Calls `subscriber.open()` with the response's Last-Event-ID before any event: undefined when
   * the client sent none, the requested id when it is in the history and the subscriber may receive
   * its update, else `earliest` — never an id the subscriber could not have received.
   */
  addSubscriber(subscriber: Subscriber): Promise<void>;
  removeSubscriber(subscriber: Subscriber): Promise<void>;
  /** The subscribers and the id of the last update, at one instant (subscription API). */
  getSubscribers(): Promise<{ lastEventId: string; subscribers: Subscriber[] }>;
  /** Ends every stream; later calls are refused with TransportClosedError. */
  close(): Promise<void>;
}

/** The id that means "before anything in the history". */
export const EARLIEST = 'earliest';

export class TransportClosedError extends Error {
  readonly code = 'transport_closed';
  constructor(options?: { cause?: unknown }) {
    super('The hub is shutting down.', options);
    this.name = 'TransportClosedError';
  }
}
