/**
 * Budget arithmetic. Money is counted in integer micro-dollars so sums stay
 * exact; a price per million tokens is exactly micro-dollars per token.
 */
import { HttpError } from './http-error.js';
import type { CatalogueModel } from './model-catalogue.js';

type MainPrices = Pick<CatalogueModel, 'inputUsdPerMTok' | 'outputUsdPerMTok'>;

export const toMicroUsd = (usd: number) => Math.round(usd * 1_000_000);
export const fromMicroUsd = (micro: number) => micro / 1_000_000;

/** `yyyy-mm` in UTC: the budget's month. */
export const monthOf = (date = new Date()) => date.toISOString().slice(0, 7);
/** `yyyy-mm-dd` in UTC */
export const dayOf = (date = new Date()) => date.toISOString().slice(0, 10);

/** Cost in micro-dollars of a number of input and output tokens at a model's price. */
export function costMicroUsd(price: MainPrices | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return Math.round(inputTokens * price.inputUsdPerMTok + outputTokens * price.outputUsdPerMTok);
}

/** The tokens of one reply, split the way they are priced. */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  /** written to the cache, at the price of the TTL the request asked for */
  cacheWriteTokens?: number;
  cacheTtl?: '5m' | '1h';
}

/** Cost in micro-dollars of a reply's tokens, cache reads and writes at their own prices. */
export function replyCostMicroUsd(model: CatalogueModel | undefined, tokens: TokenCounts): number {
  if (!model) return 0;
  const writePrice = tokens.cacheTtl === '1h' ? model.cacheWrite1hUsdPerMTok : model.cacheWrite5mUsdPerMTok;
  return Math.round(
    tokens.inputTokens * model.inputUsdPerMTok +
      tokens.outputTokens * model.outputUsdPerMTok +
      (tokens.cacheReadTokens ?? 0) * model.cacheReadUsdPerMTok +
      (tokens.cacheWriteTokens ?? 0) * writePrice,
  );
}

/** What cache reads saved: their tokens at the input price minus at the read price (micro-dollars). */
export function cacheSavingMicroUsd(model: CatalogueModel | undefined, cacheReadTokens: number): number {
  if (!model) return 0;
  return Math.max(0, Math.round(cacheReadTokens * (model.inputUsdPerMTok - model.cacheReadUsdPerMTok)));
}

/**
 * The most a request can cost, for the reservation: every input token at the
 * dearest input price (written to the cache, at worst) and every output token
 * the request allows, thinking included (thinking counts within maxTokens).
 */
export function worstCaseMicroUsd(model: CatalogueModel | undefined, inputTokens: number, maxTokens: number, cacheTtl?: '5m' | '1h'): number {
  if (!model) return 0;
  const write = cacheTtl === '1h' ? model.cacheWrite1hUsdPerMTok : cacheTtl === '5m' ? model.cacheWrite5mUsdPerMTok : 0;
  return Math.round(inputTokens * Math.max(model.inputUsdPerMTok, write) + maxTokens * model.outputUsdPerMTok);
}

export class BudgetExceededError extends HttpError {
  constructor(budgetUsd: number, committedUsd: number) {
    super(
      402,
      'budget_exceeded',
      `This message would go over your monthly budget of $${budgetUsd.toFixed(2)} ($${committedUsd.toFixed(2)} used so far). ` +
        'The budget renews on the first day of next month, or an admin can raise it.',
    );
  }
}
