import type { FastifyInstance } from 'fastify';
import type { UserSummary } from '@homeagent/contract';
import { fromMicroUsd } from './budget.js';
import { toUser, type UserRecord } from './plugins/app/users-repository.js';

/** One person as an admin sees them: the account, its state, the month's budget and usage. */
export async function summarizeUser(app: FastifyInstance, record: UserRecord, month: string): Promise<UserSummary> {
  const usage = await app.usage.get(record.id, month);
  return {
    user: toUser(record),
    budgetUsd: record.monthlyBudgetUsd ?? app.config.monthlyBudgetUsd,
    defaultBudget: record.monthlyBudgetUsd === undefined,
    spentUsd: fromMicroUsd(usage.spentMicroUsd),
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    state: record.disabledAt ? 'disabled' : 'active',
    ...(record.lastSignInAt ? { lastSignInAt: record.lastSignInAt } : {}),
  };
}
