/**
 * How big each reliability scenario runs: small and bounded under `npm test`,
 * full under `npm run test:soak` (RELIABILITY_SOAK=1). One place, so the
 * figures in docs/RELIABILITY.md name what was run. RELIABILITY_CONVERSATIONS
 * and RELIABILITY_FUZZ_RUNS override a size, for a soak cut down to what a
 * shared machine can hold (docs/RELIABILITY.md says which sizes were run).
 */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

function sized(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : fallback;
}

export const SCALE = SOAK
  ? { conversations: sized('RELIABILITY_CONVERSATIONS', 200), fuzzRuns: sized('RELIABILITY_FUZZ_RUNS', 10_000), timeoutMs: 1_800_000 }
  : { conversations: sized('RELIABILITY_CONVERSATIONS', 20), fuzzRuns: sized('RELIABILITY_FUZZ_RUNS', 300), timeoutMs: 240_000 };
