/**
 * Percentiles and summaries of latency samples. Nearest-rank percentiles
 * (no interpolation), so every figure reported is a time that was measured.
 */

export interface Summary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class StatsError extends Error {
  readonly code = 'stats_input';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatsError';
  }
}

/** Nearest-rank percentile of samples already sorted ascending; `p` in [0, 100]. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new StatsError('a percentile of no samples is undefined');
  if (!(p >= 0 && p <= 100)) throw new StatsError(`percentile must be between 0 and 100, got ${p}`);
  if (p === 0) return sorted[0]!;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new StatsError('cannot summarize no samples');
  for (const s of samples) {
    if (!Number.isFinite(s)) throw new StatsError(`samples must be finite numbers, got ${s}`);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const total = sorted.reduce((sum, s) => sum + s, 0);
  return {
    count: sorted.length,
    min: sorted[0]!,
    mean: total / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1]!,
  };
}

/** `a / b`, or null when `b` is zero (a ratio that would be infinite is not a figure). */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/** Rounds for a report: three significant digits for small numbers, whole units otherwise. */
export function round(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return Math.round(value);
  const digits = 3 - Math.ceil(Math.log10(magnitude));
  const factor = 10 ** Math.max(0, digits);
  return Math.round(value * factor) / factor;
}
