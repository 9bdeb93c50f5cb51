/**
 * Relay latency per token, one cell of the sweep: N people each have their
 * chat page open (its one live connection to the hub, through the edge),
 * send one message through the app's real routes and follow the reply's
 * `delta` events on that connection, as the page does. Each token's added latency is when it reached
 * the subscriber minus when the emulator emitted it. Also: whether every
 * token arrived once and in order (against the stored text), CPU per process
 * and RSS during the cell. And the baseline: the same number of streams read
 * directly from the emulator with the AWS SDK.
 */
import { performance } from 'node:perf_hooks';
import { BedrockRuntimeClient, ConverseStreamCommand } from '@aws-sdk/client-bedrock-runtime';
import { epochNow, type EmittedReply } from '@homeagent/local/bedrock-emulator';
import type { AgentApi } from './agent-api.js';
import { BenchError } from './bench-error.js';
import { decodeAttribute } from './browser-client.js';
import type { ChatUser } from './chat-user.js';
import type { EmulatorProcess } from './emulator-process.js';
import { processCpuSeconds, processMemory } from './process-memory.js';
import { SseSubscription } from './sse-subscription.js';
import { summarize, type Summary } from './stats.js';
import { checkDelivery, tokenLatencies, type ReceivedPiece } from './token-delivery.js';

/** One simulated person: signed in through the edge, with a chat of their own. */
export interface RelayPerson {
  user: ChatUser;
  userId: string;
  conversationId: string;
}

export type ProcessName = 'agent' | 'hub' | 'app' | 'launcher' | 'emulator';

export interface StreamTally {
  /** streams that ended `done` and whose emit record was found */
  measured: number;
  failed: number;
  firstFailure?: string;
  tokens: number;
  lost: number;
  doubled: number;
  outOfOrder: number;
  /** streams whose received text was not the stored text, or the stored text not what the emulator sent */
  mismatched: number;
}

export interface LatencyFigures {
  /** every token: receive − emit, ms */
  perToken?: Summary;
  /** only tokens emitted after the subscriber's stream was open: the relay alone, without the wait for the form's answer */
  perTokenSubscribed?: Summary;
  /** the first token of each stream: receive − emit */
  firstToken?: Summary;
}

export interface RelayCell extends LatencyFigures, StreamTally {
  concurrency: number;
  coalesceMs: number;
  wallMs: number;
  /** the message form's answer, ms */
  post?: Summary;
  /**
   * `delta` events received over the measured streams: each is one hub
   * publish and, before it, one conditional checkpoint write (reply-lease.ts
   * `beforePublish`), so this is also the lease's write count.
   */
  pieces: number;
  piecesPer1000Tokens?: number;
  /** CPU seconds per process over the cell */
  cpuSeconds: Partial<Record<ProcessName, number>>;
  /** replies of the cell that ran and ended (a send refused, e.g. 503, emitted none) */
  emittedReplies: number;
  /** tokens the emulator emitted for them */
  emittedTokens: number;
  /** CPU seconds per 1,000 tokens emitted in the cell */
  cpuPer1000Tokens: Partial<Record<ProcessName, number>>;
  /** the highest RSS seen per process during the cell, MiB */
  peakRssMiB: Partial<Record<ProcessName, number>>;
}

export interface BaselineCell extends LatencyFigures {
  concurrency: number;
  measured: number;
  failed: number;
  firstFailure?: string;
  tokens: number;
  /**
   * CPU seconds this process spent reading the streams, per 1,000 tokens: what
   * the AWS SDK alone costs to receive Bedrock's events (decoding the event
   * stream, its checksums, the JSON of each event), the floor under the agent's own figure.
   */
  cpuPer1000Tokens?: number;
}

const RSS_SAMPLE_MS = 250;

function summaryOf(values: number[]): Summary | undefined {
  return values.length > 0 ? summarize(values) : undefined;
}

/** The text of message `i` of a cell: unique, so the emulator's record finds it. */
function messageText(tag: string, i: number, body: string): string {
  return `[${tag} #${i}] ${body}`;
}

