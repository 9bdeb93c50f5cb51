import { HttpError } from './http-error.js';

/**
 * A designed 503: the agent did nothing and says when to try again
 * (`Retry-After`, RFC 9110 §10.2.3, in seconds). Not a failure: it is logged
 * as a refusal and counted apart from errors.
 */
export class BusyError extends HttpError {
  readonly retryAfterSeconds: number;

  constructor(code: string, message: string, retryAfterSeconds: number) {
    super(503, code, message);
    this.name = 'BusyError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
