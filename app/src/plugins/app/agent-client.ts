/**
 * The app's only way to the agent: JSON over HTTP with the service key, as
 * `@homeagent/contract` describes. Errors come back as two classes the
 * error handler knows how to show: `AgentRequestError` (the agent refused
 * with a 4xx and a sentence for the person) and `AgentUnavailableError`
 * (the agent is down, timed out or failed).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fp from 'fastify-plugin';
import {
  ATTACHMENT_HEADER,
  CLIENT_ADDRESS_HEADER,
  CLIENT_USER_AGENT_HEADER,
  FILE_NAME_HEADER,
  IDEMPOTENCY_KEY_HEADER,
  REQUEST_ID_HEADER,
  SERVICE_KEY_HEADER,
  USER_ID_HEADER,
  type ApiError,
  type Attachment,
  type AttachmentResponse,
  type AuditListResponse,
  type AuditQuery,
  type AddPasskeyRequest,
  type PasskeyInfo,
  type PasskeyListResponse,
  type PasskeyOptionsResponse,
  type PasskeySignInRequest,
  type ResetLinkInfo,
  type ResetLinkResponse,
  type SessionListResponse,
  type UserState,
  type ConversationDetailResponse,
  type ConversationListResponse,
  type ConversationResponse,
  type CreateInviteRequest,
  type CreateShareResponse,
  type SharedSnapshot,
  type ShareListResponse,
  type SharingSettings,
  type DataExport,
  type InviteListResponse,
  type InviteResponse,
  type MessageResponse,
  type ModelListResponse,
  type SafetyResponse,
  type SendMessageRequest,
  type SetDefaultGuardrailRequest,
  type SetPersonGuardrailRequest,
  type RegisterRequest,
  type Role,
  type RenameConversationRequest,
  type SearchResponse,
  type RegisterResponse,
  type SendMessageResponse,
  type SessionResponse,
  type SetBudgetRequest,
  type Settings,
  type SignInRequest,
  type StartConversationRequest,
  type StartConversationResponse,
  type UsageResponse,
  type UsageDaysResponse,
  type UserListResponse,
  type UserSummary,
} from '@homeagent/contract';

/** The agent answered with a 4xx: its message is meant for the person. */
export class AgentRequestError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AgentRequestError';
  }
}

/** The agent could not be reached, timed out, or failed with a 5xx. */
export class AgentUnavailableError extends Error {
  readonly code = 'agent_unavailable';
  readonly statusCode = 503;
  /** the agent's Retry-After (seconds) on a designed 503 (`busy`, `send_in_progress`: contract send-retry.ts) */
  readonly retryAfterSeconds: number | undefined;
  constructor(message: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options);
    this.name = 'AgentUnavailableError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }
}

/** Retry-After in seconds (RFC 9110 §10.2.3); the HTTP-date form is not one the agent sends. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  return value !== null && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}

/** The browser's request an agent call is made for: the agent keeps these on sessions and audit entries. */
export interface ClientContext {
  address: string;
  userAgent?: string;
  requestId: string;
}

/**
 * Set for the whole of each browser request (entered in onRequest, as
 * @fastify/request-context does), so every agent call made while answering
 * it says where it came from without each route passing it along.
 */
export const clientContext = new AsyncLocalStorage<ClientContext>();

export interface AgentClientOptions {
  baseUrl: string;
  serviceKey: string;
  /** per request; the agent answers everything at once (sending is 202 + background work) */
  timeoutMs?: number;
}

interface CallOptions {
  userId?: string;
  body?: unknown;
  /** statuses that are an answer rather than an error (e.g. 404 for a gone session) */
  accept?: number[];
  headers?: Record<string, string>;
}

/** A downloaded attachment: what it is and its bytes. */
export interface AttachmentFile {
  attachment: Attachment;
  bytes: Uint8Array;
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).message === 'string' &&
    typeof (value as ApiError).code === 'string'
  );
}

function auditSearch(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  return params.toString();
}

export class AgentClient {
  readonly #baseUrl: string;
  readonly #serviceKey: string;
  readonly #timeoutMs: number;

