/**
 * Spending per day of a month, per person and for the whole installation:
 * what the admin's usage chart and its table show.
 *
 * GET /v1/usage/days?month=yyyy-mm (admin, X-User-Id) → 200 UsageDaysResponse
 * (the current month when `month` is left out); 400 `month_in_future` for a
 * month that has not begun, 400 validation for anything not `yyyy-mm`;
 * 403 `admin_only` for a member.
 *
 * Days are UTC days, as budgets count them. Every day of the month is in
 * each `days` list, in order, with 0 when nothing was spent, so the n-th
 * entry is day n+1. The total comes from the installation's own daily
 * count, so it also holds what people since removed spent (their own rows
 * go with their account); a person's `spentUsd` is their month's figure,
 * which covers days from before per-person days were counted.
 */
import { Type, type Static } from 'typebox';

export const MONTH_PATTERN = '^[0-9]{4}-(0[1-9]|1[0-2])$';

export const UsageDaysQuery = Type.Object({
  month: Type.Optional(Type.String({ pattern: MONTH_PATTERN, description: 'yyyy-mm (UTC)' })),
});
export type UsageDaysQuery = Static<typeof UsageDaysQuery>;

export const DaySpend = Type.Object({
  /** `yyyy-mm-dd` */
  day: Type.String(),
  spentUsd: Type.Number(),
});
export type DaySpend = Static<typeof DaySpend>;

/** One person's day: what it cost and the tokens of the replies that finished that day. */
export const PersonDaySpend = Type.Object({
  day: Type.String(),
  spentUsd: Type.Number(),
  replies: Type.Integer(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
});
export type PersonDaySpend = Static<typeof PersonDaySpend>;

export const PersonMonthSpend = Type.Object({
  userId: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  /** the month's spend (its monthly row) */
  spentUsd: Type.Number(),
  days: Type.Array(PersonDaySpend),
});
export type PersonMonthSpend = Static<typeof PersonMonthSpend>;

export const UsageDaysResponse = Type.Object({
  /** `yyyy-mm` */
  month: Type.String(),
  /** the current month (UTC), so a reader knows whether `month` is still running */
  currentMonth: Type.String(),
  total: Type.Object({ spentUsd: Type.Number(), days: Type.Array(DaySpend) }),
  /** every account of the installation now, oldest first, spenders or not */
  people: Type.Array(PersonMonthSpend),
  /** months with any spend, newest first, the current month always among them */
  months: Type.Array(Type.String()),
});
export type UsageDaysResponse = Static<typeof UsageDaysResponse>;
