import { randomUUID } from 'node:crypto';
import type { TopicSelectorStore } from './topic-selector.js';
import type { Update } from './update.js';

/**
 * Where a subscriber's events go. The HTTP route wraps the raw response in
 * this; tests wrap an array. Kept minimal so a subscriber costs a few hundred
 * bytes beyond its socket.
 */
export interface SubscriberStream {
  /** Called once, before any event, with the id the `Last-Event-ID` response header names. */
  open(lastEventId: string): void;
  write(chunk: Buffer): unknown;
  /** Bytes accepted but not yet handed to the kernel. */
  readonly writableLength: number;
  /** Ends the stream cleanly. */
  end(): void;
  /** Drops the connection (a subscriber that cannot keep up). */
  destroy(): void;
}

export type CloseReason = 'client' | 'expired' | 'lifetime' | 'slow' | 'shutdown';

export interface SubscriberInit {
  /** the `topic` selectors of the request */
  topics: readonly string[];
  /** `mercure.subscribe` of the JWT; undefined when anonymous (public updates only) */
  allowedPrivateTopics?: readonly string[] | undefined;
  /** `mercure.payload` of the JWT, shown in subscription events */
  payload?: unknown;
  /** `Last-Event-ID` the client asked for */
  requestLastEventId?: string | undefined;
  /** epoch ms when the JWT expires (the stream is closed then) */
  expiresAt?: number;
  /** epoch ms when the hub ends the connection so the client reconnects */
  closeAt?: number;
  stream: SubscriberStream;
  /** bytes the stream may hold before the subscriber counts as too slow */
  maxBufferedBytes: number;
  onClose?: (subscriber: Subscriber, reason: CloseReason) => void;
}

export class Subscriber {
  readonly id = `urn:uuid:${randomUUID()}`;
  readonly topics: readonly string[];
  readonly allowedPrivateTopics: readonly string[] | undefined;
  readonly payload: unknown;
  readonly requestLastEventId: string | undefined;
  readonly expiresAt: number;
  readonly closeAt: number;
  lastWriteAt = Date.now();
  /** the last dispatch that reached this subscriber; dedupes several matching selectors */
  dispatchMark = 0;
  #stream: SubscriberStream | undefined;
  readonly #maxBufferedBytes: number;
  #onClose: ((subscriber: Subscriber, reason: CloseReason) => void) | undefined;

  constructor(init: SubscriberInit) {
    this.topics = init.topics;
    this.allowedPrivateTopics = init.allowedPrivateTopics;
    this.payload = init.payload;
    this.requestLastEventId = init.requestLastEventId;
    this.expiresAt = init.expiresAt ?? Infinity;
    this.closeAt = init.closeAt ?? Infinity;
    this.#stream = init.stream;
    this.#maxBufferedBytes = init.maxBufferedBytes;
    this.#onClose = init.onClose;
  }

  get closed(): boolean {
    return this.#stream === undefined;
  }

  /** Whether the update is for this subscriber: topic selectors, and rights for a private update. */
  matches(update: Update, store: TopicSelectorStore): boolean {
    if (update.private && (this.allowedPrivateTopics === undefined || !store.matchAny(this.allowedPrivateTopics, update.topics))) {
      return false;
    }
    return store.matchAny(this.topics, update.topics);
  }

  open(lastEventId: string): void {
    this.#stream?.open(lastEventId);
  }

  /** Writes a serialized event; returns false when the subscriber is (now) closed. */
  send(frame: Buffer, now = Date.now()): boolean {
    const stream = this.#stream;
    if (stream === undefined) return false;
    if (now >= this.expiresAt) {
      this.close('expired');
      return false;
    }
    stream.write(frame);
    this.lastWriteAt = now;
    if (stream.writableLength > this.#maxBufferedBytes) {
      this.close('slow');
      return false;
    }
    return true;
  }

  /** Ends the stream once; `slow` drops the connection instead of flushing a buffer it cannot drain. */
  close(reason: CloseReason): void {
    const stream = this.#stream;
    if (stream === undefined) return;
    this.#stream = undefined;
    if (reason === 'slow') stream.destroy();
    else if (reason !== 'client') stream.end();
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.(this, reason);
  }
}