/** Samples RSS of each process until stopped, keeping the highest. */
function sampleRss(pids: Partial<Record<ProcessName, number>>): () => Promise<Partial<Record<ProcessName, number>>> {
  const peak: Partial<Record<ProcessName, number>> = {};
  let stopped = false;
  const sample = async () => {
    for (const [name, pid] of Object.entries(pids) as Array<[ProcessName, number]>) {
      const reading = await processMemory(pid);
      if (reading) peak[name] = Math.max(peak[name] ?? 0, reading.rssMiB);
    }
  };
  // A named function, not an inline one: TypeScript reads an immediately called arrow's body as if it ran
  // right here, where `stopped` is still false.
  async function sampleUntilStopped(): Promise<void> {
    while (!stopped) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, RSS_SAMPLE_MS));
    }
  }
  const loop = sampleUntilStopped();
  return async () => {
    stopped = true;
    await loop;
    await sample();
    return peak;
  };
}

async function cpuOf(pids: Partial<Record<ProcessName, number>>): Promise<Partial<Record<ProcessName, number>>> {
  const out: Partial<Record<ProcessName, number>> = {};
  for (const [name, pid] of Object.entries(pids) as Array<[ProcessName, number]>) {
    const seconds = await processCpuSeconds(pid);
    if (seconds !== undefined) out[name] = seconds;
  }
  return out;
}

interface StreamOutcome {
  key: string;
  messageId: string;
  person: RelayPerson;
  postMs: number;
  subscribedAt: number;
  pieces: ReceivedPiece[];
}

/** A person's chat page, open before anything is sent: its one live connection (issue 10), and when it opened. */
interface OpenPage {
  person: RelayPerson;
  subscription: SseSubscription;
  openedAt: number;
}

const OPEN_PAGES_AT_ONCE = 16;

async function openChatPage(person: RelayPerson): Promise<OpenPage> {
  const page = await person.user.client.get(`/c/${person.conversationId}`);
  const connect = /hx-sse:connect="([^"]+)"/.exec(page.body);
  if (!connect) throw new BenchError('unexpected_page', 'the chat page has no live connection');
  const subscription = await SseSubscription.open(person.user.client, decodeAttribute(connect[1]!));
  return { person, subscription, openedAt: epochNow() };
}

/**
 * Every person's chat page, a few at a time (setup: the pages are open before
 * the cell's clock starts). A page that cannot be opened (on a machine this
 * busy the app may answer 503 when the agent is slow) is tried once more, then
 * counted as a failed stream instead of ending the sweep.
 */
async function openChatPages(people: RelayPerson[]): Promise<{ pages: OpenPage[]; failures: Error[] }> {
  const pages: OpenPage[] = [];
  const failures: Error[] = [];
  let next = 0;
  const worker = async () => {
    while (next < people.length) {
      const person = people[next++]!;
      try {
        pages.push(await openChatPage(person).catch(() => openChatPage(person)));
      } catch (error) {
        failures.push(error as Error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_PAGES_AT_ONCE, people.length) }, worker));
  return { pages, failures };
}

/** The reply's text as it arrived: each `delta` of this message carries the raw text it adds (contract: live-events.ts). */
function piecesOf(subscription: SseSubscription, messageId: string): ReceivedPiece[] {
  const pieces: ReceivedPiece[] = [];
  for (const event of subscription.events) {
    if (event.type !== 'delta' || !(event.id ?? '').startsWith(`${messageId}:`)) continue;
    let raw: unknown;
    try {
      raw = (JSON.parse(event.data) as { raw?: unknown }).raw;
    } catch (cause) {
      throw new BenchError('unexpected_event', 'a `delta` event did not carry JSON', { cause });
    }
    if (typeof raw !== 'string') throw new BenchError('unexpected_event', 'a `delta` event carried no `raw` text');
    if (raw !== '') pieces.push({ text: raw, at: performance.timeOrigin + event.at });
  }
  return pieces;
}

