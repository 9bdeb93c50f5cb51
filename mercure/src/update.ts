import { randomUUID } from 'node:crypto';

/** The Mercure path; a publisher may not use topics under it (the hub's own subscription events live there). */
export const RESERVED_TOPIC_PART = '/.well-known/mercure';
export const MAX_TOPICS = 1_000;

export type UpdateErrorCode = 'topic_missing' | 'too_many_topics' | 'field_injection' | 'retry_invalid' | 'topic_reserved';

export class UpdateValidationError extends Error {
  readonly code: UpdateErrorCode;
  constructor(code: UpdateErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UpdateValidationError';
    this.code = code;
  }
}

export interface UpdateInit {
  topics: string[];
  data?: string;
  private?: boolean;
  id?: string;
  type?: string;
  retry?: number;
}

/** Characters that would end an SSE field early and let a publisher forge fields. */
const FIELD_BREAK = /[\r\n\0]/;

/**
 * What a publisher sent: the first topic is canonical, the others alternates.
 * Immutable once validated, so the same instance (and its serialized event)
 * can be shared by every subscriber and by the history.
 */
export class Update {
  readonly topics: readonly string[];
  readonly data: string;
  readonly private: boolean;
  readonly id: string;
  readonly type: string | undefined;
  readonly retry: number | undefined;

  constructor(init: UpdateInit) {
    this.topics = init.topics;
    this.data = init.data ?? '';
    this.private = init.private ?? false;
    this.id = init.id ?? `urn:uuid:${randomUUID()}`;
    this.type = init.type;
    this.retry = init.retry;
  }

  /**
   * Rejects anything that could break the SSE framing or the hub's rules,
   * before the update reaches a transport. `allowReserved` is for the hub's
   * own subscription events.
   */
  validate(options: { allowReserved?: boolean } = {}): this {
    if (this.topics.length === 0) throw new UpdateValidationError('topic_missing', 'At least one "topic" field is required.');
    if (this.topics.length > MAX_TOPICS) {
      throw new UpdateValidationError('too_many_topics', `An update may have at most ${MAX_TOPICS} topics; this one has ${this.topics.length}.`);
    }
    if (this.topics.some((t) => t.length === 0)) throw new UpdateValidationError('topic_missing', 'A "topic" field is empty.');
    if (FIELD_BREAK.test(this.id)) throw new UpdateValidationError('field_injection', 'The "id" field must not contain CR, LF or NUL characters.');
    if (this.type !== undefined && FIELD_BREAK.test(this.type)) {
      throw new UpdateValidationError('field_injection', 'The "type" field must not contain CR, LF or NUL characters.');
    }
    if (this.retry !== undefined && (!Number.isSafeInteger(this.retry) || this.retry < 0)) {
      throw new UpdateValidationError('retry_invalid', 'The "retry" field must be a non-negative integer (milliseconds).');
    }
    if (!options.allowReserved && this.topics.some((t) => t.includes(RESERVED_TOPIC_PART))) {
      throw new UpdateValidationError('topic_reserved', `Topics containing "${RESERVED_TOPIC_PART}" are reserved for the hub.`);
    }
    return this;
  }
}
