/** The audit trail: all of it for admins, one's own entries for everyone. */
import type { AuditListResponse, AuditQuery } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

function auditSearch(query: AuditQuery): string {
  const params = new URLSearchParams();
  // An optional field may be there and undefined (`{ cursor: undefined }`): it is left out, not sent as "undefined".
  for (const [key, value] of Object.entries<string | number | undefined>(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

export class AuditClient {
  constructor(private readonly agent: AgentTransport) {}

  /** Admins only: the audit trail, newest first. */
  async list(userId: string, query: AuditQuery): Promise<AuditListResponse> {
    return (await this.agent.json('GET', `/v1/audit?${auditSearch(query)}`, { userId })) as AuditListResponse;
  }

  /** The person's own entries. */
  async listOwn(userId: string, query: Omit<AuditQuery, 'userId'>): Promise<AuditListResponse> {
    return (await this.agent.json('GET', `/v1/audit/mine?${auditSearch(query)}`, { userId })) as AuditListResponse;
  }
}
