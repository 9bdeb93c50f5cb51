/**
 * The one way to the agent's HTTP API: JSON over HTTP with the service key,
 * as `@homeagent/contract` describes, each call saying which browser request
 * it is made for. Refusals and failures come back as the classes of
 * `agent-errors.ts`; the domain clients beside this file name the routes.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ATTACHMENT_HEADER,
  CLIENT_ADDRESS_HEADER,
  CLIENT_USER_AGENT_HEADER,
  REQUEST_ID_HEADER,
  SERVICE_KEY_HEADER,
  USER_ID_HEADER,
  type ApiError,
  type Attachment,
} from '@homeagent/contract';
import { AgentRequestError, AgentUnavailableError } from './agent-errors.js';

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

export interface AgentTransportOptions {
  baseUrl: string;
  serviceKey: string;
  /** per request; the agent answers everything at once (sending is 202 + background work) */
  timeoutMs?: number;
}

export interface CallOptions {
  userId?: string;
  body?: unknown;
  /** statuses that are an answer rather than an error (e.g. 404 for a gone session) */
  accept?: number[];
  headers?: Record<string, string>;
}

/** Retry-After in seconds (RFC 9110 §10.2.3); the HTTP-date form is not one the agent sends. */
function retryAfterOf(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  return value !== null && /^\d{1,6}$/.test(value) ? Number(value) : undefined;
}

/**
 * A status and the parsed JSON body. The body is `unknown` here: each domain
 * client names the contract type its route answers with (the agent
 * serializes by the same schemas), so the one assertion sits beside the route.
 */
export interface AgentAnswer {
  status: number;
  body: unknown;
}

/** A downloaded attachment: what it is and its bytes. */
export interface AttachmentFile {
  attachment: Attachment;
  bytes: Uint8Array;
}

interface FetchInit {
  headers?: Record<string, string>;
  body?: string | Uint8Array<ArrayBuffer>;
}

function isApiError(value: unknown): value is ApiError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ApiError).message === 'string' &&
    typeof (value as ApiError).code === 'string'
  );
}

export class AgentTransport {
  readonly #baseUrl: string;
  readonly #serviceKey: string;
  readonly #timeoutMs: number;

  constructor(options: AgentTransportOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#serviceKey = options.serviceKey;
    this.#timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** The raw response, with the service key, the person and the browser request's context. */
  async fetch(method: string, path: string, userId: string | undefined, init: FetchInit): Promise<Response> {
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

  /** A JSON call: the status and body, or the refusal or failure it stands for. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<AgentAnswer> {
    const response = await this.fetch(method, path, options.userId, options.body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json', ...options.headers }, body: JSON.stringify(options.body) });
    return this.answer(response, options.accept);
  }

  /** The body of a JSON call (for routes whose every answer that is not an error is one shape). */
  async json(method: string, path: string, options: CallOptions = {}): Promise<unknown> {
    return (await this.call(method, path, options)).body;
  }

  /** The JSON answer, or the refusal or failure it stands for. */
  async answer(response: Response, accept?: number[]): Promise<AgentAnswer> {
    const text = await response.text().catch(() => '');
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch (cause) {
        if (response.ok) throw new AgentUnavailableError('The chat service sent an answer the app could not read.', { cause });
      }
    }

    if (response.ok || accept?.includes(response.status)) return { status: response.status, body };

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

  /** A file route's answer: the attachment (from its header) and the bytes. */
  async file(path: string, userId: string | undefined): Promise<AttachmentFile> {
    const response = await this.fetch('GET', path, userId, { headers: { accept: '*/*' } });
    return { attachment: await this.attachmentOf(response), bytes: new Uint8Array(await response.arrayBuffer()) };
  }

  /** What the attachment header of a file answer says, or the refusal or failure the answer stands for. */
  async attachmentOf(response: Response): Promise<Attachment> {
    if (!response.ok) {
      await this.answer(response);
      throw new AgentUnavailableError('The chat service sent an answer the app could not read.');
    }
    try {
      // Percent-encoded JSON: a header value must stay ASCII (names need not).
      return JSON.parse(decodeURIComponent(response.headers.get(ATTACHMENT_HEADER) ?? '')) as Attachment;
    } catch (cause) {
      throw new AgentUnavailableError('The chat service sent an attachment the app could not read.', { cause });
    }
  }
}
