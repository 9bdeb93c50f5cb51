/** Accounts and signing in: the person, their role, a session, registering with an invite, signing in with a password. */
import { Type, type Static } from 'typebox';
import { LIMITS } from './limits.js';

export const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);
export type Role = Static<typeof Role>;

export const User = Type.Object({
  id: Type.String(),
  username: Type.String(),
  displayName: Type.String(),
  role: Role,
  createdAt: Type.String({ description: 'ISO 8601' }),
});
export type User = Static<typeof User>;

export const Session = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
});
export type Session = Static<typeof Session>;

/** POST /v1/users → 201 RegisterResponse; 400 validation / invite_invalid / invite_used / invite_expired; 409 username_taken */
export const RegisterRequest = Type.Object({
  inviteCode: Type.String({ minLength: 1, maxLength: LIMITS.inviteCodeMax }),
  username: Type.String({ minLength: LIMITS.usernameMin, maxLength: LIMITS.usernameMax, pattern: LIMITS.usernamePattern }),
  displayName: Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax }),
  password: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
});
export type RegisterRequest = Static<typeof RegisterRequest>;
export const RegisterResponse = Type.Object({ user: User });
export type RegisterResponse = Static<typeof RegisterResponse>;

/**
 * DELETE /v1/users/:userId/sessions (X-User-Id: that person, or an admin) → 204: signs the
 * person out everywhere; 403 admin_only for someone else's; 404 not_found.
 */

/** POST /v1/sessions → 201 SessionResponse; 401 bad_credentials */
export const SignInRequest = Type.Object({
  username: Type.String({ minLength: 1, maxLength: LIMITS.usernameMax }),
  password: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }),
});
export type SignInRequest = Static<typeof SignInRequest>;
/** also the answer of GET /v1/sessions/:sessionId (404 when unknown, revoked or expired) */
export const SessionResponse = Type.Object({ session: Session, user: User });
export type SessionResponse = Static<typeof SessionResponse>;
// DELETE /v1/sessions/:sessionId → 204 (also when already gone)
