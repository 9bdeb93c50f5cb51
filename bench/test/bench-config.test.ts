import t, { type Test } from 'tap';
import { readBenchConfig } from '../src/bench-config.js';

const NAMES = ['BENCH_PAGE_REQUESTS', 'BENCH_SEED_CONVERSATIONS', 'BENCH_FIRST_TOKEN_SAMPLES', 'BENCH_SIGN_INS', 'BENCH_CONCURRENCY', 'BENCH_FAST_TOKENS_PER_SECOND', 'BENCH_MAX_SECONDS', 'BENCH_RESULTS', 'BENCH_RELAY_CONCURRENCY', 'BENCH_COALESCE_MS', 'BENCH_CPU_PROF'];

function withEnv(t: Test, values: Record<string, string>) {
  const saved = Object.fromEntries(NAMES.map((n) => [n, process.env[n]]));
  for (const n of NAMES) delete process.env[n];
  Object.assign(process.env, values);
  t.teardown(() => {
    for (const [n, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  });
}

t.test('defaults when nothing is set', async (t) => {
  withEnv(t, {});
  const config = readBenchConfig();
  t.same(config.concurrency, [1, 10, 50]);
  t.equal(config.pageRequests, 200);
  t.equal(config.maxSeconds, 170);
  t.equal(config.resultsFile, undefined);
});

t.test('values are read', async (t) => {
  withEnv(t, { BENCH_CONCURRENCY: ' 2, 4 ', BENCH_SIGN_INS: '3', BENCH_RESULTS: '/tmp/x.json' });
  const config = readBenchConfig();
  t.same(config.concurrency, [2, 4]);
  t.equal(config.signIns, 3);
  t.equal(config.resultsFile, '/tmp/x.json');
});

t.test('a bad value is refused with one line naming the variable', async (t) => {
  for (const [name, value] of [
    ['BENCH_PAGE_REQUESTS', '0'],
    ['BENCH_MAX_SECONDS', 'soon'],
    ['BENCH_SIGN_INS', '2.5'],
    ['BENCH_CONCURRENCY', '1,,50'],
    ['BENCH_CONCURRENCY', '1,1000'],
  ] as const) {
    withEnv(t, { [name]: value });
    t.throws(() => readBenchConfig(), { code: 'bad_config', message: new RegExp(`^${name} must be .*"${value}"$`) }, `${name}=${value}`);
  }
});

t.test('the relay sweep knobs and arguments', async (t) => {
  withEnv(t, {});
  const config = readBenchConfig([]);
  t.same(config.relayConcurrency, [1, 50, 200, 500]);
  t.same(config.coalesceWindows, [0, 20, 40, 100]);
  t.equal(config.relayTokensPerSecond, 50);
  t.equal(config.cpuProf, false);
  t.equal(readBenchConfig(['--cpu-prof', '--relay-only']).relayOnly, true);
  t.throws(() => readBenchConfig(['--fast']), /unknown argument --fast/);
  withEnv(t, { BENCH_COALESCE_MS: '0,-5', BENCH_CPU_PROF: '1' });
  t.throws(() => readBenchConfig([]), /BENCH_COALESCE_MS must be a comma-separated list of whole numbers from 0 to 1000/);
  withEnv(t, { BENCH_CPU_PROF: '1' });
  t.equal(readBenchConfig([]).cpuProf, true);
});
