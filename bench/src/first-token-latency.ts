/**
 * Phase 2: from posting a message to the first piece of the reply at the
 * subscriber, one message at a time (nothing else running), over a few chats.
 */
import type { ChatUser, ReplyTiming } from './chat-user.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

const REPLY_TIMEOUT_MS = 30_000;

export interface FirstTokenLatency {
  samples: number;
  failures: number;
  firstFailure?: string;
  /** the message form's answer (202 from the agent, rendered as two bubbles) */
  post?: Summary;
  firstToken?: Summary;
  done?: Summary;
}

export async function measureFirstToken(user: ChatUser, conversations: string[], text: string, count: number, budget: TimeBudget): Promise<FirstTokenLatency> {
  const timings: ReplyTiming[] = [];
  let failures = 0;
  let firstFailure: string | undefined;
  for (let i = 0; i < count && !budget.expired(); i++) {
    try {
      // The budget decides whether a sample starts; one that started gets its full time, so the limit never counts as a failure.
      const timing = await user.reply(conversations[i % conversations.length]!, text, REPLY_TIMEOUT_MS);
      timings.push(timing);
    } catch (error) {
      failures++;
      firstFailure ??= (error as Error).message;
    }
  }
  return {
    samples: timings.length,
    failures,
    firstFailure,
    post: timings.length ? summarize(timings.map((t) => t.postMs)) : undefined,
    firstToken: timings.length ? summarize(timings.map((t) => t.firstTokenMs)) : undefined,
    done: timings.length ? summarize(timings.map((t) => t.doneMs)) : undefined,
  };
}
