/** One-time password-reset links: an admin makes one, the person it is for opens and uses it. */
import type { ResetLinkInfo, ResetLinkResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class ResetLinksClient {
  constructor(private readonly agent: AgentTransport) {}

  /** Admins only: a one-time password-reset link token (shown once). */
  async create(userId: string, targetUserId: string): Promise<ResetLinkResponse> {
    return (await this.agent.json('POST', `/v1/users/${encodeURIComponent(targetUserId)}/reset-links`, { userId })) as ResetLinkResponse;
  }

  /** Who a reset link is for; AgentRequestError 404/410 when it is unknown, used or expired. */
  async get(token: string): Promise<ResetLinkInfo> {
    return (await this.agent.json('GET', `/v1/reset-links/${encodeURIComponent(token)}`)) as ResetLinkInfo;
  }

  async use(token: string, password: string): Promise<void> {
    await this.agent.call('POST', `/v1/reset-links/${encodeURIComponent(token)}`, { body: { password } });
  }
}
