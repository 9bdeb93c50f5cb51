import type { SubscriberStream } from '../src/subscriber.js';

/** A SubscriberStream that records what it gets; `stalled` plays a client that reads nothing. */
export class MemoryStream implements SubscriberStream {
  announced: string | undefined;
  opened = false;
  readonly chunks: string[] = [];
  ended = false;
  destroyed = false;
  stalled = false;
  writableLength = 0;

  open(lastEventId: string | undefined): void {
    if (this.opened) throw new Error('opened twice');
    this.opened = true;
    this.announced = lastEventId;
  }

  /** how many writes were marked as backlog (history replay) */
  backlogWrites = 0;

  write(chunk: Buffer, backlog?: boolean): boolean {
    if (backlog) this.backlogWrites++;
    if (!this.opened) throw new Error('write before open');
    if (this.ended || this.destroyed) throw new Error('write after close');
    if (this.stalled) this.writableLength += chunk.length;
    this.chunks.push(chunk.toString());
    return true;
  }

  end(): void {
    this.ended = true;
  }

  destroy(): void {
    this.destroyed = true;
  }

  /** ids of the events received, in order */
  get ids(): string[] {
    return this.chunks.flatMap((c) => [...c.matchAll(/^id: (.*)$/gm)].map((m) => m[1]!));
  }
}
