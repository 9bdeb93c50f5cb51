/**
 * The benchmark's knobs, read once from the environment; a bad value stops
 * the run with one line naming the variable.
 */
import { BenchError } from './bench-error.js';

export interface BenchConfig {
  /** requests per page in the page-latency phase */
  pageRequests: number;
  /** chats the person has when the pages are measured */
  seedConversations: number;
  /** messages sent one after another, per emulator pace, for first-token latency */
  firstTokenSamples: number;
  /** sign-ins one after another (plus one concurrent batch of the same size, capped at 8) */
  signIns: number;
  /** numbers of chats replying at once */
  concurrency: number[];
  /** the fast pace: tokens per second (the first-token delay is then 0) */
  fastTokensPerSecond: number;
  /** the whole run stops after this long, whatever is left */
  maxSeconds: number;
  /** where results.json goes; default bench/results.json */
  resultsFile?: string;
  /** relay sweep: numbers of streams at once */
  relayConcurrency: number[];
  /** relay sweep: STREAM_COALESCE_MS values, one stack start each */
  coalesceWindows: number[];
  /** relay sweep: the agent's STREAM_PIECES_PER_SECOND; unset, the agent's default */
  piecesPerSecond?: number;
  /** relay sweep: the emulator's pace */
  relayTokensPerSecond: number;
  /** relay sweep: its own time limit */
  relayMaxSeconds: number;
  /** pages at scale: chats in the list, messages in the chat, fixed request rate, requests per page, time limit */
  scaleConversations: number;
  scaleMessages: number;
  scaleRate: number;
  scaleRequests: number;
  scaleMaxSeconds: number;
  /** where <date>-<host>.md and the chart go; default bench/results */
  resultsDir?: string;
  /** --cpu-prof: profile the agent and hub during one more headline run */
  cpuProf: boolean;
  /** --relay-only: leave out the paces' phases (pages, first token, bursts, sign-in, pages at scale) */
  relayOnly: boolean;
}

function integerList(name: string, fallback: string, min: number, max: number): number[] {
  const raw = process.env[name]?.trim() || fallback;
  const values = raw.split(',').map((part) => Number(part.trim()));
  if (values.length === 0 || values.some((n) => !Number.isInteger(n) || n < min || n > max)) {
    throw new BenchError('bad_config', `${name} must be a comma-separated list of whole numbers from ${min} to ${max}, got "${raw}"`);
  }
  return values;
}

function positiveInteger(name: string, fallback: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new BenchError('bad_config', `${name} must be a whole number from 1 to ${max}, got "${raw}"`);
  }
  return value;
}

export function readBenchConfig(argv: string[] = process.argv.slice(2)): BenchConfig {
  const unknown = argv.filter((arg) => arg !== '--cpu-prof' && arg !== '--relay-only');
  if (unknown.length > 0) throw new BenchError('bad_config', `unknown argument ${unknown[0]} (known: --cpu-prof, --relay-only)`);
  const rawConcurrency = process.env.BENCH_CONCURRENCY ?? '1,10,50';
  const concurrency = rawConcurrency.split(',').map((part) => Number(part.trim()));
  if (concurrency.length === 0 || concurrency.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) {
    throw new BenchError('bad_config', `BENCH_CONCURRENCY must be a comma-separated list of whole numbers from 1 to 200, got "${rawConcurrency}"`);
  }
  return {
    pageRequests: positiveInteger('BENCH_PAGE_REQUESTS', 200, 100_000),
    seedConversations: positiveInteger('BENCH_SEED_CONVERSATIONS', 20, 500),
    firstTokenSamples: positiveInteger('BENCH_FIRST_TOKEN_SAMPLES', 30, 10_000),
    signIns: positiveInteger('BENCH_SIGN_INS', 20, 1_000),
    concurrency,
    fastTokensPerSecond: positiveInteger('BENCH_FAST_TOKENS_PER_SECOND', 2_000, 1_000_000),
    maxSeconds: positiveInteger('BENCH_MAX_SECONDS', 170, 3_600),
    resultsFile: process.env.BENCH_RESULTS || undefined,
    relayConcurrency: integerList('BENCH_RELAY_CONCURRENCY', '1,50,200,500', 1, 1_000),
    coalesceWindows: integerList('BENCH_COALESCE_MS', '0,20,40,100', 0, 1_000),
    ...(process.env.BENCH_PIECES_PER_SECOND ? { piecesPerSecond: positiveInteger('BENCH_PIECES_PER_SECOND', 100, 100_000) } : {}),
    relayTokensPerSecond: positiveInteger('BENCH_RELAY_TOKENS_PER_SECOND', 50, 100_000),
    relayMaxSeconds: positiveInteger('BENCH_RELAY_MAX_SECONDS', 900, 7_200),
    scaleConversations: positiveInteger('BENCH_SCALE_CONVERSATIONS', 200, 2_000),
    scaleMessages: positiveInteger('BENCH_SCALE_MESSAGES', 200, 2_000),
    scaleRate: positiveInteger('BENCH_SCALE_RATE', 200, 10_000),
    scaleRequests: positiveInteger('BENCH_SCALE_REQUESTS', 2_000, 100_000),
    scaleMaxSeconds: positiveInteger('BENCH_SCALE_MAX_SECONDS', 150, 3_600),
    resultsDir: process.env.BENCH_RESULTS_DIR || undefined,
    // Also from the environment: `npm run bench -- --cpu-prof` would hand the flag to the workspaces' benches, not this one.
    cpuProf: argv.includes('--cpu-prof') || process.env.BENCH_CPU_PROF === '1',
    relayOnly: argv.includes('--relay-only'),
  };
}
