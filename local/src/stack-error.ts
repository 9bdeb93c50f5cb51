/** Why the local stack could not start (or keep running), in words a person can act on. */
export class StackError extends Error {
  /** e.g. `port_in_use`, `service_exited`, `start_timeout`, `not_built` */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
    this.code = code;
  }
}
