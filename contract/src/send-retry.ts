/**
 * Sending safely again: the agent's designed backpressure and the key that
 * makes a send exactly-once.
 *
 * - `POST /v1/conversations/:id/messages` and `POST /v1/conversations/start`
 *   may answer **503 `busy`** with `Retry-After: <seconds>` before doing any
 *   work (too many sends in flight, or the agent's event loop lagging): nothing
 *   was written, sending again after that many seconds is safe.
 * - With `Idempotency-Key: <key>` (draft-ietf-httpapi-idempotency-key-header-07,
 *   datatracker.ietf.org, read 2026-12), a send stores its key with the
 *   messages it writes. Sending again with the same key and the same request
 *   answers the same messages (202/201) and starts no second reply; while the
 *   first attempt is still being stored it answers **503 `send_in_progress`**
 *   with `Retry-After`; the same key with a different request answers **422
 *   `idempotency_key_reused`**. Without the header a send behaves as before.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** A key is opaque to the agent: 16 to 128 URL-safe characters (the app sends a SHA-256 in base64url). */
export const IDEMPOTENCY_KEY_PATTERN = '^[A-Za-z0-9_-]{16,128}$';

/** The codes of the two designed 503s; both carry `Retry-After`. */
export const BUSY_CODE = 'busy';
export const SEND_IN_PROGRESS_CODE = 'send_in_progress';
