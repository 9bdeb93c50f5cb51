/**
 * Pages at scale: the chat list with many chats and one chat with many
 * messages, each requested at a fixed rate (open loop: a request starts on
 * schedule whether or not the ones before it have answered), bounded in
 * count, time and requests in flight. Latency is counted from when the
 * request was due, so a server falling behind shows in the figures instead
 * of slowing the generator down (no coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import type { ChatUser } from './chat-user.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

export interface FixedRateResult {
  path: string;
  ratePerSecond: number;
  sent: number;
  failed: number;
  /** requests not started because too many were still waiting */
  shed: number;
  /** from when each request was due to its last byte */
  latency?: Summary;
  /** from when each request was actually sent to its last byte */
  serviceTime?: Summary;
}

export interface PageScale {
  conversationsInList: number;
  messagesOnPage: number;
  list: FixedRateResult;
  conversation: FixedRateResult;
}

const MAX_IN_FLIGHT = 256;

export async function fixedRate(user: ChatUser, path: string, ratePerSecond: number, count: number, budget: TimeBudget): Promise<FixedRateResult> {
  const interval = 1000 / ratePerSecond;
  const start = performance.now();
  const latency: number[] = [];
  const service: number[] = [];
  let failed = 0;
  let shed = 0;
  let inFlight = 0;
  const running: Array<Promise<void>> = [];
  for (let i = 0; i < count && !budget.expired(); i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    if (inFlight >= MAX_IN_FLIGHT) {
      shed++;
      continue;
    }
    inFlight++;
    const sent = performance.now();
    running.push(
      user.client
        .request('GET', path)
        .then((res) => {
          if (res.status !== 200) failed++;
          else {
            const end = performance.now();
            latency.push(end - due);
            service.push(end - sent);
          }
        })
        .catch(() => {
          failed++;
        })
        .finally(() => {
          inFlight--;
        }),
    );
  }
  await Promise.all(running);
  return {
    path,
    ratePerSecond,
    sent: running.length,
    failed,
    shed,
    latency: latency.length ? summarize(latency) : undefined,
    serviceTime: service.length ? summarize(service) : undefined,
  };
}

/** Seeds the person's chats up to `conversations` and one chat to `messages` messages, then measures both pages. */
export async function measurePageScale(
  user: ChatUser,
  existing: string[],
  opts: { conversations: number; messages: number; ratePerSecond: number; requests: number },
  budget: TimeBudget,
): Promise<PageScale> {
  const conversations = [...existing];
  const missing = Math.max(0, opts.conversations - conversations.length);
  conversations.push(...(await user.startChats(missing, 'Hello, a chat for the list', { atOnce: 8, timeoutMs: 30_000, expired: () => budget.expired() })));
  // The chat starts with its first exchange (New chat stores nothing until then).
  const chat = await user.startChat('Question 0: what is a good name for a cat?', 30_000);
  conversations.push(chat);
  let messages = 2;
  for (let i = 0; messages < opts.messages && !budget.expired(); i++) {
    await user.reply(chat, `Question ${i + 1}: what is a good name for a cat?`, 30_000);
    messages += 2;
  }
  // A few warm-ups, so the first requests do not measure a cold cache.
  for (let i = 0; i < 5; i++) {
    await user.client.get('/');
    await user.client.get(`/c/${chat}`);
  }
  return {
    conversationsInList: conversations.length,
    messagesOnPage: messages,
    list: await fixedRate(user, '/', opts.ratePerSecond, opts.requests, budget),
    conversation: await fixedRate(user, `/c/${chat}`, opts.ratePerSecond, opts.requests, budget),
  };
}
