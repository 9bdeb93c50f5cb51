/** The person's own conversations: the list, starting one, reading, renaming and deleting it, and searching them. */
import type {
  ConversationDetailResponse,
  ConversationListResponse,
  ConversationResponse,
  RenameConversationRequest,
  SearchResponse,
  StartConversationRequest,
  StartConversationResponse,
} from '@homeagent/contract';
import { IDEMPOTENCY_KEY_HEADER } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

/** The agent's path of one conversation (messages and shares hang under it). */
export function conversationPath(conversationId: string): string {
  return `/v1/conversations/${encodeURIComponent(conversationId)}`;
}

export class ConversationsClient {
  constructor(private readonly agent: AgentTransport) {}

  async list(userId: string): Promise<ConversationListResponse> {
    return (await this.agent.json('GET', '/v1/conversations', { userId })) as ConversationListResponse;
  }

  /** Creates the conversation with its first message (nothing is stored when the agent refuses). */
  /** `idempotencyKey` makes sending again safe (contract send-retry.ts). */
  async start(userId: string, text: string, choices: Omit<StartConversationRequest, 'text'> = {}, idempotencyKey?: string): Promise<StartConversationResponse> {
    const body = { text, ...choices } satisfies StartConversationRequest;
    const headers = idempotencyKey ? { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } } : {};
    return (await this.agent.json('POST', '/v1/conversations/start', { userId, body, ...headers })) as StartConversationResponse;
  }

  async get(userId: string, conversationId: string): Promise<ConversationDetailResponse> {
    return (await this.agent.json('GET', conversationPath(conversationId), { userId })) as ConversationDetailResponse;
  }

  async rename(userId: string, conversationId: string, title: string): Promise<ConversationResponse> {
    const body = { title } satisfies RenameConversationRequest;
    return (await this.agent.json('PATCH', conversationPath(conversationId), { userId, body })) as ConversationResponse;
  }

  /** 404 when it is unknown or someone else's; 409 `reply_in_progress` while a reply streams. */
  async delete(userId: string, conversationId: string): Promise<void> {
    await this.agent.call('DELETE', conversationPath(conversationId), { userId });
  }

  /** The person's own chats and messages holding every word of `query` (case- and accent-insensitive). */
  async search(userId: string, query: string): Promise<SearchResponse> {
    return (await this.agent.json('GET', `/v1/search?${new URLSearchParams({ q: query }).toString()}`, { userId })) as SearchResponse;
  }
}
