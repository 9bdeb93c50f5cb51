/**
 * The search benchmark: one person with 5,000 messages in 200 conversations
 * (real replies from the Bedrock emulator, stored by the agent as a chat
 * stores them), then searches as the results page does, through the edge
 * (`GET /search?q=`, a full page), and beside it the agent's own
 * `GET /v1/search` (direct, service key). It reports the first search
 * (nothing cached yet) and percentiles over mixed queries; it asserts
 * nothing about speed. The target: p95 ≤ 300 ms.
 *
 * Run: `npm run bench` (root), or after `npm run build`:
 *   npx tsc -p bench/tsconfig.json && node bench/dist/search.js
 * Knobs: BENCH_SEARCH_CONVERSATIONS (200), BENCH_SEARCH_MESSAGES (5000),
 * BENCH_SEARCH_QUERIES (200), BENCH_SEARCH_RESULTS (bench/search-results.json).
 */
import http from 'node:http';
import os from 'node:os';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { AgentApi, userIdFromHubCookie } from './agent-api.js';
import { BenchError } from './bench-error.js';
import { ChatUser } from './chat-user.js';
import { HostedStack } from './hosted-stack.js';
import { formatTable } from './results-table.js';
import { BENCH_ADMIT_ALL } from './relay-sweep.js';
import { round, summarize, type Summary } from './stats.js';

function positive(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new BenchError('bad_config', `${name} must be a whole number ≥ 1 (got "${raw}")`);
  return value;
}

/** Words the seeded messages are made of; a few carry accents, so folded queries have work to do. */
const VOCABULARY = (
  'garden recipe holiday school homework train ticket budget doctor appointment birthday present weather forecast ' +
  'bicycle repair kitchen oven bread flour sugar butter lemon chicken dinner lunch breakfast museum library novel ' +
  'chapter poem piano lesson football match tennis swimming mountain river lake forest camping tent passport visa ' +
  'hotel flight luggage insurance mortgage electricity heating window curtain paint ladder hammer nail screw ' +
  'crème brûlée café naïve façade jalapeño smörgåsbord résumé piñata über'
).split(' ');

/** A deterministic pseudo-random sequence, so every run seeds the same texts. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function sentence(random: () => number, words: number): string {
  return Array.from({ length: words }, () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]).join(' ');
}

/** What people type: one common word, a rare one, two words, an accent-less spelling, and nothing that matches. */
const QUERIES = ['garden', 'smörgåsbord', 'creme brulee', 'CAFE', 'passport visa', 'ticket', 'naive', 'quetzalcoatl', 'lemon butter', 'so far'];

