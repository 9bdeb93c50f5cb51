import { randomUUID } from 'node:crypto';
import type { TopicSelectorStore } from './topic-selector.js';
import type { Update } from './update.js';

/**
 * Where a subscriber's events go. The HTTP route wraps the raw response in
 * this; tests wrap an array. Kept minimal so a subscriber costs a few hundred
 * bytes beyond its socket.
 */
export interface SubscriberStream {
  /**
   * Called once, before any event, with the id the `Last-Event-ID` response header names;
   * undefined (no header) when the client asked for none.
   */
  open(lastEventId: string | undefined): void;
  /**
   * `backlog`: a history frame replayed to this subscriber alone (not the one
   * frame a dispatch is writing to everyone), so framing it must not copy it.
   */
  write(chunk: Buffer, backlog?: boolean): unknown;
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
  /** history bytes written during the replay, allowed on top of the buffer bound until drained */
  #backlogAllowance = 0;
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

  open(lastEventId: string | undefined): void {
    this.#stream?.open(lastEventId);
  }

  /**
   * Writes a serialized event; returns false when the subscriber is (now) closed.
   * `backlog` marks history replayed on (re)connection: a client that reads may
   * be owed more than the buffer bound, and those frames are shared with the
   * history anyway, so they only count against it once the socket has drained.
   */
  send(frame: Buffer, now = Date.now(), backlog = false): boolean {
    const stream = this.#stream;
    if (stream === undefined) return false;
    if (now >= this.expiresAt) {
      this.close('expired');
      return false;
    }
    stream.write(frame, backlog);
    this.lastWriteAt = now;
    if (backlog) this.#backlogAllowance += frame.length;
    const buffered = stream.writableLength;
    if (buffered <= this.#maxBufferedBytes) this.#backlogAllowance = 0;
    else if (buffered > this.#maxBufferedBytes + this.#backlogAllowance) {
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
