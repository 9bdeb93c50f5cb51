/**
 * The whole-system benchmark: starts HomeAgent as `npm start` does (on free
 * ports, a temporary data folder, the Bedrock emulator at a fast pace and at
 * its default pace), then uses it through the edge the way a browser does.
 * It reports percentiles and ratios; it asserts nothing about speed.
 *
 * Run: `npm run bench` (root), or after `npm run build`:
 *   npx tsc -p bench/tsconfig.json && node bench/dist/system.js
 * Knobs: see bench-config.ts and bench/README.md.
 */
import http from 'node:http';
import os from 'node:os';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FIRST_TOKEN_MS, DEFAULT_TOKENS_PER_SECOND } from '@homeagent/local/bedrock-emulator';
import { AgentApi, userIdFromHubCookie } from './agent-api.js';
import { BenchError } from './bench-error.js';
import { readBenchConfig, type BenchConfig } from './bench-config.js';
import { ChatUser } from './chat-user.js';
import { measureFirstToken, type FirstTokenLatency } from './first-token-latency.js';
import { measurePageLatency, type PageLatency } from './page-latency.js';
import { measurePageScale, type PageScale } from './page-scale.js';
import { latencyChart } from './latency-chart.js';
import { runRelaySweep, type RelaySweep } from './relay-sweep.js';
import { chartSeries, relayMarkdown } from './relay-report.js';
import { measureThroughput, type ReplyThroughput } from './reply-throughput.js';
import { HostedStack } from './hosted-stack.js';
import { formatTable } from './results-table.js';
import { measureSignIn, type SignInLatency } from './sign-in-latency.js';
import { ratio, round, type Summary } from './stats.js';
import { TimeBudget } from './time-budget.js';

interface Pace {
  name: 'fast' | 'default';
  tokensPerSecond: number;
  firstTokenDelayMs: number;
}

interface PaceRun {
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
const AGENT_COALESCE_MS = 40;
/** chats the first-token samples rotate over, so none grows past the agent's context window */
const FIRST_TOKEN_CHATS = 4;
/** exchanges in the chat whose page is measured */
const SEEDED_EXCHANGES = 5;

let running: HostedStack | undefined;
let runningDataDir: string | undefined;
/** set by SIGINT/SIGTERM: the phase that fails as the stack goes down is not a failure to report */
let interrupted = false;

async function runPace(pace: Pace, phases: { pages: boolean; signIn: boolean }, config: BenchConfig, budget: TimeBudget): Promise<PaceRun> {
  const dataDir = await mkdtemp(join(os.tmpdir(), 'homeagent-bench-'));
  runningDataDir = dataDir;
  const startedAt = performance.now();
  const hosted = await HostedStack.start(
    {
      dataDir,
      tokensPerSecond: pace.tokensPerSecond,
      firstTokenDelayMs: pace.firstTokenDelayMs,
      // The bursts reserve up to MAX_OUTPUT_TOKENS per reply; the budget check is not what is measured here.
      env: { agent: { MONTHLY_BUDGET_USD: '100000' } },
    },
    90_000,
  );
  running = hosted;
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
    running = undefined;
    await rm(dataDir, { recursive: true, force: true });
    run.serviceLog = { warnings: hosted.warnings, errors: hosted.errors, lastLines: [...hosted.lastLines] };
  }
  return run;
}

// ---- report ----

const ms = (value: number | undefined) => (value === undefined ? undefined : round(value));
const fmtRatio = (value: number | null | undefined) => (value === null || value === undefined ? undefined : `${round(value)}x`);
const triple = (s: Summary | undefined) => [ms(s?.p50), ms(s?.p95), ms(s?.p99)];

/** How long the emulator alone takes for a reply of `tokens` tokens. */
function emulatorReplyMs(pace: Pace, tokens: number): number {
  return pace.firstTokenDelayMs + (tokens / pace.tokensPerSecond) * 1000;
}