  constructor(options: AgentClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#serviceKey = options.serviceKey;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  async #fetch(method: string, path: string, userId: string | undefined, init: { headers?: Record<string, string>; body?: string | Uint8Array<ArrayBuffer> }): Promise<Response> {
    const headers: Record<string, string> = {
      [SERVICE_KEY_HEADER]: `Bearer ${this.#serviceKey}`,
      accept: 'application/json',
      ...init.headers,
    };
    if (userId !== undefined) headers[USER_ID_HEADER] = userId;
    const client = clientContext.getStore();
    if (client) {
      headers[CLIENT_ADDRESS_HEADER] = client.address;
      headers[REQUEST_ID_HEADER] = client.requestId;
      // Header values must be Latin-1; a user agent is ASCII in practice, anything else is dropped.
      if (client.userAgent && /^[\x20-\x7e]{1,300}$/.test(client.userAgent)) headers[CLIENT_USER_AGENT_HEADER] = client.userAgent;
    }
    try {
      return await fetch(`${this.#baseUrl}${path}`, { method, headers, body: init.body, signal: AbortSignal.timeout(this.#timeoutMs) });
    } catch (cause) {
      throw new AgentUnavailableError('The chat service is not reachable right now. Please try again in a moment.', { cause });
    }
  }

  async #call<T>(method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: T }> {
    const response = await this.#fetch(method, path, options.userId, options.body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json', ...options.headers }, body: JSON.stringify(options.body) });
    return this.#answer<T>(response, options.accept);
  }

  /** The JSON answer, or the refusal or failure it stands for. */
  async #answer<T>(response: Response, accept?: number[]): Promise<{ status: number; body: T }> {
    const text = await response.text().catch(() => '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        if (response.ok) throw new AgentUnavailableError('The chat service sent an answer the app could not read.', { cause });
      }
    }

    if (response.ok || accept?.includes(response.status)) return { status: response.status, body: body as T };

    if (response.status >= 400 && response.status < 500 && isApiError(body)) {
      throw new AgentRequestError(response.status, body.code, body.message);
    }
    if (response.status >= 400 && response.status < 500) {
      throw new AgentRequestError(response.status, 'agent_refused', 'The chat service refused this request.');
    }
    // A 503 from the agent says what is down in a sentence meant for people (database_unavailable).
    if (response.status === 503 && isApiError(body)) {
      const retryAfterSeconds = retryAfterOf(response);
      throw new AgentUnavailableError(body.message, { cause: body, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) });
    }
    throw new AgentUnavailableError(`The chat service failed (HTTP ${response.status}). Please try again in a moment.`, {
      cause: body,
    });
  }

  async health(): Promise<boolean> {
    try {
      const { status } = await this.#call('GET', '/healthz');
      return status === 200;
    } catch {
      return false;
    }
  }

  async register(request: RegisterRequest): Promise<RegisterResponse> {
    return (await this.#call<RegisterResponse>('POST', '/v1/users', { body: request })).body;
  }

  async signIn(request: SignInRequest): Promise<SessionResponse> {
    return (await this.#call<SessionResponse>('POST', '/v1/sessions', { body: request })).body;
  }

  /** The session and its person, or `undefined` when it is unknown, revoked or expired. */
  async getSession(sessionId: string): Promise<SessionResponse | undefined> {
    const { status, body } = await this.#call<SessionResponse>('GET', `/v1/sessions/${encodeURIComponent(sessionId)}`, {
      accept: [404],
    });
    return status === 404 ? undefined : body;
  }

  /** Options for navigator.credentials.get (a discoverable passkey: no username). */
  async passkeySignInOptions(): Promise<PasskeyOptionsResponse> {
    return (await this.#call<PasskeyOptionsResponse>('POST', '/v1/sessions/passkey-options')).body;
  }

  /** 400 `challenge_invalid`, 401 `passkey_unknown` / `passkey_invalid`, 403 `account_disabled`. */
  async signInWithPasskey(request: PasskeySignInRequest): Promise<SessionResponse> {
    return (await this.#call<SessionResponse>('POST', '/v1/sessions/passkey', { body: request })).body;
  }

  async deleteSession(sessionId: string): Promise<void> {
    await this.#call('DELETE', `/v1/sessions/${encodeURIComponent(sessionId)}`, { accept: [404] });
  }

  /** Admins only: the agent answers 403 `admin_only` to anyone else. */
  async createInvite(userId: string, request: CreateInviteRequest): Promise<InviteResponse> {
    return (await this.#call<InviteResponse>('POST', '/v1/invites', { userId, body: request })).body;
  }

  /** Admins only: invites neither used nor expired, newest first. */
  async listInvites(userId: string): Promise<InviteListResponse> {
    return (await this.#call<InviteListResponse>('GET', '/v1/invites', { userId })).body;
  }

  /** Admins only, by the id the list gives; 404 `not_found` when the invite was used, revoked or expired already. */
  async revokeInvite(userId: string, id: string): Promise<void> {
    await this.#call('DELETE', `/v1/invites/${encodeURIComponent(id)}`, { userId });
  }

  /** Admins only: everyone, oldest account first, with this month's usage and budget. */
  async listUsers(userId: string): Promise<UserListResponse> {
    return (await this.#call<UserListResponse>('GET', '/v1/users', { userId })).body;
  }

  /** Admins only; `null` goes back to the installation's default budget. */
  async setBudget(userId: string, targetUserId: string, request: SetBudgetRequest): Promise<UserSummary> {
    return (
      await this.#call<UserSummary>('PUT', `/v1/users/${encodeURIComponent(targetUserId)}/budget`, { userId, body: request })
    ).body;
  }

  /** Admins only; 409 `last_admin` when it would leave no active admin. */
  async setRole(userId: string, targetUserId: string, role: Role): Promise<UserSummary> {
    return (await this.#call<UserSummary>('PUT', `/v1/users/${encodeURIComponent(targetUserId)}/role`, { userId, body: { role } })).body;
  }

  /** Admins only; disabling ends their sessions and stops their reply; 409 `last_admin`. */
  async setState(userId: string, targetUserId: string, state: UserState): Promise<UserSummary> {
    return (await this.#call<UserSummary>('PUT', `/v1/users/${encodeURIComponent(targetUserId)}/state`, { userId, body: { state } })).body;
  }

  /** Admins only: removes the account and everything of theirs but audit entries. */
  async removeUser(userId: string, targetUserId: string): Promise<void> {
    await this.#call('DELETE', `/v1/users/${encodeURIComponent(targetUserId)}`, { userId });
  }

  /** Admins only: a one-time password-reset link token (shown once). */
  async createResetLink(userId: string, targetUserId: string): Promise<ResetLinkResponse> {
    return (await this.#call<ResetLinkResponse>('POST', `/v1/users/${encodeURIComponent(targetUserId)}/reset-links`, { userId })).body;
  }

  /** Who a reset link is for; AgentRequestError 404/410 when it is unknown, used or expired. */
  async getResetLink(token: string): Promise<ResetLinkInfo> {
    return (await this.#call<ResetLinkInfo>('GET', `/v1/reset-links/${encodeURIComponent(token)}`)).body;
  }

  async useResetLink(token: string, password: string): Promise<void> {
    await this.#call('POST', `/v1/reset-links/${encodeURIComponent(token)}`, { body: { password } });
  }

  async changeDisplayName(userId: string, displayName: string): Promise<RegisterResponse> {
    return (await this.#call<RegisterResponse>('PUT', '/v1/account/display-name', { userId, body: { displayName } })).body;
  }

  /** 400 `wrong_password`; ends every session but `sessionId`. */
  async changePassword(userId: string, body: { currentPassword: string; newPassword: string; sessionId: string }): Promise<void> {
    await this.#call('PUT', '/v1/account/password', { userId, body });
  }

  async listSessions(userId: string): Promise<SessionListResponse> {
    return (await this.#call<SessionListResponse>('GET', '/v1/account/sessions', { userId })).body;
  }

  async endSession(userId: string, handle: string): Promise<void> {
    await this.#call('DELETE', `/v1/account/sessions/${encodeURIComponent(handle)}`, { userId });
  }

  async listPasskeys(userId: string): Promise<PasskeyListResponse> {
    return (await this.#call<PasskeyListResponse>('GET', '/v1/passkeys', { userId })).body;
  }

  /** Options for navigator.credentials.create, for this person. */
  async passkeyRegistrationOptions(userId: string): Promise<PasskeyOptionsResponse> {
    return (await this.#call<PasskeyOptionsResponse>('POST', '/v1/passkeys/registration-options', { userId })).body;
  }

  /** 400 `challenge_invalid` / `passkey_invalid`, 409 `passkey_exists`. */
  async addPasskey(userId: string, request: AddPasskeyRequest): Promise<PasskeyInfo> {
    return (await this.#call<PasskeyInfo>('POST', '/v1/passkeys', { userId, body: request })).body;
  }

  /** 404 when it is not theirs (any more). */
  async removePasskey(userId: string, passkeyId: string): Promise<void> {
    await this.#call('DELETE', `/v1/passkeys/${encodeURIComponent(passkeyId)}`, { userId });
  }

  /** Admins only: the audit trail, newest first. */
  async listAudit(userId: string, query: AuditQuery): Promise<AuditListResponse> {
    return (await this.#call<AuditListResponse>('GET', `/v1/audit?${auditSearch(query)}`, { userId })).body;
  }

  /** The person's own entries. */
  async listOwnAudit(userId: string, query: Omit<AuditQuery, 'userId'>): Promise<AuditListResponse> {
    return (await this.#call<AuditListResponse>('GET', `/v1/audit/mine?${auditSearch(query)}`, { userId })).body;
  }

  /** Ends every session of `targetUserId` (oneself, or anyone for an admin). */
  async signOutEverywhere(userId: string, targetUserId: string): Promise<void> {
    await this.#call('DELETE', `/v1/users/${encodeURIComponent(targetUserId)}/sessions`, { userId });
  }

  /** Admins only. */
  async getSettings(userId: string): Promise<Settings> {
    return (await this.#call<Settings>('GET', '/v1/settings', { userId })).body;
  }

  /** Admins only; the agent checks the default model is on the list. */
  async putSettings(userId: string, settings: Settings): Promise<Settings> {
    return (await this.#call<Settings>('PUT', '/v1/settings', { userId, body: settings })).body;
  }

  /** Admins only: the newest time Bedrock refused access to a model, if ever. */
  async getAccessProblem(userId: string): Promise<{ problem: { at: string; modelId: string; errorName: string; detail: string } | null }> {
    return (await this.#call<{ problem: { at: string; modelId: string; errorName: string; detail: string } | null }>('GET', '/v1/settings/access', { userId })).body;
  }

  /** The models a person may pick for a chat, the default first. */
  async listModels(userId: string): Promise<ModelListResponse> {
    return (await this.#call<ModelListResponse>('GET', '/v1/models', { userId })).body;
  }

  /** Admins only: who is judged by which guardrail. */
  async getSafety(userId: string): Promise<SafetyResponse> {
    return (await this.#call<SafetyResponse>('GET', '/v1/safety', { userId })).body;
  }

  async setDefaultGuardrail(userId: string, request: SetDefaultGuardrailRequest): Promise<SafetyResponse> {
    return (await this.#call<SafetyResponse>('PUT', '/v1/safety/default', { userId, body: request })).body;
  }

  async setPersonGuardrail(userId: string, targetUserId: string, request: SetPersonGuardrailRequest): Promise<SafetyResponse> {
    return (await this.#call<SafetyResponse>('PUT', `/v1/safety/people/${encodeURIComponent(targetUserId)}`, { userId, body: request })).body;
  }

  /** The person's own usage this month. */
  async getUsage(userId: string): Promise<UsageResponse> {
    return (await this.#call<UsageResponse>('GET', '/v1/usage', { userId })).body;
  }

  /** Admins only: a month's spending per day, per person and in total (the current month without `month`). */
  async getUsageDays(userId: string, month?: string): Promise<UsageDaysResponse> {
    const query = month ? `?${new URLSearchParams({ month }).toString()}` : '';
    return (await this.#call<UsageDaysResponse>('GET', `/v1/usage/days${query}`, { userId })).body;
  }

  async listConversations(userId: string): Promise<ConversationListResponse> {
    return (await this.#call<ConversationListResponse>('GET', '/v1/conversations', { userId })).body;
  }

  /** A read-only snapshot of one's own conversation; the token is in this answer only. */
  async createShare(userId: string, conversationId: string): Promise<CreateShareResponse> {
    return (await this.#call<CreateShareResponse>('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/shares`, { userId })).body;
  }

  async listShares(userId: string): Promise<ShareListResponse> {
    return (await this.#call<ShareListResponse>('GET', '/v1/shares', { userId })).body;
  }

  /** 404 when it is not (or no longer) one of the person's links. */
  async revokeShare(userId: string, shareId: string): Promise<void> {
    await this.#call('DELETE', `/v1/shares/${encodeURIComponent(shareId)}`, { userId });
  }

  /** Signed in (`userId`) or not; 401 `sign_in_required` when links are not public, 404 when revoked or unknown. */
  async openShare(token: string, userId?: string): Promise<SharedSnapshot> {
    return (await this.#call<SharedSnapshot>('GET', `/v1/shared/${encodeURIComponent(token)}`, userId ? { userId } : {})).body;
  }

  /** An attachment of a shared snapshot, under the same rule as the snapshot (404 once the link is revoked). */
  async getSharedAttachment(token: string, attachmentId: string, userId?: string): Promise<AttachmentFile> {
    return this.#file(`/v1/shared/${encodeURIComponent(token)}/attachments/${encodeURIComponent(attachmentId)}`, userId);
  }

  /** Admins only. */
  async getSharingSettings(userId: string): Promise<SharingSettings> {
    return (await this.#call<SharingSettings>('GET', '/v1/settings/sharing', { userId })).body;
  }

  /** Admins only. */
  async putSharingSettings(userId: string, settings: SharingSettings): Promise<SharingSettings> {
    return (await this.#call<SharingSettings>('PUT', '/v1/settings/sharing', { userId, body: settings })).body;
  }

  /** "Download all my data": the person's account and every conversation of theirs. */
  async exportData(userId: string): Promise<DataExport> {
    return (await this.#call<DataExport>('GET', '/v1/export', { userId })).body;
  }

  /** The person's own chats and messages holding every word of `query` (case- and accent-insensitive). */
  async search(userId: string, query: string): Promise<SearchResponse> {
    return (await this.#call<SearchResponse>('GET', `/v1/search?${new URLSearchParams({ q: query }).toString()}`, { userId })).body;
  }

  /** Creates the conversation with its first message (nothing is stored when the agent refuses). */
  /** `idempotencyKey` makes sending again safe (contract send-retry.ts). */
  async startConversation(userId: string, text: string, choices: Omit<StartConversationRequest, 'text'> = {}, idempotencyKey?: string): Promise<StartConversationResponse> {
    return (
      await this.#call<StartConversationResponse>('POST', '/v1/conversations/start', {
        userId,
        body: { text, ...choices } satisfies StartConversationRequest,
        ...(idempotencyKey ? { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } } : {}),
      })
    ).body;
  }

  async getConversation(userId: string, conversationId: string): Promise<ConversationDetailResponse> {
    return (
      await this.#call<ConversationDetailResponse>('GET', `/v1/conversations/${encodeURIComponent(conversationId)}`, {
        userId,
      })
    ).body;
  }

  async renameConversation(userId: string, conversationId: string, title: string): Promise<ConversationResponse> {
    return (
      await this.#call<ConversationResponse>('PATCH', `/v1/conversations/${encodeURIComponent(conversationId)}`, {
        userId,
        body: { title } satisfies RenameConversationRequest,
      })
    ).body;
  }

  /** 404 when it is unknown or someone else's; 409 `reply_in_progress` while a reply streams. */
  async deleteConversation(userId: string, conversationId: string): Promise<void> {
    await this.#call('DELETE', `/v1/conversations/${encodeURIComponent(conversationId)}`, { userId });
  }

  /** 400 `model_unavailable` names the usable models. */
  /** `idempotencyKey` makes sending again safe (contract send-retry.ts). */
  async sendMessage(userId: string, conversationId: string, text: string, choices: Omit<SendMessageRequest, 'text'> = {}, idempotencyKey?: string): Promise<SendMessageResponse> {
    return (
      await this.#call<SendMessageResponse>('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
        userId,
        body: { text, ...choices } satisfies SendMessageRequest,
        ...(idempotencyKey ? { headers: { [IDEMPOTENCY_KEY_HEADER]: idempotencyKey } } : {}),
      })
    ).body;
  }

  /** A pending upload; 400 (`unsupported_file`, `file_too_large`, …) with a sentence naming the limit. */
  async uploadAttachment(userId: string, fileName: string, bytes: Uint8Array): Promise<Attachment> {
    const response = await this.#fetch('POST', '/v1/attachments', userId, {
      headers: { 'content-type': 'application/octet-stream', [FILE_NAME_HEADER]: encodeURIComponent(fileName) },
      // Buffers from the body parsers sit on plain ArrayBuffers (never shared memory).
      body: bytes as Uint8Array<ArrayBuffer>,
    });
    return (await this.#answer<AttachmentResponse>(response)).body.attachment;
  }

  /** The bytes and what they are; 404 for anyone but the owner. */
  async getAttachment(userId: string, attachmentId: string): Promise<AttachmentFile> {
    return this.#file(`/v1/attachments/${encodeURIComponent(attachmentId)}`, userId);
  }

  /** What an attachment is, without its bytes (HEAD: the agent's GET route answers it with the same headers). */
  async describeAttachment(userId: string, attachmentId: string): Promise<Attachment> {
    const response = await this.#fetch('HEAD', `/v1/attachments/${encodeURIComponent(attachmentId)}`, userId, { headers: { accept: '*/*' } });
    if (response.status === 404) throw new AgentRequestError(404, 'attachment_not_found', 'One of the attached files is no longer there; attach it again.');
    return this.#attachmentOf(response);
  }

  /** Removes a pending upload; 409 `attachment_in_use` once a message holds it. */
  async deleteAttachment(userId: string, attachmentId: string): Promise<void> {
    await this.#call('DELETE', `/v1/attachments/${encodeURIComponent(attachmentId)}`, { userId, accept: [404] });
  }

  async #file(path: string, userId: string | undefined): Promise<AttachmentFile> {
    const response = await this.#fetch('GET', path, userId, { headers: { accept: '*/*' } });
    return { attachment: await this.#attachmentOf(response), bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  async #attachmentOf(response: Response): Promise<Attachment> {
    if (!response.ok) {
      await this.#answer(response);
      throw new AgentUnavailableError('The chat service sent an answer the app could not read.');
    }
    try {
      // Percent-encoded JSON: a header value must stay ASCII (names need not).
      return JSON.parse(decodeURIComponent(response.headers.get(ATTACHMENT_HEADER) ?? '')) as Attachment;
    } catch (cause) {
      throw new AgentUnavailableError('The chat service sent an attachment the app could not read.', { cause });
    }
  }

  async getMessage(userId: string, conversationId: string, messageId: string): Promise<MessageResponse> {
    return (
      await this.#call<MessageResponse>(
        'GET',
        `/v1/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}`,
        { userId },
      )
    ).body;
  }

  async stopMessage(userId: string, conversationId: string, messageId: string): Promise<MessageResponse> {
    return (
      await this.#call<MessageResponse>(
        'POST',
        `/v1/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(messageId)}/stop`,
        { userId, body: {} },
      )
    ).body;
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    agent: AgentClient;
  }
}

/** Decorates the app with `agent`, the client of the agent's HTTP API. */
export default fp(
  async (app) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const userAgent = request.headers['user-agent'];
      clientContext.run({ address: request.ip, requestId: request.id, ...(typeof userAgent === 'string' ? { userAgent } : {}) }, done);
    });
    app.decorate(
      'agent',
      new AgentClient({ baseUrl: app.config.agentUrl, serviceKey: app.config.agentServiceKey }),
    );
  },
  { name: 'agent-client', dependencies: ['config'] },
);
