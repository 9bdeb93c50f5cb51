/** The household's people, for admins: their role, state and budget, and removing an account. */
import type { Role, SetBudgetRequest, UserListResponse, UserState, UserSummary } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class PeopleClient {
  constructor(private readonly agent: AgentTransport) {}

  /** Everyone, oldest account first, with this month's usage and budget. */
  async list(userId: string): Promise<UserListResponse> {
    return (await this.agent.json('GET', '/v1/users', { userId })) as UserListResponse;
  }

  /** `null` goes back to the installation's default budget. */
  async setBudget(userId: string, targetUserId: string, request: SetBudgetRequest): Promise<UserSummary> {
    return (await this.agent.json('PUT', `${personPath(targetUserId)}/budget`, { userId, body: request })) as UserSummary;
  }

  /** 409 `last_admin` when it would leave no active admin. */
  async setRole(userId: string, targetUserId: string, role: Role): Promise<UserSummary> {
    return (await this.agent.json('PUT', `${personPath(targetUserId)}/role`, { userId, body: { role } })) as UserSummary;
  }

  /** Disabling ends their sessions and stops their reply; 409 `last_admin`. */
  async setState(userId: string, targetUserId: string, state: UserState): Promise<UserSummary> {
    return (await this.agent.json('PUT', `${personPath(targetUserId)}/state`, { userId, body: { state } })) as UserSummary;
  }

  /** Removes the account and everything of theirs but audit entries. */
  async remove(userId: string, targetUserId: string): Promise<void> {
    await this.agent.call('DELETE', personPath(targetUserId), { userId });
  }
}

function personPath(userId: string): string {
  return `/v1/users/${encodeURIComponent(userId)}`;
}