function report(runs: PaceRun[]): string {
  const out: string[] = [];
  for (const run of runs) {
    const { pace } = run;
    out.push(
      '',
      `== emulator pace "${pace.name}": first token after ${pace.firstTokenDelayMs} ms, ${pace.tokensPerSecond} tokens/s ` +
        `(agent coalesces ${AGENT_COALESCE_MS} ms); stack started in ${round(run.stackStartMs)} ms`,
    );
    if (run.pages) {
      const p = run.pages;
      out.push(
        '',
        `(1) page latency, ms (${p.listPage.count} requests each; ${p.conversationsInList} chats in the list, ${p.messagesOnPage} messages on the page)`,
        formatTable(
          ['request', 'p50', 'p95', 'p99', 'max', 'p50 vs API'],
          [
            ['GET /  (chat list, via edge)', ...triple(p.listPage), ms(p.listPage.max), fmtRatio(p.listApi && ratio(p.listPage.p50, p.listApi.p50))],
            ['GET /c/:id  (a chat, via edge)', ...triple(p.conversationPage), ms(p.conversationPage.max), fmtRatio(p.conversationApi && ratio(p.conversationPage.p50, p.conversationApi.p50))],
            ['agent GET /v1/conversations', ...triple(p.listApi), ms(p.listApi?.max), undefined],
            ['agent GET /v1/conversations/:id', ...triple(p.conversationApi), ms(p.conversationApi?.max), undefined],
          ],
        ),
      );
    }
    if (run.firstToken) {
      const f = run.firstToken;
      const overhead = f.firstToken && f.firstToken.p50 - pace.firstTokenDelayMs;
      out.push(
        '',
        `(2) post → first token at the subscriber, ms (${f.samples} messages one at a time${f.failures ? `, ${f.failures} failed: ${f.firstFailure}` : ''})`,
        formatTable(
          ['interval', 'p50', 'p95', 'p99'],
          [
            ['POST message form → its answer', ...triple(f.post)],
            ['POST → first token (SSE)', ...triple(f.firstToken)],
            ['POST → done (SSE)', ...triple(f.done)],
          ],
        ),
        `    overhead over the emulator's own first-token delay (p50): ${ms(overhead)} ms` +
          (pace.firstTokenDelayMs > 0 && f.firstToken ? `; first token p50 = ${fmtRatio(ratio(f.firstToken.p50, pace.firstTokenDelayMs))} the emulator's delay` : ''),
      );
    }
    if (run.throughput.length > 0) {
      const bursts = run.throughput.filter((t) => !t.skipped);
      out.push(
        '',
        '(3) N chats replying at once, each followed by its own subscriber: delivered tokens/s and latency (ms)',
        formatTable(
          ['N', 'ok', 'failed', 'tokens', 'wall ms', 'tokens/s', 'post p50', 'post p95', 'first p50', 'first p95', 'done p50', 'done p95', 'done p50 / emulator'],
          bursts.map((t) => {
            const perReply = t.completed > 0 ? t.outputTokens / t.completed : 0;
            return [
              t.concurrency,
              t.completed,
              t.failures,
              t.outputTokens,
              round(t.wallMs),
              round(t.tokensPerSecond),
              ms(t.post?.p50),
              ms(t.post?.p95),
              ms(t.firstToken?.p50),
              ms(t.firstToken?.p95),
              ms(t.done?.p50),
              ms(t.done?.p95),
              fmtRatio(t.done && ratio(t.done.p50, emulatorReplyMs(pace, perReply))),
            ];
          }),
        ),
        '',
        '    per process: CPU seconds used during the burst (share of one CPU over the wall time), RSS MiB after it;',
        '    launcher = edge + dynalite + emulator; machine busy = all CPUs, any process (other work on the machine included)',
        formatTable(
          ['N', 'machine busy', 'agent CPU', 'hub CPU', 'app CPU', 'launcher CPU', 'agent RSS', 'hub RSS', 'app RSS', 'launcher RSS'],
          bursts.map((t) => {
            const cpu = (name: 'agent' | 'hub' | 'app' | 'launcher') => {
              const seconds = t.cpuSeconds[name];
              return seconds === undefined ? undefined : `${round(seconds)} (${Math.round((seconds * 100_000) / t.wallMs)}%)`;
            };
            return [
              t.concurrency,
              t.machineBusy === undefined ? undefined : `${Math.round(t.machineBusy * 100)}%`,
              cpu('agent'),
              cpu('hub'),
              cpu('app'),
              cpu('launcher'),
              ms(t.memory.agent?.rssMiB),
              ms(t.memory.hub?.rssMiB),
              ms(t.memory.app?.rssMiB),
              ms(t.memory.launcher?.rssMiB),
            ];
          }),
        ),
      );
      for (const t of run.throughput) if (t.skipped) out.push(`    N=${t.concurrency}: ${t.skipped}`);
      const failed = run.throughput.find((t) => t.firstFailure);
      if (failed) out.push(`    first failure (N=${failed.concurrency}): ${failed.firstFailure}`);
    }
    if (run.signIn) {
      const s = run.signIn;
      out.push(
        '',
        '(4) sign-in (POST /sign-in through the edge), ms',
        formatTable(
          ['what', 'n', 'p50', 'p95', 'p99'],
          [
            ['sign-in, one at a time', s.sequential.count, ...triple(s.sequential)],
            [`sign-in, ${s.concurrentBatch} at once`, s.concurrent?.count, ...triple(s.concurrent)],
            ['scrypt alone (agent parameters, this process)', s.scryptAlone.count, ...triple(s.scryptAlone)],
          ],
        ),
        `    scrypt share of a sign-in (p50 / p50): ${fmtRatio(ratio(s.scryptAlone.p50, s.sequential.p50))}`,
      );
    }
    if (run.skipped.length > 0) out.push(`    skipped (time limit): ${run.skipped.join(', ')}`);
    const { warnings, errors, lastLines } = run.serviceLog;
    // Warnings alone are only counted (on Node 20 the AWS SDK prints a notice about Node 22); errors are shown.
    out.push(`    the services logged ${warnings} warnings and ${errors} errors (last lines in results.json)`);
    if (errors > 0) out.push(...lastLines.map((l) => `      ${l}`));
  }
  return out.join('\n');
}

