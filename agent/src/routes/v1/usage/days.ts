/**
 * GET /v1/usage/days (admin): a month's spending day by day, per person and
 * for the installation (contract usage-history.ts). Reads only: one key
 * query per person and one for the total, never a scan.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, UsageDaysQuery, UsageDaysResponse, type PersonDaySpend } from '@homeagent/contract';
import { fromMicroUsd, monthOf } from '../../../budget.js';
import { badRequest } from '../../../http-error.js';
import { UserHeaders } from '../../../schemas/headers.js';

/** Every day of `month` (`yyyy-mm`, UTC), as `yyyy-mm-dd`. */
export function daysOf(month: string): string[] {
  const [year, monthIndex] = month.split('-').map(Number) as [number, number];
  const count = new Date(Date.UTC(year, monthIndex, 0)).getUTCDate();
  return Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
}

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/days',
    {
      schema: { headers: UserHeaders, querystring: UsageDaysQuery, response: { 200: UsageDaysResponse, '4xx': ApiError } },
      // The role check runs before validation, so a member learns nothing about the route.
      preValidation: app.requireAdmin,
    },
    async (request) => {
      const currentMonth = monthOf();
      const month = request.query.month ?? currentMonth;
      // yyyy-mm strings compare as dates do.
      if (month > currentMonth) throw badRequest('month_in_future', `${month} has not begun yet: choose ${currentMonth} or an earlier month.`);
      const days = daysOf(month);
      const [users, totalDays, months] = await Promise.all([app.users.list(), app.usage.installationDays(month), app.usage.monthsWithSpend()]);
      const totalByDay = new Map(totalDays.map((d) => [d.day, d.spentMicroUsd]));
      const people = await Promise.all(
        users.map(async (user) => {
          const [monthly, own] = await Promise.all([app.usage.get(user.id, month), app.usage.personDays(user.id, month)]);
          const byDay = new Map(own.map((d) => [d.day, d]));
          return {
            userId: user.id,
            username: user.username,
            displayName: user.displayName,
            spentUsd: fromMicroUsd(monthly.spentMicroUsd),
            days: days.map((day): PersonDaySpend => {
              const d = byDay.get(day);
              return { day, spentUsd: fromMicroUsd(d?.spentMicroUsd ?? 0), replies: d?.replies ?? 0, inputTokens: d?.inputTokens ?? 0, outputTokens: d?.outputTokens ?? 0 };
            }),
          };
        }),
      );
      const totalMicroUsd = totalDays.reduce((sum, d) => sum + d.spentMicroUsd, 0);
      return {
        month,
        currentMonth,
        total: { spentUsd: fromMicroUsd(totalMicroUsd), days: days.map((day) => ({ day, spentUsd: fromMicroUsd(totalByDay.get(day) ?? 0) })) },
        people,
        months: months.includes(currentMonth) ? months : [currentMonth, ...months],
      };
    },
  );
};

export default routes;
