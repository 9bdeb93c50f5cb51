import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ApiError, UsageResponse } from '@homeagent/contract';
import { fromMicroUsd, monthOf } from '../../../budget.js';
import { UserHeaders } from '../../../schemas/headers.js';
import days from './days.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/',
    { schema: { headers: UserHeaders, response: { 200: UsageResponse, '4xx': ApiError } }, preHandler: app.loadUser },
    async (request) => {
      const usage = await app.usage.get(request.user.id, monthOf());
      return {
        month: usage.month,
        spentUsd: fromMicroUsd(usage.spentMicroUsd),
        committedUsd: fromMicroUsd(usage.committedMicroUsd),
        budgetUsd: request.user.monthlyBudgetUsd ?? app.config.monthlyBudgetUsd,
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cacheReadTokens: usage.cacheReadTokens,
        cacheWriteTokens: usage.cacheWriteTokens,
        cacheSavedUsd: fromMicroUsd(usage.cacheSavedMicroUsd),
      };
    },
  );

  await app.register(days);
};

export default routes;
