export type BenchErrorCode =
  | 'bad_config'
  | 'http_failed'
  | 'http_timeout'
  | 'unexpected_status'
  | 'unexpected_page'
  | 'no_csrf_token'
  | 'sse_failed'
  | 'sse_timeout'
  | 'reply_failed'
  | 'unexpected_event'
  | 'no_invite'
  | 'stack_failed';

/** Why a benchmark run could not measure what it meant to. */
export class BenchError extends Error {
  constructor(
    readonly code: BenchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BenchError';
  }
}
