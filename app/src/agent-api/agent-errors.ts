/**
 * The two ways an agent call fails, as the error handler shows them: the
 * agent refused with a 4xx and a sentence for the person, or it is down,
 * timed out or failed.
 */

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