/** One person's message, sent from their open chat page, and the reply's pieces as the page receives them. */
async function followReply(page: OpenPage, text: string, timeoutMs: number): Promise<StreamOutcome> {
  const { person, subscription } = page;
  const started = performance.now();
  const res = await person.user.client.post(`/c/${person.conversationId}/messages`, { text }, { expectStatus: 200, htmx: true });
  const postMs = performance.now() - started;
  const bubble = /id="message-([^"]+)"[^>]*data-state="streaming"/.exec(res.body);
  if (!bubble) throw new BenchError('unexpected_page', 'the message form answered without a streaming reply bubble');
  const messageId = decodeAttribute(bubble[1]!);
  const done = await subscription.waitFor((e) => e.type === 'done' && (e.id ?? '').startsWith(`${messageId}:`), timeoutMs, '`done` event');
  const detail = JSON.parse(done.data) as { messageId?: string; state?: string; error?: string };
  if (detail.messageId !== messageId || detail.state !== 'complete') {
    throw new BenchError('reply_failed', `the reply ended ${detail.state ?? 'unknown'}${detail.error ? `: ${detail.error}` : ''}`);
  }
  return { key: text, messageId, person, postMs, subscribedAt: page.openedAt, pieces: piecesOf(subscription, messageId) };
}

function tallyInto(tally: StreamTally, check: { lost: number; doubled: number; outOfOrder: number }): void {
  tally.lost += check.lost;
  tally.doubled += check.doubled;
  tally.outOfOrder += check.outOfOrder;
}

/** One cell: `people.length` replies at once through the whole stack. */
export async function measureRelayCell(opts: {
  people: RelayPerson[];
  coalesceMs: number;
  tag: string;
  body: string;
  emulator: EmulatorProcess;
  api: AgentApi;
  pids: Partial<Record<ProcessName, number>>;
  timeoutMs: number;
}): Promise<RelayCell> {
  const { people, emulator, api, pids } = opts;
  const { pages, failures: unopened } = await openChatPages(people);
  const stopRss = sampleRss(pids);
  const cpuBefore = await cpuOf(pids);
  const started = performance.now();
  let outcomes: Array<PromiseSettledResult<StreamOutcome>>;
  try {
    outcomes = await Promise.allSettled(pages.map((page, i) => followReply(page, messageText(opts.tag, i, opts.body), opts.timeoutMs)));
  } finally {
    for (const page of pages) page.subscription.close();
  }
  const wallMs = performance.now() - started;
  const cpuAfter = await cpuOf(pids);
  const peakRssMiB = await stopRss();

  const ok = outcomes.filter((o): o is PromiseFulfilledResult<StreamOutcome> => o.status === 'fulfilled').map((o) => o.value);
  const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  const tally: StreamTally = { measured: 0, failed: rejected.length + unopened.length, tokens: 0, lost: 0, doubled: 0, outOfOrder: 0, mismatched: 0 };
  if (rejected[0]) tally.firstFailure = (rejected[0].reason as Error).message;
  else if (unopened[0]) tally.firstFailure = `the chat page did not open: ${unopened[0].message}`;
  const records = await emulator.emitted(ok.map((o) => o.key));
  const perToken: number[] = [];
  const perTokenSubscribed: number[] = [];
  const firstToken: number[] = [];
  let emittedTokens = 0;
  let emittedReplies = 0;
  let pieces = 0;
  for (let i = 0; i < ok.length; i++) {
    const outcome = ok[i]!;
    const record: EmittedReply | null = records[i] ?? null;
    if (!record) {
      tally.failed++;
      tally.firstFailure ??= 'the emulator has no record of a reply (did the agent send the message text as typed?)';
      continue;
    }
    emittedTokens += record.tokens.length;
    emittedReplies++;
    const { messages } = await api.getJson<{ messages: Array<{ id: string; text: string }> }>(`/v1/conversations/${outcome.person.conversationId}`, outcome.person.userId);
    const stored = messages.find((m) => m.id === outcome.messageId)?.text ?? '';
    const received = outcome.pieces.map((p) => p.text).join('');
    const check = checkDelivery(stored, received);
    tallyInto(tally, check);
    // The stored text must also be what the emulator sent: otherwise "nothing lost" would compare two wrong texts.
    tallyInto(tally, checkDelivery(record.tokens.join(''), stored));
    if (received !== stored || stored !== record.tokens.join('')) tally.mismatched++;
    tally.measured++;
    tally.tokens += record.tokens.length;
    pieces += outcome.pieces.length;
    const latencies = tokenLatencies(record.tokens, record.emittedAt, outcome.pieces);
    if (!latencies) continue;
    perToken.push(...latencies);
    latencies.forEach((latency, t) => {
      if (record.emittedAt[t]! >= outcome.subscribedAt) perTokenSubscribed.push(latency);
    });
    if (latencies.length > 0) firstToken.push(latencies[0]!);
  }

  const cpuSeconds: RelayCell['cpuSeconds'] = {};
  const cpuPer1000Tokens: RelayCell['cpuPer1000Tokens'] = {};
  for (const name of Object.keys(pids) as ProcessName[]) {
    const before = cpuBefore[name];
    const after = cpuAfter[name];
    if (before === undefined || after === undefined) continue;
    cpuSeconds[name] = after - before;
    if (emittedTokens > 0) cpuPer1000Tokens[name] = ((after - before) * 1000) / emittedTokens;
  }
  return {
    concurrency: people.length,
    coalesceMs: opts.coalesceMs,
    wallMs,
    ...tally,
    post: summaryOf(ok.map((o) => o.postMs)),
    pieces,
    ...(tally.tokens > 0 ? { piecesPer1000Tokens: (pieces * 1000) / tally.tokens } : {}),
    perToken: summaryOf(perToken),
    perTokenSubscribed: summaryOf(perTokenSubscribed),
    firstToken: summaryOf(firstToken),
    emittedReplies,
    emittedTokens,
    cpuSeconds,
    cpuPer1000Tokens,
    peakRssMiB,
  };
}

