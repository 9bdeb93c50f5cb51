/**
 * The contract between the app and the agent (`@homeagent/contract`, a
 * workspace of its own that depends only on TypeBox): the one module both
 * import. Everything else between the two passes over HTTP.
 *
 * Every route but `GET /healthz` requires `Authorization: Bearer <serviceKey>`.
 * Routes that act for a signed-in person also carry `X-User-Id: <userId>`;
 * the agent trusts it only because the service key proved the caller is the app.
 *
 * Errors always have the shape of `ApiError` with a 4xx/5xx status. Besides the
 * codes listed route by route, any route can answer:
 * - 400 `validation` (the message names the field), `bad_request` (unreadable JSON);
 *   413 `payload_too_large`; 415 `unsupported_media_type`;
 * - 401 `unauthorized` (missing or wrong service key);
 * - 401 `unknown_user` (`X-User-Id` names no account: treat the person as signed out);
 * - 403 `admin_only` (an admin route for a member);
 * - 404 `not_found`; 500 `internal` (generic message + `requestId`).
 * Routes whose body fields are all optional (create conversation, create invite)
 * also accept no body at all.
 */
import { Type, type Static } from 'typebox';

export const SERVICE_KEY_HEADER = 'authorization';
export const USER_ID_HEADER = 'x-user-id';

export const ApiError = Type.Object({
  statusCode: Type.Integer(),
  /** stable machine code, e.g. `invite_used`, `validation`, `not_found` */
  code: Type.String(),
  /** a sentence a person understands */
  message: Type.String(),
  requestId: Type.Optional(Type.String()),
});
export type ApiError = Static<typeof ApiError>;

// The schemas, domain by domain (each file imports what it needs from the
// others directly: a value read through this file would be read before it is
// initialised).
export * from './limits.js';
export * from './accounts.js';
export * from './invites.js';
export * from './conversations.js';
export * from './messages.js';
export * from './settings.js';
export * from './reply-stream.js';
export * from './models.js';
export * from './safety.js';
export * from './attachments.js';
export * from './search.js';
export * from './export.js';
export * from './share.js';
export * from './live-events.js';
export * from './audit.js';
export * from './people.js';
export * from './usage.js';
export * from './usage-history.js';
export * from './passkeys.js';
export * from './send-retry.js';
