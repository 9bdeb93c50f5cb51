/** Invites, for admins (the agent answers 403 `admin_only` to anyone else). */
import type { CreateInviteRequest, InviteListResponse, InviteResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class InvitesClient {
  constructor(private readonly agent: AgentTransport) {}

  async create(userId: string, request: CreateInviteRequest): Promise<InviteResponse> {
    return (await this.agent.json('POST', '/v1/invites', { userId, body: request })) as InviteResponse;
  }

  /** Invites neither used nor expired, newest first. */
  async list(userId: string): Promise<InviteListResponse> {
    return (await this.agent.json('GET', '/v1/invites', { userId })) as InviteListResponse;
  }

  /** By the id the list gives; 404 `not_found` when the invite was used, revoked or expired already. */
  async revoke(userId: string, id: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/invites/${encodeURIComponent(id)}`, { userId });
  }
}
