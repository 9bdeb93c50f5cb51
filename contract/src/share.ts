/**
 * Read-only snapshots of a conversation behind an unguessable link.
 *
 * The token is shown once, when the link is made; the agent keeps only its
 * SHA-256. The snapshot is a copy of the messages at share time: later
 * messages, renames and even deleting the chat do not change it (revoking does).
 *
 * POST /v1/conversations/:conversationId/shares (X-User-Id) → 201 CreateShareResponse; 404 not_found
 *   (also another person's); 409 nothing_to_share when it has no finished message yet.
 * GET /v1/shares (X-User-Id) → 200 ShareListResponse: the person's live links, newest first.
 * DELETE /v1/shares/:shareId (X-User-Id) → 204: the link stops working at once; 404 not_found (also another person's).
 * GET /v1/shared/:token (X-User-Id optional) → 200 SharedSnapshot; 404 not_found (unknown or revoked);
 *   401 sign_in_required when links are for signed-in people only (the default) and no X-User-Id is given.
 * GET /v1/shared/:token/attachments/:attachmentId (X-User-Id optional, same rule) → 200 the bytes, with
 *   `Content-Type` and `X-Attachment`, as GET /v1/attachments/:id; 404 when the link is unknown or revoked
 *   or the snapshot holds no such attachment.
 * GET /v1/settings/sharing, PUT /v1/settings/sharing with SharingSettings (admin, X-User-Id) → 200 SharingSettings.
 */
import { Type, type Static } from 'typebox';
import { Attachment } from './attachments.js';

/** base64url of 32 random bytes */
export const SHARE_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$';

export const SharedLink = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  /** the conversation's title when it was shared */
  title: Type.String(),
  createdAt: Type.String(),
  messageCount: Type.Integer(),
});
export type SharedLink = Static<typeof SharedLink>;

export const CreateShareResponse = Type.Object({
  share: SharedLink,
  /** the secret part of the link (`/share/<token>`); never shown again */
  token: Type.String(),
});
export type CreateShareResponse = Static<typeof CreateShareResponse>;

export const ShareListResponse = Type.Object({ shares: Type.Array(SharedLink) });
export type ShareListResponse = Static<typeof ShareListResponse>;

export const SharedMessage = Type.Object({
  id: Type.String(),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant')]),
  /** raw text (Markdown for replies) */
  text: Type.String(),
  createdAt: Type.String(),
  state: Type.String(),
  model: Type.Optional(Type.String()),
  /** a user message's files (metadata; the bytes through GET /v1/shared/:token/attachments/:id) */
  attachments: Type.Optional(Type.Array(Attachment)),
});
export type SharedMessage = Static<typeof SharedMessage>;

export const SharedSnapshot = Type.Object({
  title: Type.String(),
  /** the sharer's display name at share time */
  sharedBy: Type.String(),
  sharedAt: Type.String(),
  /** oldest first */
  messages: Type.Array(SharedMessage),
});
export type SharedSnapshot = Static<typeof SharedSnapshot>;

export const SharingSettings = Type.Object({
  /** true: anyone with a link can open it; false (the default): only people signed in here */
  publicLinks: Type.Boolean(),
});
export type SharingSettings = Static<typeof SharingSettings>;
