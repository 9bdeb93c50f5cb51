/** Signing in and out: sessions by password or passkey, one's devices, and ending every session of a person. */
import type {
  PasskeyOptionsResponse,
  PasskeySignInRequest,
  SessionListResponse,
  SessionResponse,
  SignInRequest,
} from '@homeagent/contract';
import type { AgentTransport } from './agent-transport.js';

export class SessionsClient {
  constructor(private readonly agent: AgentTransport) {}

  async signIn(request: SignInRequest): Promise<SessionResponse> {
    return (await this.agent.json('POST', '/v1/sessions', { body: request })) as SessionResponse;
  }

  /** Options for navigator.credentials.get (a discoverable passkey: no username). */
  async passkeySignInOptions(): Promise<PasskeyOptionsResponse> {
    return (await this.agent.json('POST', '/v1/sessions/passkey-options')) as PasskeyOptionsResponse;
  }

  /** 400 `challenge_invalid`, 401 `passkey_unknown` / `passkey_invalid`, 403 `account_disabled`. */
  async signInWithPasskey(request: PasskeySignInRequest): Promise<SessionResponse> {
    return (await this.agent.json('POST', '/v1/sessions/passkey', { body: request })) as SessionResponse;
  }

  /** The session and its person, or `undefined` when it is unknown, revoked or expired. */
  async get(sessionId: string): Promise<SessionResponse | undefined> {
    const { status, body } = await this.agent.call('GET', `/v1/sessions/${encodeURIComponent(sessionId)}`, { accept: [404] });
    return status === 404 ? undefined : (body as SessionResponse);
  }

  /** Signing out: ends this session (already gone is fine). */
  async delete(sessionId: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`, { accept: [404] });
  }

  /** The person's signed-in devices. */
  async list(userId: string): Promise<SessionListResponse> {
    return (await this.agent.json('GET', '/v1/account/sessions', { userId })) as SessionListResponse;
  }

  /** Ends one of the person's own sessions, by the handle the list gives. */
  async end(userId: string, handle: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/account/sessions/${encodeURIComponent(handle)}`, { userId });
  }

  /** Ends every session of `targetUserId` (oneself, or anyone for an admin). */
  async signOutEverywhere(userId: string, targetUserId: string): Promise<void> {
    await this.agent.call('DELETE', `/v1/users/${encodeURIComponent(targetUserId)}/sessions`, { userId });
  }
}
