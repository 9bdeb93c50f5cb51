/**
 * The benchmark itself, end to end with tiny counts against the real stack:
 * it must finish, measure every phase, and see no failed reply. This is what
 * notices when a change to the pages (form fields, CSRF, the bubble's
 * subscription) leaves the benchmark measuring nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';

// Two stacks, one after the other, on a machine that may be busy.
t.setTimeout(600_000);

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..', '..');

t.test('a tiny run measures every phase at both paces', async (t) => {
  try {
    await access(join(root, 'app', 'dist', 'server.js'));
    await access(join(root, 'local', 'dist', 'stack.js'));
  } catch {
    t.fail('the workspaces are not built: run `npm run build` first');
    return;
  }
  await run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'bench', 'tsconfig.json')], { cwd: root });
  const dir = await mkdtemp(join(tmpdir(), 'bench-test-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const resultsFile = join(dir, 'results.json');
  const { stdout } = await run(process.execPath, [join(root, 'bench', 'dist', 'system.js'), '--cpu-prof'], {
    cwd: root,
    timeout: 540_000,
    env: {
      ...process.env,
      BENCH_PAGE_REQUESTS: '3',
      BENCH_SEED_CONVERSATIONS: '2',
      BENCH_FIRST_TOKEN_SAMPLES: '2',
      BENCH_SIGN_INS: '2',
      BENCH_CONCURRENCY: '1,3',
      BENCH_MAX_SECONDS: '400',
      BENCH_RESULTS: resultsFile,
      BENCH_RESULTS_DIR: dir,
      BENCH_SCALE_CONVERSATIONS: '3',
      BENCH_SCALE_MESSAGES: '4',
      BENCH_SCALE_RATE: '20',
      BENCH_SCALE_REQUESTS: '6',
      BENCH_RELAY_CONCURRENCY: '1,3',
      // 40 ms: the window at which the headline cell is measured again with long replies.
      BENCH_COALESCE_MS: '40',
      BENCH_RELAY_MAX_SECONDS: '300',
    },
  });
  t.match(stdout, /\(1\) page latency/);
  t.match(stdout, /\(4\) sign-in/);

  const results = JSON.parse(await readFile(resultsFile, 'utf8'));
  t.equal(results.machine.nproc > 0, true);
  t.same(results.runs.map((r: { pace: { name: string } }) => r.pace.name), ['fast', 'default']);
  const [fast, slow] = results.runs;
  t.equal(fast.pages.listPage.count, 3);
  t.equal(fast.pages.conversationPage.count, 3);
  t.equal(fast.pages.listApi.count, 3, 'the agent API was measured beside the pages');
  t.equal(fast.signIn.sequential.count, 2);
  for (const run of [fast, slow]) {
    t.same(run.skipped, [], `${run.pace.name}: nothing skipped`);
    t.equal(run.firstToken.samples, 2, `${run.pace.name}: first-token samples`);
    t.equal(run.firstToken.failures, 0);
    t.same(run.throughput.map((b: { concurrency: number; completed: number }) => [b.concurrency, b.completed]), [[1, 1], [3, 3]]);
    for (const burst of run.throughput) {
      t.equal(burst.failures, 0);
      t.ok(burst.outputTokens > 0, 'the replies carried tokens');
      t.ok(burst.memory.agent.rssMiB > 0 && burst.memory.hub.rssMiB > 0, 'RSS read for the agent and hub');
    }
    t.equal(run.serviceLog.errors, 0, `${run.pace.name}: the services logged no errors`);
  }
  // The default pace's first token cannot come before the emulator's own delay.
  t.ok(slow.firstToken.firstToken.min >= slow.pace.firstTokenDelayMs);

  // Pages at scale: both pages requested at the fixed rate, with the seeded history.
  t.equal(fast.pageScale.messagesOnPage, 4);
  t.ok(fast.pageScale.conversationsInList >= 3);
  for (const page of [fast.pageScale.list, fast.pageScale.conversation]) {
    t.equal(page.sent, 6, `${page.path}: every request sent`);
    t.equal(page.failed, 0);
    t.equal(page.latency.count, 6);
  }

  // The relay sweep: every stream measured per token, nothing lost, doubled or out of order.
  const relay = results.relay;
  t.same(relay.skipped, [], 'relay: nothing skipped');
  t.same(relay.cells.map((c: { concurrency: number; coalesceMs: number }) => [c.coalesceMs, c.concurrency]), [[40, 1], [40, 3]]);
  for (const cell of relay.cells) {
    t.equal(cell.measured, cell.concurrency, `N=${cell.concurrency}: every stream measured`);
    t.equal(cell.failed, 0, `N=${cell.concurrency}: no failed stream (${cell.firstFailure ?? 'none'})`);
    t.ok(cell.tokens > 0, 'tokens were relayed');
    t.same([cell.lost, cell.doubled, cell.outOfOrder, cell.mismatched], [0, 0, 0, 0], 'no token lost, doubled or out of order against the stored text');
    t.equal(cell.perToken?.count, cell.tokens, 'a latency for every token');
    t.equal(cell.firstToken?.count, cell.concurrency);
    t.ok(cell.cpuPer1000Tokens?.agent > 0 && cell.cpuPer1000Tokens?.hub >= 0, 'CPU per 1,000 tokens read');
    t.ok(cell.peakRssMiB?.agent > 0 && cell.peakRssMiB?.hub > 0 && cell.peakRssMiB?.app > 0, 'RSS under load read');
  }
  t.ok(relay.idleRssMiB[0].rssMiB.agent > 0, 'idle RSS read');
  t.same(relay.baseline.map((b: { concurrency: number; measured: number }) => [b.concurrency, b.measured]), [[1, 1], [3, 3]], 'the direct baseline measured every stream');
  for (const b of relay.baseline) {
    t.equal(b.perToken.count, b.tokens);
    t.ok(b.cpuPer1000Tokens > 0, 'the CPU of reading the streams directly (the SDK floor) read');
  }
  // The headline cell (here N=3) again with long replies: what a reply costs once, and per token.
  const long = relay.longReplies;
  t.equal(long?.cell.measured, 3, 'long replies: every stream measured');
  t.same([long.cell.lost, long.cell.doubled, long.cell.outOfOrder, long.cell.mismatched], [0, 0, 0, 0]);
  const short = relay.cells.find((c: { concurrency: number }) => c.concurrency === 3);
  t.ok(long.cell.emittedTokens / long.cell.emittedReplies > 4 * (short.emittedTokens / short.emittedReplies), `the long replies are several times longer (${long.cell.emittedTokens} against ${short.emittedTokens} tokens)`);
  t.equal(long.baseline.measured, 3, 'and read directly');
  t.ok(relay.profile.agent.samples > 0 && relay.profile.hub.samples > 0, '--cpu-prof profiled the agent and the hub');
  t.ok(relay.profile.agent.top.length > 0);

  const written = await readdir(dir);
  const markdown = written.find((f) => /^\d{4}-\d{2}-\d{2}-.+\.md$/.test(f));
  t.ok(markdown, 'the Markdown results were written');
  const report = await readFile(join(dir, markdown!), 'utf8');
  t.match(report, /### Relay latency per token/);
  t.match(report, /### What a reply costs: once per reply, and per token \(N=3/);
  t.match(report, /\| agent \| [\d.]+ \| [\d.]+ \| -?[\d.]+ \| -?[\d.]+ \|/, 'with the agent\'s split');
  const chart = written.find((f) => f.endsWith('-latency.svg'));
  t.match(await readFile(join(dir, chart!), 'utf8'), /^<svg [^>]*>[\s\S]*<path /, 'the chart has lines');
  t.match(stdout, /\| figure \| target \| this run \| met \|/, 'the targets table is on stdout');
});