class Seeder {
  constructor(
    private readonly baseUrl: string,
    private readonly serviceKey: string,
    private readonly userId: string,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { authorization: `Bearer ${this.serviceKey}`, 'x-user-id': this.userId, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  /** Waits for a reply to be stored as finished (polled: the seed is not what is measured). */
  private async settled(conversationId: string, messageId: string): Promise<void> {
    for (const started = Date.now(); Date.now() - started < 60_000; ) {
      const { json } = await this.call('GET', `/v1/conversations/${conversationId}/messages/${messageId}`);
      const state = (json.message as { state?: string } | undefined)?.state;
      if (state === 'complete') return;
      if (state && state !== 'streaming') throw new BenchError('reply_failed', `a seeded reply ended as ${state}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new BenchError('reply_failed', 'a seeded reply did not finish within 60 s');
  }

  /** One conversation of `exchanges` messages and their replies. */
  async conversation(index: number, exchanges: number): Promise<void> {
    const random = sequence(index + 1);
    const first = await this.call('POST', '/v1/conversations/start', { text: `${sentence(random, 6)}? ${sentence(random, 30)}` });
    if (first.status !== 201) throw new BenchError('unexpected_status', `starting a chat answered ${first.status}: ${JSON.stringify(first.json)}`);
    const conversationId = (first.json.conversation as { id: string }).id;
    await this.settled(conversationId, (first.json.assistantMessage as { id: string }).id);
    for (let i = 1; i < exchanges; i++) {
      const sent = await this.call('POST', `/v1/conversations/${conversationId}/messages`, { text: sentence(random, 20 + Math.floor(random() * 40)) });
      if (sent.status !== 202) throw new BenchError('unexpected_status', `a seeded message answered ${sent.status}: ${JSON.stringify(sent.json)}`);
      await this.settled(conversationId, (sent.json.assistantMessage as { id: string }).id);
    }
  }
}

async function main(): Promise<void> {
  const conversations = positive('BENCH_SEARCH_CONVERSATIONS', 200);
  const messages = positive('BENCH_SEARCH_MESSAGES', 5_000);
  const queryCount = positive('BENCH_SEARCH_QUERIES', 200);
  const exchanges = Math.max(1, Math.floor(messages / 2));
  const started = performance.now();
  const dataDir = await mkdtemp(join(os.tmpdir(), 'homeagent-bench-search-'));
  const hosted = await HostedStack.start(
    { dataDir, tokensPerSecond: 5_000, firstTokenDelayMs: 0, env: { agent: { MONTHLY_BUDGET_USD: '100000', ...BENCH_ADMIT_ALL } } },
    90_000,
  );
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const stack = hosted.info;
    if (!stack.adminInvite) throw new BenchError('no_invite', 'the fresh installation logged no first admin invite');
    const user = await ChatUser.register(stack.ports.edge, httpAgent, stack.adminInvite, { username: 'bench.search', password: randomBytes(18).toString('base64url') });
    const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { serviceKey: string };
    const userId = userIdFromHubCookie(user.client.cookie('mercureAuthorization') ?? '');
    const seeder = new Seeder(stack.endpoints.agent, secrets.serviceKey, userId);

    process.stderr.write(`bench search: seeding ${exchanges * 2} messages in ${conversations} conversations…\n`);
    const seedStarted = performance.now();
    const plan = Array.from({ length: conversations }, (_, i) => Math.floor(exchanges / conversations) + (i < exchanges % conversations ? 1 : 0));
    for (let i = 0; i < plan.length; i += 20) await Promise.all(plan.slice(i, i + 20).map((n, j) => (n > 0 ? seeder.conversation(i + j, n) : Promise.resolve())));
    const seedS = (performance.now() - seedStarted) / 1000;

    const api = new AgentApi(stack.endpoints.agent, secrets.serviceKey, userId, httpAgent);
    const path = (q: string) => `/search?${new URLSearchParams({ q }).toString()}`;
    // The very first search reads every conversation (nothing is cached yet).
    const firstApiMs = await api.timedGet(`/v1${path(QUERIES[0]!)}`);
    const firstPage = await user.client.get(path(QUERIES[1]!));
    const apiSamples: number[] = [];
    const pageSamples: number[] = [];
    for (let i = 0; i < 10; i++) await user.client.get(path(QUERIES[i % QUERIES.length]!));
    for (let i = 0; i < queryCount; i++) {
      const q = QUERIES[i % QUERIES.length]!;
      pageSamples.push((await user.client.get(path(q))).elapsedMs);
      apiSamples.push(await api.timedGet(`/v1${path(q)}`));
    }
    const page: Summary = summarize(pageSamples);
    const direct: Summary = summarize(apiSamples);
    const hits = (await user.client.get(path('garden'))).body.match(/class="search-hit"/g)?.length ?? 0;

    const results = {
      benchmark: 'homeagent search, one person, through the edge and at the agent',
      date: new Date().toISOString(),
      machine: { nproc: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version, loadAverage1m: round(os.loadavg()[0]!) },
      seeded: { conversations, messages: exchanges * 2, seedS: round(seedS) },
      queries: QUERIES,
      firstSearch: { agentMs: round(firstApiMs), pageMs: round(firstPage.elapsedMs) },
      page,
      agent: direct,
      hitsForGarden: hits,
      target: { figure: `page p95 ${round(page.p95)} ms`, met: page.p95 <= 300 },
      durationS: round((performance.now() - started) / 1000),
    };
    const file = process.env.BENCH_SEARCH_RESULTS ?? fileURLToPath(new URL('../search-results.json', import.meta.url));
    await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`HomeAgent search benchmark — ${results.machine.nproc} CPUs, Node ${results.machine.node}, load average ${results.machine.loadAverage1m}\n`);
    process.stdout.write(`${exchanges * 2} messages in ${conversations} conversations (seeded in ${round(seedS)} s); ${queryCount} searches of each kind\n`);
    process.stdout.write(
      `${formatTable(
        ['what', 'first search ms', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
        [
          ['GET /search (page, through the edge)', round(firstPage.elapsedMs), round(page.p50), round(page.p95), round(page.p99), round(page.max)],
          ['GET /v1/search (agent)', round(firstApiMs), round(direct.p50), round(direct.p95), round(direct.p99), round(direct.max)],
        ],
      )}\n`,
    );
    process.stdout.write(`target p95 ≤ 300 ms: ${results.target.met ? 'met' : 'NOT met'}; results written to ${file}\n`);
  } finally {
    httpAgent.destroy();
    await hosted.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  const code = error instanceof BenchError ? ` [${error.code}]` : '';
  process.stderr.write(`bench search failed${code}: ${(error as Error).message}\n`);
  process.exit(1);
});
