/** Guardrails, for admins: who is judged by which. */
import type { SafetyResponse, SetDefaultGuardrailRequest, SetPersonGuardrailRequest } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class SafetyClient {
  constructor(private readonly agent: AgentTransport) {}

  async get(userId: string): Promise<SafetyResponse> {
    return (await this.agent.json('GET', '/v1/safety', { userId })) as SafetyResponse;
  }

  async setDefault(userId: string, request: SetDefaultGuardrailRequest): Promise<SafetyResponse> {
    return (await this.agent.json('PUT', '/v1/safety/default', { userId, body: request })) as SafetyResponse;
  }

  async setForPerson(userId: string, targetUserId: string, request: SetPersonGuardrailRequest): Promise<SafetyResponse> {
    return (await this.agent.json('PUT', `/v1/safety/people/${encodeURIComponent(targetUserId)}`, { userId, body: request })) as SafetyResponse;
  }
}
