/**
 * Phase 3: N chats replying at once, each followed by its own subscriber:
 * tokens delivered per second over the whole burst, and each service's
 * memory afterwards.
 */
import { performance } from 'node:perf_hooks';
import type { ChatUser, ReplyTiming } from './chat-user.js';
import { machineCpuTicks, processCpuSeconds, processMemory, type ProcessMemory } from './process-memory.js';
import type { ServicePids } from './stack-host-protocol.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

/** a burst that started gets this long per reply, whatever is left of the run's budget */
const REPLY_TIMEOUT_MS = 60_000;

export interface ReplyThroughput {
  concurrency: number;
  skipped?: string;
  completed: number;
  failures: number;
  firstFailure?: string;
  /** first POST until the last `done` */
  wallMs: number;
  outputTokens: number;
  tokensPerSecond: number;
  /** the message form's answer, under this load */
  post?: Summary;
  firstToken?: Summary;
  done?: Summary;
  /** after the burst; `launcher` holds the edge, dynalite and the emulator */
  memory: Partial<Record<keyof ServicePids, ProcessMemory>>;
  /** CPU seconds each process used from the first POST to the last `done` */
  cpuSeconds: Partial<Record<keyof ServicePids, number>>;
  /** how busy all of the machine's CPUs were during the burst (0–1), whoever used them */
  machineBusy?: number;
}

export async function measureThroughput(
  user: ChatUser,
  concurrency: number,
  text: string,
  budget: TimeBudget,
  pids: ServicePids,
): Promise<ReplyThroughput> {
  // Chats are opened before the clock starts: the burst is about replies.
  // Each chat starts with its first message, as "New chat" makes one; ten at a time.
  const conversations = await user.startChats(concurrency, 'Hello, a new chat for the burst', { atOnce: 10, timeoutMs: REPLY_TIMEOUT_MS, expired: () => budget.expired() });
  if (conversations.length < concurrency) {
    return { concurrency, completed: 0, failures: 0, skipped: `time limit reached while opening ${concurrency} chats`, wallMs: 0, outputTokens: 0, tokensPerSecond: 0, memory: {}, cpuSeconds: {} };
  }
  const names = ['agent', 'hub', 'app', 'launcher'] as const;
  const cpuBefore = await Promise.all(names.map((name) => processCpuSeconds(pids[name])));
  const machineBefore = await machineCpuTicks();
  const started = performance.now();
  const outcomes = await Promise.allSettled(conversations.map((id) => user.reply(id, text, REPLY_TIMEOUT_MS)));
  const wallMs = performance.now() - started;
  const cpuAfter = await Promise.all(names.map((name) => processCpuSeconds(pids[name])));
  const machineAfter = await machineCpuTicks();
  const machineBusy =
    machineBefore && machineAfter && machineAfter.total > machineBefore.total
      ? (machineAfter.busy - machineBefore.busy) / (machineAfter.total - machineBefore.total)
      : undefined;
  const cpuSeconds: ReplyThroughput['cpuSeconds'] = {};
  names.forEach((name, i) => {
    const before = cpuBefore[i];
    const after = cpuAfter[i];
    if (before !== undefined && after !== undefined) cpuSeconds[name] = after - before;
  });

  const timings = outcomes.filter((o): o is PromiseFulfilledResult<ReplyTiming> => o.status === 'fulfilled').map((o) => o.value);
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  const outputTokens = timings.reduce((sum, t) => sum + t.outputTokens, 0);
  const memory: ReplyThroughput['memory'] = {};
  for (const name of names) {
    const reading = await processMemory(pids[name]);
    if (reading) memory[name] = reading;
  }
  return {
    concurrency,
    completed: timings.length,
    failures: rejected.length,
    firstFailure: rejected[0] ? (rejected[0].reason as Error).message : undefined,
    wallMs,
    outputTokens,
    tokensPerSecond: outputTokens / (wallMs / 1000),
    post: timings.length ? summarize(timings.map((t) => t.postMs)) : undefined,
    firstToken: timings.length ? summarize(timings.map((t) => t.firstTokenMs)) : undefined,
    done: timings.length ? summarize(timings.map((t) => t.doneMs)) : undefined,
    memory,
    cpuSeconds,
    machineBusy,
  };
}