function targets(runs: PaceRun[]): Array<{ target: string; figure: string; met: boolean | null }> {
  const pages = runs.find((r) => r.pages)?.pages;
  const slowRun = runs.find((r) => r.pace.name === 'default');
  const slow = slowRun?.firstToken?.firstToken;
  const worstPageP95 = pages ? Math.max(pages.listPage.p95, pages.conversationPage.p95) : undefined;
  const rows = [
    {
      target: 'page/API p95 < 500 ms',
      figure: worstPageP95 === undefined ? 'not measured' : `worst page p95 ${round(worstPageP95)} ms`,
      met: worstPageP95 === undefined ? null : worstPageP95 < 500,
    },
    {
      target: 'first result < 3 s (default pace, one reply at a time)',
      figure: slow ? `first token p95 ${round(slow.p95)} ms` : 'not measured',
      met: slow ? slow.p95 < 3_000 : null,
    },
  ];
  // The same target under load: not a promise of the seed, but where it stops holding is worth seeing.
  for (const burst of slowRun?.throughput ?? []) {
    if (burst.concurrency === 1 || !burst.firstToken) continue;
    rows.push({
      target: `first result < 3 s (default pace, ${burst.concurrency} replies at once)`,
      figure: `first token p95 ${round(burst.firstToken.p95)} ms`,
      met: burst.firstToken.p95 < 3_000,
    });
  }
  return rows;
}

function rounded(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) ? round(value) : value;
}

