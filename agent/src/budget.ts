/**
 * Budget arithmetic. Money is counted in integer micro-dollars so sums stay
 * exact; a price per million tokens is exactly micro-dollars per token.
 */
import { HttpError } from './http-error.js';
import type { ModelPrice } from './plugins/app/settings-repository.js';

export const toMicroUsd = (usd: number) => Math.round(usd * 1_000_000);
export const fromMicroUsd = (micro: number) => micro / 1_000_000;

/** `yyyy-mm` in UTC: the budget's month. */
export const monthOf = (date = new Date()) => date.toISOString().slice(0, 7);
/** `yyyy-mm-dd` in UTC */
export const dayOf = (date = new Date()) => date.toISOString().slice(0, 10);

/** Cost in micro-dollars of a number of input and output tokens at a model's price. */
export function costMicroUsd(price: ModelPrice | undefined, inputTokens: number, outputTokens: number): number {
  if (!price) return 0;
  return Math.round(inputTokens * price.inputUsdPerMTok + outputTokens * price.outputUsdPerMTok);
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
