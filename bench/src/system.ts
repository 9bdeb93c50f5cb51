/**
 * The whole-system benchmark: starts HomeAgent as `npm start` does (on free
 * ports, a temporary data folder, the Bedrock emulator at a fast pace and at
 * its default pace), then uses it through the edge the way a browser does
 * (pace-run.ts), and then sweeps the relay (relay-sweep.ts). It reports
 * percentiles and ratios; it asserts nothing about speed.
 *
 * Run: `npm run bench` (root), or after `npm run build`:
 *   npx tsc -p bench/tsconfig.json && node bench/dist/system.js
 * Knobs: see bench-config.ts and bench/README.md.
 */
import os from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DEFAULT_FIRST_TOKEN_MS, DEFAULT_TOKENS_PER_SECOND } from '@homeagent/local/bedrock-emulator';
import { BenchError } from './bench-error.js';
import { readBenchConfig, type BenchConfig } from './bench-config.js';
import { latencyChart } from './latency-chart.js';
import { current, runPace, type PaceRun } from './pace-run.js';
import { report, targets } from './pace-report.js';
import { runRelaySweep, type RelaySweep } from './relay-sweep.js';
import { chartSeries, relayMarkdown } from './relay-report.js';
import { formatTable } from './results-table.js';
import { round } from './stats.js';
import { TimeBudget } from './time-budget.js';

/** set by SIGINT/SIGTERM: the phase that fails as the stack goes down is not a failure to report */
let interrupted = false;

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
    void (current.stack?.stop() ?? Promise.resolve())
      .then(async () => {
        if (current.dataDir) await rm(current.dataDir, { recursive: true, force: true });
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
        ...(config.piecesPerSecond ? { piecesPerSecond: config.piecesPerSecond } : {}),
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
  const post50 = relay.cells.find((c) => c.concurrency === 50 && c.coalesceMs === 40)?.post ?? relay.cells.find((c) => c.concurrency === 50)?.post;
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
  await writeFile(chartFile, latencyChart(`Added latency per token, ${relay.config.tokensPerSecond} tokens/s`, chartSeries(relay), 'direct SDK'));
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
  await current.stack?.stop().catch(() => undefined);
  const code = error instanceof BenchError ? ` [${error.code}]` : '';
  process.stderr.write(`bench failed${code}: ${(error as Error).message}\n`);
  process.exit(1);
});
