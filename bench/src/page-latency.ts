/**
 * Phase 1: how long the two pages people load most take through the edge
 * (the chat list and one chat), next to the agent API calls behind them.
 */
import type { AgentApi } from './agent-api.js';
import type { ChatUser } from './chat-user.js';
import { summarize, type Summary } from './stats.js';
import type { TimeBudget } from './time-budget.js';

export interface PageLatency {
  conversationsInList: number;
  messagesOnPage: number;
  /** GET / through the edge (full page) */
  listPage: Summary;
  /** GET /c/:id through the edge (full page) */
  conversationPage: Summary;
  /** GET /v1/conversations on the agent directly */
  listApi?: Summary;
  /** GET /v1/conversations/:id on the agent directly */
  conversationApi?: Summary;
}

const WARM_UP = 10;

export async function measurePageLatency(
  user: ChatUser,
  conversationId: string,
  seed: { conversations: number; messages: number },
  count: number,
  budget: TimeBudget,
  api?: AgentApi,
): Promise<PageLatency> {
  const listPath = '/';
  const pagePath = `/c/${conversationId}`;
  const samples = { list: [] as number[], page: [] as number[], listApi: [] as number[], pageApi: [] as number[] };
  for (let i = 0; i < WARM_UP && !budget.expired(); i++) {
    await user.client.get(listPath);
    await user.client.get(pagePath);
    await api?.timedGet('/v1/conversations');
    await api?.timedGet(`/v1/conversations/${conversationId}`);
  }
  // Interleaved, so a slow stretch of the machine weighs on all four alike.
  for (let i = 0; i < count && !budget.expired(); i++) {
    samples.list.push((await user.client.get(listPath)).elapsedMs);
    samples.page.push((await user.client.get(pagePath)).elapsedMs);
    if (api) {
      samples.listApi.push(await api.timedGet('/v1/conversations'));
      samples.pageApi.push(await api.timedGet(`/v1/conversations/${conversationId}`));
    }
  }
  return {
    conversationsInList: seed.conversations,
    messagesOnPage: seed.messages,
    listPage: summarize(samples.list),
    conversationPage: summarize(samples.page),
    listApi: samples.listApi.length > 0 ? summarize(samples.listApi) : undefined,
    conversationApi: samples.pageApi.length > 0 ? summarize(samples.pageApi) : undefined,
  };
}
