/** What replies cost: one's own month, and (admins) a month per day and person. */
import type { UsageDaysResponse, UsageResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class UsageClient {
  constructor(private readonly agent: AgentTransport) {}

  /** The person's own usage this month. */
  async get(userId: string): Promise<UsageResponse> {
    return (await this.agent.json('GET', '/v1/usage', { userId })) as UsageResponse;
  }

  /** Admins only: a month's spending per day, per person and in total (the current month without `month`). */
  async days(userId: string, month?: string): Promise<UsageDaysResponse> {
    const query = month ? `?${new URLSearchParams({ month }).toString()}` : '';
    return (await this.agent.json('GET', `/v1/usage/days${query}`, { userId })) as UsageDaysResponse;
  }
}
