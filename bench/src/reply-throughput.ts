/**
 * Phase 3: N chats replying at once, each followed by its own subscriber:
 * tokens delivered per second over the whole burst, and each service's
 * memory afterwards.
 */
import { performance } from 'node:perf_hooks';
import type { ChatUser, ReplyTiming } from './chat-user.js';
import { processMemory, type ProcessMemory } from './process-memory.js';
import type { ServicePids } from './stack-host-protocol.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

export interface ReplyThroughput {
  concurrency: number;
  completed: number;
  failures: number;
  firstFailure?: string;
  /** first POST until the last `done` */
  wallMs: number;
  outputTokens: number;
  tokensPerSecond: number;
  firstToken?: Summary;
  done?: Summary;
  /** after the burst; `launcher` holds the edge, dynalite and the emulator */
  memory: Partial<Record<keyof ServicePids, ProcessMemory>>;
}

export async function measureThroughput(
  user: ChatUser,
  concurrency: number,
  text: string,
  budget: TimeBudget,
  pids: ServicePids,
): Promise<ReplyThroughput> {
  // Chats are opened before the clock starts: the burst is about replies.
  const conversations: string[] = [];
  for (let i = 0; i < concurrency && !budget.expired(); i++) conversations.push(await user.createConversation());
  const timeoutMs = Math.max(1_000, Math.min(60_000, budget.left()));
  const started = performance.now();
  const outcomes = await Promise.allSettled(conversations.map((id) => user.reply(id, text, timeoutMs)));
  const wallMs = performance.now() - started;

  const timings = outcomes.filter((o): o is PromiseFulfilledResult<ReplyTiming> => o.status === 'fulfilled').map((o) => o.value);
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  const outputTokens = timings.reduce((sum, t) => sum + t.outputTokens, 0);
  const memory: ReplyThroughput['memory'] = {};
  for (const name of ['agent', 'hub', 'app', 'launcher'] as const) {
    const reading = await processMemory(pids[name]);
    if (reading) memory[name] = reading;
  }
  return {
    concurrency,
    completed: timings.length,
    failures: rejected.length + (concurrency - conversations.length),
    firstFailure: rejected[0] ? (rejected[0].reason as Error).message : undefined,
    wallMs,
    outputTokens,
    tokensPerSecond: outputTokens / (wallMs / 1000),
    firstToken: timings.length ? summarize(timings.map((t) => t.firstTokenMs)) : undefined,
    done: timings.length ? summarize(timings.map((t) => t.doneMs)) : undefined,
    memory,
  };
}
