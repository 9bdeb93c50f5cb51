/** The messages of a conversation: sending one (the reply runs in the background), reading one, stopping a reply. */
import type { MessageResponse, SendMessageRequest, SendMessageResponse } from '@homeagent/contract';
import { IDEMPOTENCY_KEY_HEADER } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';
import { conversationPath } from './conversations-client.js';

function messagePath(conversationId: string, messageId: string): string {
  return `${conversationPath(conversationId)}/messages/${encodeURIComponent(messageId)}`;
}

export class MessagesClient {
  constructor(private readonly agent: AgentTransport) {}

  /** 400 `model_unavailable` names the usable models. */
  /** `idempotencyKey` makes sending again safe (contract send-retry.ts). */
  async send(userId: string, conversationId: string, text: string, choices: Omit<SendMessageRequest, 'text'> = {}, idempotencyKey?: string): Promise<SendMessageResponse> {
    const body = { text, ...choices } satisfies SendMessageRequest;
    const headers = idempotencyKey ? { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } } : {};
    return (await this.agent.json('POST', `${conversationPath(conversationId)}/messages`, { userId, body, ...headers })) as SendMessageResponse;
  }

  async get(userId: string, conversationId: string, messageId: string): Promise<MessageResponse> {
    return (await this.agent.json('GET', messagePath(conversationId, messageId), { userId })) as MessageResponse;
  }

  async stop(userId: string, conversationId: string, messageId: string): Promise<MessageResponse> {
    return (await this.agent.json('POST', `${messagePath(conversationId, messageId)}/stop`, { userId, body: {} })) as MessageResponse;
  }
}
