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

/** The first day of the month after `month` (`yyyy-mm`), as "1 February 2027". */
export function renewalDate(month: string): string {
  const [year, monthIndex] = month.split('-').map(Number) as [number, number];
  const next = new Date(Date.UTC(year, monthIndex, 1));
  return next.toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

export interface BudgetPosition {
  budgetMicroUsd: number;
  spentMicroUsd: number;
  /** spent plus what replies in progress hold */
  committedMicroUsd: number;
}

export interface ReplyFit {
  maxOutputTokens: number;
  reservedMicroUsd: number;
  /** true when `maxOutputTokens` is below the model's maximum because of the budget */
  shortened: boolean;
}

/**
 * How long a reply may be so that its worst case (every output token used,
 * every input token at the dearest input price: see worstCaseMicroUsd) fits
 * what is left of the budget: the full `maxTokens` when it fits, fewer when
 * not, and undefined when not even `minTokens` fit (the message is refused).
 * Without a price a reply costs nothing, so it always fits in full.
 */
export function fitReply(
  model: CatalogueModel | undefined,
  inputTokens: number,
  limits: { maxTokens: number; minTokens: number; cacheTtl?: '5m' | '1h' | undefined },
  position: BudgetPosition,
): ReplyFit | undefined {
  const full = worstCaseMicroUsd(model, inputTokens, limits.maxTokens, limits.cacheTtl);
  const left = position.budgetMicroUsd - position.committedMicroUsd;
  if (full <= left) return { maxOutputTokens: limits.maxTokens, reservedMicroUsd: full, shortened: false };
  if (!model || model.outputUsdPerMTok <= 0) return undefined;
  const forOutput = left - worstCaseMicroUsd(model, inputTokens, 0, limits.cacheTtl);
  // Rounding as worstCaseMicroUsd does may add up to half a micro-dollar: keep one back.
  const tokens = Math.floor((forOutput - 1) / model.outputUsdPerMTok);
  if (!(tokens >= limits.minTokens)) return undefined;
  const maxOutputTokens = Math.min(tokens, limits.maxTokens);
  return { maxOutputTokens, reservedMicroUsd: worstCaseMicroUsd(model, inputTokens, maxOutputTokens, limits.cacheTtl), shortened: true };
}

/** Dollars with cents; amounts under a cent keep enough digits not to read as $0.00. */
function dollars(micro: number): string {
  const usd = fromMicroUsd(micro);
  return `$${usd > 0 && usd < 0.01 ? usd.toFixed(4) : usd.toFixed(2)}`;
}

/**
 * 402: not even a short reply fits. Says what was spent, what replies in
 * progress hold (a hold is not spending: it comes back when they finish),
 * the budget and when it renews.
 */
export class BudgetExceededError extends HttpError {
  constructor(position: BudgetPosition, month: string) {
    const held = Math.max(0, position.committedMicroUsd - position.spentMicroUsd);
    super(
      402,
      'budget_exceeded',
      `Not enough of your monthly budget is left for a reply: ${dollars(position.spentMicroUsd)} spent of ${dollars(position.budgetMicroUsd)}` +
        (held > 0 ? `, and ${dollars(held)} held for replies still in progress (what they do not use comes back when they finish)` : '') +
        `. The budget renews on ${renewalDate(month)}, or an admin can raise it.`,
    );
  }
}
