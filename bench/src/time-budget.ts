import { performance } from 'node:perf_hooks';

/** A deadline every loop of the benchmark checks, so a slow machine shortens the run instead of stretching it. */
export class TimeBudget {
  private readonly end: number;

  constructor(readonly ms: number) {
    this.end = performance.now() + ms;
  }

  left(): number {
    return Math.max(0, this.end - performance.now());
  }

  expired(): boolean {
    return this.left() === 0;
  }

  /** A budget that ends at the earlier of this one's end and `ms` from now. */
  sub(ms: number): TimeBudget {
    return new TimeBudget(Math.min(ms, this.left()));
  }
}
