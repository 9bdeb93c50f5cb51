/**
 * A refusal with its HTTP status, thrown by the routes and shaped by the app's
 * error handler. `WWW-Authenticate` goes with every 401, as RFC 6750 asks.
 */
export class HttpError extends Error {
  readonly statusCode: number;
  readonly code: string;
  constructor(statusCode: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HttpError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

export function unauthorized(message: string, cause?: unknown): HttpError {
  return new HttpError(401, 'unauthorized', message, { cause });
}
