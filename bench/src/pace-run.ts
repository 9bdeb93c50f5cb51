/**
 * One stack start at one emulator pace, used through the edge as a browser
 * does: (1) pages, (2) first token, (3) bursts and (4) sign-in (bench/README.md).
 */
import http from 'node:http';
import os from 'node:os';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { AgentApi, userIdFromHubCookie } from './agent-api.js';
import { BenchError } from './bench-error.js';
import type { BenchConfig } from './bench-config.js';
import { ChatUser } from './chat-user.js';
import { measureFirstToken, type FirstTokenLatency } from './first-token-latency.js';
import { HostedStack } from './hosted-stack.js';
import { measurePageLatency, type PageLatency } from './page-latency.js';
import { measurePageScale, type PageScale } from './page-scale.js';
import { BENCH_ADMIT_ALL, BENCH_AUTH_BURST, BENCH_SEND_RATE } from './relay-sweep.js';
import { measureThroughput, type ReplyThroughput } from './reply-throughput.js';
import { measureSignIn, type SignInLatency } from './sign-in-latency.js';
import { TimeBudget } from './time-budget.js';

export interface Pace {
  name: 'fast' | 'default';
  tokensPerSecond: number;
  firstTokenDelayMs: number;
}

export interface PaceRun {
  pace: Pace;
  /** startStack until every part answered through the edge */
  stackStartMs: number;
  pages?: PageLatency;
  /** the list and a chat with many messages at a fixed request rate */
  pageScale?: PageScale;
  firstToken?: FirstTokenLatency;
  throughput: ReplyThroughput[];
  signIn?: SignInLatency;
  /** phases left out because the run's time limit was reached */
  skipped: string[];
  /** warn and error log lines the services wrote during the run */
  serviceLog: { warnings: number; errors: number; lastLines: string[] };
}

// A short question for first-token samples (the reply is ~64 tokens), and a
// longer one for the bursts, whose replies quote it (~125 tokens).
const SHORT_MESSAGE = 'Hello! What can you tell me about the weather today?';
const LONG_MESSAGE =
  'We are planning a family trip to the mountains next month with two children and a dog. ' +
  'Could you suggest a packing list, a few easy hikes suitable for small legs, some rainy day activities, ' +
  'and a simple plan for meals that we can cook in a small cabin kitchen without much equipment or fuss?';
/** what STREAM_COALESCE_MS defaults to in the agent (docs/runtime.md): part of every first-token time */
export const AGENT_COALESCE_MS = 40;
/** chats the first-token samples rotate over, so none grows past the agent's context window */
const FIRST_TOKEN_CHATS = 4;
/** exchanges in the chat whose page is measured */
const SEEDED_EXCHANGES = 5;

/** The stack running now and its data folder, for the signal handler (system.ts) to stop and remove. */
export const current: { stack?: HostedStack; dataDir?: string } = {};

export async function runPace(pace: Pace, phases: { pages: boolean; signIn: boolean }, config: BenchConfig, budget: TimeBudget): Promise<PaceRun> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'homeagent-bench-'));
  current.dataDir = dataDir;
  const startedAt = performance.now();
  const hosted = await HostedStack.start(
    {
      dataDir,
      tokensPerSecond: pace.tokensPerSecond,
      firstTokenDelayMs: pace.firstTokenDelayMs,
      // The bursts reserve up to MAX_OUTPUT_TOKENS per reply; the budget check is not what is measured here.
      // Sign-ins one after another from one address are measured, not refused (the burst limit is 60 a minute).
      env: { agent: { MONTHLY_BUDGET_USD: '100000', ...BENCH_ADMIT_ALL }, app: { AUTH_BURST_PER_MINUTE: BENCH_AUTH_BURST, SEND_RATE_PER_MINUTE: BENCH_SEND_RATE } },
    },
    90_000,
  );
  current.stack = hosted;
  const stack = hosted.info;
  const run: PaceRun = { pace, stackStartMs: performance.now() - startedAt, throughput: [], skipped: [], serviceLog: { warnings: 0, errors: 0, lastLines: [] } };
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const skip = (phase: string) => run.skipped.push(phase);
  try {
    if (!stack.adminInvite) throw new BenchError('no_invite', 'the fresh installation logged no first admin invite');
    const port = stack.ports.edge;
    const credentials = { username: 'bench.admin', password: randomBytes(18).toString('base64url') };
    const user = await ChatUser.register(port, httpAgent, stack.adminInvite, credentials);

    if (phases.pages) {
      if (budget.expired()) skip('pages');
      else {
        const conversations = await user.startChats(config.seedConversations - 1, 'Hello, a chat for the list', { atOnce: 4, timeoutMs: 30_000, expired: () => budget.expired() });
        // The newest chat is first in the list; give it a history worth rendering (it starts with its first exchange).
        const pageChat = await user.startChat(`Question 1: ${SHORT_MESSAGE}`, 30_000);
        conversations.push(pageChat);
        for (let i = 1; i < SEEDED_EXCHANGES && !budget.expired(); i++) await user.reply(pageChat, `Question ${i + 1}: ${SHORT_MESSAGE}`, 30_000);
        const secrets = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { serviceKey: string };
        const userId = userIdFromHubCookie(user.client.cookie('mercureAuthorization') ?? '');
        const api = new AgentApi(stack.endpoints.agent, secrets.serviceKey, userId, httpAgent);
        run.pages = await measurePageLatency(
          user,
          pageChat,
          { conversations: conversations.length, messages: SEEDED_EXCHANGES * 2 },
          config.pageRequests,
          budget.sub(45_000),
          api,
        );
        // Its own time limit: seeding a chat with 200 messages takes a while, and it is not what the rest waits for.
        run.pageScale = await measurePageScale(
          user,
          conversations,
          { conversations: config.scaleConversations, messages: config.scaleMessages, ratePerSecond: config.scaleRate, requests: config.scaleRequests },
          new TimeBudget(config.scaleMaxSeconds * 1000),
        );
      }
    }

    if (budget.expired()) skip('first token');
    else {
      const chats = await user.startChats(FIRST_TOKEN_CHATS, 'Hello, a chat for first-token samples', { atOnce: FIRST_TOKEN_CHATS, timeoutMs: 30_000, expired: () => false });
      run.firstToken = await measureFirstToken(user, chats, SHORT_MESSAGE, config.firstTokenSamples, budget.sub(50_000));
    }

    for (const n of config.concurrency) {
      if (budget.expired()) {
        skip(`throughput N=${n}`);
        continue;
      }
      run.throughput.push(await measureThroughput(user, n, LONG_MESSAGE, budget.sub(60_000), stack.pids));
    }

    if (phases.signIn) {
      if (budget.expired()) skip('sign-in');
      else run.signIn = await measureSignIn(port, httpAgent, credentials, config.signIns, budget.sub(30_000));
    }
  } finally {
    httpAgent.destroy();
    await hosted.stop();
    current.stack = undefined;
    await rm(dataDir, { recursive: true, force: true });
    run.serviceLog = { warnings: hosted.warnings, errors: hosted.errors, lastLines: [...hosted.lastLines] };
  }
  return run;
}

