/** The installation's settings, for admins: models and system prompt, Bedrock access, and sharing. */
import type { Settings, SharingSettings } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

/** The newest time Bedrock refused access to a model, if ever (the agent's `GET /v1/settings/access`). */
export interface AccessProblemResponse {
  problem: { at: string; modelId: string; errorName: string; detail: string } | null;
}

export class SettingsClient {
  constructor(private readonly agent: AgentTransport) {}

  async get(userId: string): Promise<Settings> {
    return (await this.agent.json('GET', '/v1/settings', { userId })) as Settings;
  }

  /** The agent checks the default model is on the list. */
  async put(userId: string, settings: Settings): Promise<Settings> {
    return (await this.agent.json('PUT', '/v1/settings', { userId, body: settings })) as Settings;
  }

  async accessProblem(userId: string): Promise<AccessProblemResponse> {
    return (await this.agent.json('GET', '/v1/settings/access', { userId })) as AccessProblemResponse;
  }

  async getSharing(userId: string): Promise<SharingSettings> {
    return (await this.agent.json('GET', '/v1/settings/sharing', { userId })) as SharingSettings;
  }

  async putSharing(userId: string, settings: SharingSettings): Promise<SharingSettings> {
    return (await this.agent.json('PUT', '/v1/settings/sharing', { userId, body: settings })) as SharingSettings;
  }
}
