/** Invites: how an admin lets someone make an account. */
import { Type, type Static } from 'typebox';
import { Role } from './accounts.js';

/** POST /v1/invites (admin only, X-User-Id) → 201 */
export const CreateInviteRequest = Type.Object({
  role: Type.Optional(Role),
  /** hours until the invite expires; default 168 (7 days) */
  ttlHours: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 90 })),
});
export type CreateInviteRequest = Static<typeof CreateInviteRequest>;
export const InviteResponse = Type.Object({
  code: Type.String(),
  role: Role,
  expiresAt: Type.String(),
});
export type InviteResponse = Static<typeof InviteResponse>;

/** An invite that can still be used, as the admin's list shows it. */
export const OpenInvite = Type.Object({
  /** names the invite without being it (the hash of its code: the code is shown once, when made) */
  id: Type.String(),
  role: Role,
  createdAt: Type.String(),
  expiresAt: Type.String(),
});
export type OpenInvite = Static<typeof OpenInvite>;

/** GET /v1/invites (admin only, X-User-Id) → 200: invites neither used nor expired, newest first (at most `LIMITS.openInvitesMax`) */
export const InviteListResponse = Type.Object({ invites: Type.Array(OpenInvite) });
export type InviteListResponse = Static<typeof InviteListResponse>;

/** DELETE /v1/invites/:id (admin only, X-User-Id; the id from the list) → 204: the invite can no longer be used; 404 not_found when unknown, used or expired */
