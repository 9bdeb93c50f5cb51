/** The models a person may pick for a chat. */
import type { ModelListResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class ModelsClient {
  constructor(private readonly agent: AgentTransport) {}

  /** The default first. */
  async list(userId: string): Promise<ModelListResponse> {
    return (await this.agent.json('GET', '/v1/models', { userId })) as ModelListResponse;
  }
}
