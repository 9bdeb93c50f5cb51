/** The person's own passkeys: listing, adding and removing them (signing in with one is `sessions-client.ts`). */
import type { AddPasskeyRequest, PasskeyInfo, PasskeyListResponse, PasskeyOptionsResponse } from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class PasskeysClient {
  constructor(private readonly agent: AgentTransport) {}

  async list(userId: string): Promise<PasskeyListResponse> {
    return (await this.agent.json('GET', '/v1/passkeys', { userId })) as PasskeyListResponse;
  }

  /** Options for navigator.credentials.create, for this person. */
  async registrationOptions(userId: string): Promise<PasskeyOptionsResponse> {
    return (await this.agent.json('POST', '/v1/passkeys/registration-options', { userId })) as PasskeyOptionsResponse;
  }

  /** 400 `challenge_invalid` / `passkey_invalid`, 409 `passkey_exists`. */
  async add(userId: string, request: AddPasskeyRequest): Promise<PasskeyInfo> {
    return (await this.agent.json('POST', '/v1/passkeys', { userId, body: request })) as PasskeyInfo;
  }

  /** 404 when it is not theirs (any more). */
  async remove(userId: string, passkeyId: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/passkeys/${encodeURIComponent(passkeyId)}`, { userId });
  }
}
