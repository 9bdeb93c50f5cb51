/**
 * The emulator's own record of when it emitted each token of each reply,
 * kept only when it is started with `stampEmitTime` (the benchmark does;
 * `npm start` and the tests never do). The wire is unchanged: the agent
 * relays exactly what Bedrock would send, and the benchmark joins its
 * receive times to these stamps by the reply's last user message and the
 * token's index.
 */
import { performance } from 'node:perf_hooks';

export interface EmittedReply {
  /** the last user message the reply answers: the key the benchmark looks it up by */
  lastUserText: string;
  /** the emulator's `x-amzn-requestid` for the reply */
  requestId: string;
  /** the text of each streamed delta, in order */
  tokens: string[];
  /** when each delta was handed to HTTP/2: epoch milliseconds, sub-millisecond (performance.timeOrigin + performance.now()) */
  emittedAt: number[];
}

/** Replies kept at most; the oldest are dropped first, so a long run cannot grow without bound. */
const MAX_REPLIES = 20_000;

/** High-resolution epoch milliseconds: comparable between processes on one machine. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export class EmitRecord {
  private readonly replies = new Map<string, EmittedReply>();

  /** Starts the record of one reply; a later reply to the same text replaces it. */
  begin(lastUserText: string, requestId: string): EmittedReply {
    const reply: EmittedReply = { lastUserText, requestId, tokens: [], emittedAt: [] };
    this.replies.delete(lastUserText);
    this.replies.set(lastUserText, reply);
    if (this.replies.size > MAX_REPLIES) this.replies.delete(this.replies.keys().next().value!);
    return reply;
  }

  /** The record of the reply to `lastUserText`, removed from the record (each is read once). */
  take(lastUserText: string): EmittedReply | undefined {
    const reply = this.replies.get(lastUserText);
    this.replies.delete(lastUserText);
    return reply;
  }

  get size(): number {
    return this.replies.size;
  }
}
