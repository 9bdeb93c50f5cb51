/**
 * The app's only way to the agent: JSON over HTTP with the service key, as
 * `@homeagent/contract` describes. Errors come back as two classes the
 * error handler knows how to show: `AgentRequestError` (the agent refused
 * with a 4xx and a sentence for the person) and `AgentUnavailableError`
 * (the agent is down, timed out or failed).
 */
import fp from 'fastify-plugin';
import {
  SERVICE_KEY_HEADER,
  USER_ID_HEADER,
  type ApiError,
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
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentUnavailableError';
  }
}

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
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).message === 'string' &&
    typeof (value as ApiError).code === 'string'
  );
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

  async #call<T>(method: string, path: string, options: CallOptions = {}): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = {
      [SERVICE_KEY_HEADER]: `Bearer ${this.#serviceKey}`,
      accept: 'application/json',
    };
    if (options.userId !== undefined) headers[USER_ID_HEADER] = options.userId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';

    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (cause) {
      throw new AgentUnavailableError('The chat service is not reachable right now. Please try again in a moment.', { cause });
    }

    const text = await response.text().catch(() => '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        if (response.ok) throw new AgentUnavailableError('The chat service sent an answer the app could not read.', { cause });
      }
    }

    if (response.ok || options.accept?.includes(response.status)) return { status: response.status, body: body as T };

    if (response.status >= 400 && response.status < 500 && isApiError(body)) {
      throw new AgentRequestError(response.status, body.code, body.message);
    }
    if (response.status >= 400 && response.status < 500) {
      throw new AgentRequestError(response.status, 'agent_refused', 'The chat service refused this request.');
    }
    // A 503 from the agent says what is down in a sentence meant for people (database_unavailable).
    if (response.status === 503 && isApiError(body)) throw new AgentUnavailableError(body.message, { cause: body });
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

  /** Admins only; 404 `not_found` when the invite was used, revoked or expired already. */
  async revokeInvite(userId: string, code: string): Promise<void> {
    await this.#call('DELETE', `/v1/invites/${encodeURIComponent(code)}`, { userId });
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
  async startConversation(userId: string, text: string, choices: Omit<StartConversationRequest, 'text'> = {}): Promise<StartConversationResponse> {
    return (
      await this.#call<StartConversationResponse>('POST', '/v1/conversations/start', { userId, body: { text, ...choices } satisfies StartConversationRequest })
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
  async sendMessage(userId: string, conversationId: string, text: string, choices: Omit<SendMessageRequest, 'text'> = {}): Promise<SendMessageResponse> {
    return (
      await this.#call<SendMessageResponse>('POST', `/v1/conversations/${encodeURIComponent(conversationId)}/messages`, {
        userId,
        body: { text, ...choices } satisfies SendMessageRequest,
      })
    ).body;
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
    app.decorate(
      'agent',
      new AgentClient({ baseUrl: app.config.agentUrl, serviceKey: app.config.agentServiceKey }),
    );
  },
  { name: 'agent-client', dependencies: ['config'] },
);
