/**
 * The benchmark itself, end to end with tiny counts against the real stack:
 * it must finish, measure every phase, and see no failed reply. This is what
 * notices when a change to the pages (form fields, CSRF, the bubble's
 * subscription) leaves the benchmark measuring nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, access } from 'node:fs/promises';
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
  const { stdout } = await run(process.execPath, [join(root, 'bench', 'dist', 'system.js')], {
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
});
