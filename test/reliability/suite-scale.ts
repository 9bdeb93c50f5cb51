/**
 * How big each reliability scenario runs: small and bounded under `npm test`,
 * full under `npm run test:soak` (RELIABILITY_SOAK=1). One place, so the
 * figures in docs/RELIABILITY.md name what was run.
 */
export const SOAK = process.env.RELIABILITY_SOAK === '1';

export const SCALE = SOAK
  ? { conversations: 200, fuzzRuns: 10_000, timeoutMs: 1_800_000 }
  : { conversations: 20, fuzzRuns: 300, timeoutMs: 240_000 };
