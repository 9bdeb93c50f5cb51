/** A person's spending this month, against their budget. */
import { Type, type Static } from 'typebox';

/** GET /v1/usage (X-User-Id) → 200: the person's usage in the current month (UTC) */
export const UsageResponse = Type.Object({
  /** `yyyy-mm` */
  month: Type.String(),
  spentUsd: Type.Number(),
  /** spent plus what replies still streaming have reserved */
  committedUsd: Type.Number(),
  budgetUsd: Type.Number(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  cacheReadTokens: Type.Optional(Type.Integer()),
  cacheWriteTokens: Type.Optional(Type.Integer()),
  /** what the cache reads saved this month: their tokens at the input price minus what they cost */
  cacheSavedUsd: Type.Optional(Type.Number()),
});
export type UsageResponse = Static<typeof UsageResponse>;