async function main(): Promise<void> {
  let config: BenchConfig;
  try {
    config = readBenchConfig();
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(1);
  }
  const stopOnSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    process.stderr.write(`bench: ${signal}, stopping the stack\n`);
    void (running?.stop() ?? Promise.resolve())
      .then(async () => {
        if (runningDataDir) await rm(runningDataDir, { recursive: true, force: true });
      })
      .finally(() => process.exit(130));
  };
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);

  const started = performance.now();
  const budget = new TimeBudget(config.maxSeconds * 1000);
  const machine = {
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    /** other work on the machine skews every figure; this says how busy it was at the start */
    loadAverage1m: round(os.loadavg()[0]!),
  };
  process.stderr.write(`bench: ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}, load average ${machine.loadAverage1m}; at most ${config.maxSeconds} s\n`);

  const runs: PaceRun[] = [];
  if (config.relayOnly) process.stderr.write('bench: --relay-only: the paces are left out\n');
  else process.stderr.write(`bench: fast pace (first token 0 ms, ${config.fastTokensPerSecond} tokens/s)…\n`);
  if (!config.relayOnly) runs.push(await runPace({ name: 'fast', tokensPerSecond: config.fastTokensPerSecond, firstTokenDelayMs: 0 }, { pages: true, signIn: true }, config, budget));
  if (config.relayOnly) {
    // nothing: the relay sweep below is all this run does
  } else if (budget.expired()) process.stderr.write('bench: time limit reached; the default pace is left out\n');
  else {
    process.stderr.write(`bench: default pace (first token ${DEFAULT_FIRST_TOKEN_MS} ms, ${DEFAULT_TOKENS_PER_SECOND} tokens/s)…\n`);
    runs.push(
      await runPace({ name: 'default', tokensPerSecond: DEFAULT_TOKENS_PER_SECOND, firstTokenDelayMs: DEFAULT_FIRST_TOKEN_MS }, { pages: false, signIn: false }, config, budget),
    );
  }

  let relay: RelaySweep | undefined;
  try {
    const relayBudget = new TimeBudget(config.relayMaxSeconds * 1000);
    process.stderr.write(`bench: relay sweep (${config.relayConcurrency.join(', ')} streams × coalescing ${config.coalesceWindows.join(', ')} ms, ${config.relayTokensPerSecond} tokens/s)…\n`);
    relay = await runRelaySweep(
      {
        concurrency: config.relayConcurrency,
        coalesceWindows: config.coalesceWindows,
        tokensPerSecond: config.relayTokensPerSecond,
        firstTokenDelayMs: DEFAULT_FIRST_TOKEN_MS,
        headlineConcurrency: config.relayConcurrency.includes(200) ? 200 : Math.max(...config.relayConcurrency),
        cpuProf: config.cpuProf,
        profileDir: join(os.tmpdir(), 'homeagent-bench-profiles'),
      },
      relayBudget,
      (line) => process.stderr.write(`bench: ${line}\n`),
    );
  } catch (error) {
    if (interrupted) throw error;
    process.stderr.write(`bench: the relay sweep failed: ${(error as Error).message}\n`);
    throw error;
  }

  const results = {
    benchmark: 'homeagent whole system, through the edge',
    date: new Date().toISOString(),
    command: process.env.npm_lifecycle_event ? `npm run ${process.env.npm_lifecycle_event}` : `node ${[relative(process.cwd(), process.argv[1] ?? ''), ...process.argv.slice(2)].join(' ')}`,
    machine,
    config,
    durationS: (performance.now() - started) / 1000,
    targets: targets(runs),
    runs,
    relay,
  };
  const file = config.resultsFile ?? fileURLToPath(new URL('../results.json', import.meta.url));
  await writeFile(file, `${JSON.stringify(results, rounded, 2)}\n`);

  // The Markdown record of this run, and the chart beside it.
  const resultsDir = config.resultsDir ?? fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(resultsDir, { recursive: true });
  const stem = `${results.date.slice(0, 10)}-${os.hostname().replace(/[^A-Za-z0-9.-]/g, '_')}`;
  const chartFile = join(resultsDir, `${stem}-latency.svg`);
  const post50 = relay?.cells.find((c) => c.concurrency === 50 && c.coalesceMs === 40)?.post ?? relay?.cells.find((c) => c.concurrency === 50)?.post;
  const fastScale = runs.find((r) => r.pageScale)?.pageScale;
  const markdown = [
    `## HomeAgent benchmark, ${results.date}`,
    '',
    `- machine: ${machine.nproc} CPUs (${machine.cpu}), ${machine.memoryGiB} GiB, ${machine.platform}, host \`${os.hostname()}\``,
    `- Node ${machine.node}; load average at the start ${machine.loadAverage1m} (1 min), at the end ${round(os.loadavg()[0]!)}`,
    `- command: \`${results.command}\`${Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => ` ${k}=${v}`).join('')}`,
    `- took ${round((performance.now() - started) / 1000)} s; every figure in \`${file}\`; chart: \`${chartFile}\``,
    '',
    relayMarkdown(relay, fastScale, post50),
  ].join('\n');
  if (relay) await writeFile(chartFile, latencyChart(`Added latency per token, ${relay.config.tokensPerSecond} tokens/s`, chartSeries(relay), 'direct SDK'));
  const markdownFile = join(resultsDir, `${stem}.md`);
  await writeFile(markdownFile, markdown);

  process.stdout.write(`HomeAgent whole-system benchmark — ${machine.nproc} CPUs (${machine.cpu}), Node ${machine.node}, ${machine.platform}, load average ${machine.loadAverage1m} at the start\n`);
  if (runs.length > 0) process.stdout.write(`${report(runs)}\n\n`);
  if (runs.length > 0) process.stdout.write(
    `${formatTable(
      ['target', 'figure', 'met'],
      results.targets.map((t) => [t.target, t.figure, t.met === null ? 'n/a' : t.met ? 'yes' : 'NO']),
    )}\n\n`,
  );
  process.stdout.write(`${markdown}\n`);
  process.stdout.write(`took ${round(results.durationS)} s; results written to ${file} and ${markdownFile}\n`);
}

main().catch(async (error: unknown) => {
  if (interrupted) return; // the signal handler stops the stack and exits
  await running?.stop().catch(() => undefined);
  const code = error instanceof BenchError ? ` [${error.code}]` : '';
  process.stderr.write(`bench failed${code}: ${(error as Error).message}\n`);
  process.exit(1);
});
