/** A person's own account: creating it with an invite, its name and password, and all of its data. */
import type { DataExport, RegisterRequest, RegisterResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class AccountsClient {
  constructor(private readonly agent: AgentTransport) {}

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    return (await this.agent.json('POST', '/v1/users', { body: request })) as RegisterResponse;
  }

  async changeDisplayName(userId: string, displayName: string): Promise<RegisterResponse> {
    return (await this.agent.json('PUT', '/v1/account/display-name', { userId, body: { displayName } })) as RegisterResponse;
  }

  /** 400 `wrong_password`; ends every session but `sessionId`. */
  async changePassword(userId: string, body: { currentPassword: string; newPassword: string; sessionId: string }): Promise<void> {
    await this.agent.call('PUT', '/v1/account/password', { userId, body });
  }

  /** "Download all my data": the person's account and every conversation of theirs. */
  async exportData(userId: string): Promise<DataExport> {
    return (await this.agent.json('GET', '/v1/export', { userId })) as DataExport;
  }
}