/** The physical limit: the same number of streams read straight from the emulator with the AWS SDK, in this process. */
export async function measureBaselineCell(opts: {
  concurrency: number;
  tag: string;
  body: string;
  systemPrompt: string;
  modelId: string;
  emulator: EmulatorProcess;
}): Promise<BaselineCell> {
  const client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: opts.emulator.url,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    const read = async (text: string): Promise<{ key: string; pieces: ReceivedPiece[] }> => {
      const out = await client.send(
        new ConverseStreamCommand({
          modelId: opts.modelId,
          system: [{ text: opts.systemPrompt }],
          messages: [{ role: 'user', content: [{ text }] }],
        }),
      );
      const pieces: ReceivedPiece[] = [];
      for await (const event of out.stream ?? []) {
        const piece = event.contentBlockDelta?.delta?.text;
        if (piece) pieces.push({ text: piece, at: epochNow() });
      }
      return { key: text, pieces };
    };
    const texts = Array.from({ length: opts.concurrency }, (_, i) => messageText(opts.tag, i, opts.body));
    // Only the reads run in this process meanwhile: its CPU is what reading them costs.
    const cpuBefore = process.cpuUsage();
    const outcomes = await Promise.allSettled(texts.map(read));
    const cpu = process.cpuUsage(cpuBefore);
    const ok = outcomes.filter((o): o is PromiseFulfilledResult<{ key: string; pieces: ReceivedPiece[] }> => o.status === 'fulfilled').map((o) => o.value);
    const rejected = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    const records = await opts.emulator.emitted(ok.map((o) => o.key));
    const perToken: number[] = [];
    const firstToken: number[] = [];
    let measured = 0;
    let tokens = 0;
    ok.forEach((outcome, i) => {
      const record = records[i];
      const latencies = record ? tokenLatencies(record.tokens, record.emittedAt, outcome.pieces) : undefined;
      if (!record || !latencies) return;
      measured++;
      tokens += record.tokens.length;
      perToken.push(...latencies);
      if (latencies.length > 0) firstToken.push(latencies[0]!);
    });
    const failed = opts.concurrency - measured;
    return {
      concurrency: opts.concurrency,
      measured,
      failed,
      firstFailure: rejected[0] ? (rejected[0].reason as Error).message : failed > 0 ? 'a direct stream did not match its emit record' : undefined,
      tokens,
      perToken: summaryOf(perToken),
      // Read directly, every token is read on an open stream.
      perTokenSubscribed: summaryOf(perToken),
      firstToken: summaryOf(firstToken),
      ...(tokens > 0 ? { cpuPer1000Tokens: ((cpu.user + cpu.system) / 1e6 / tokens) * 1000 } : {}),
    };
  } finally {
    client.destroy();
  }
}
