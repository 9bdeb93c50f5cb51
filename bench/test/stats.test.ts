import t from 'tap';
import { percentile, ratio, round, StatsError, summarize } from '../src/stats.js';

t.test('percentile is nearest-rank on sorted samples', async (t) => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  t.equal(percentile(hundred, 50), 50);
  t.equal(percentile(hundred, 95), 95);
  t.equal(percentile(hundred, 99), 99);
  t.equal(percentile(hundred, 100), 100);
  t.equal(percentile(hundred, 0), 1);
  t.equal(percentile([7], 99), 7, 'one sample is every percentile');
  // 10 samples: p95 is the 10th (ceil(9.5)), p50 the 5th
  const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  t.equal(percentile(ten, 50), 50);
  t.equal(percentile(ten, 95), 100);
  t.equal(percentile(ten, 90), 90);
});

t.test('percentile refuses what has no answer', async (t) => {
  t.throws(() => percentile([], 50), StatsError);
  t.throws(() => percentile([1, 2], 101), { code: 'stats_input' });
  t.throws(() => percentile([1, 2], Number.NaN), { code: 'stats_input' });
});

t.test('summarize sorts, and does not change its input', async (t) => {
  const samples = [5, 1, 4, 2, 3];
  const s = summarize(samples);
  t.same(samples, [5, 1, 4, 2, 3], 'input left as it was');
  t.same(s, { count: 5, min: 1, mean: 3, p50: 3, p95: 5, p99: 5, max: 5 });
  const skewed = summarize([...Array.from({ length: 99 }, () => 10), 1000]);
  t.equal(skewed.p50, 10);
  t.equal(skewed.p99, 10);
  t.equal(skewed.max, 1000);
  t.equal(skewed.mean, 19.9);
});

t.test('summarize refuses empty or non-finite samples', async (t) => {
  t.throws(() => summarize([]), StatsError);
  t.throws(() => summarize([1, Number.POSITIVE_INFINITY]), { code: 'stats_input' });
});

t.test('ratio and round', async (t) => {
  t.equal(ratio(3, 2), 1.5);
  t.equal(ratio(1, 0), null);
  t.equal(round(1234.56), 1235);
  t.equal(round(12.3456), 12.3);
  t.equal(round(0.012345), 0.0123);
  t.equal(round(-2.5555), -2.56);
  t.equal(round(0), 0);
});
