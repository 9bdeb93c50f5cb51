/**
 * The invite form. Like the account forms, the schema only bounds shape and
 * size; the route checks the values so the page can say what to fix.
 */
import { Type, type Static } from 'typebox';
import { LIMITS } from '@homeagent/contract';

/** Far above any real value; stops a huge body before any work is done. */
const FIELD_CAP = 1_000;

const field = Type.Optional(Type.String({ maxLength: FIELD_CAP }));

export const InviteForm = Type.Object({
  _csrf: field,
  role: field,
  expiresInDays: field,
});
export type InviteForm = Static<typeof InviteForm>;

/** The agent keeps an invite at most 90 days (`ttlHours` ≤ 24 × 90); a week unless told otherwise. */
export const INVITE_DAYS = { min: 1, max: 90, default: 7 } as const;

/**
 * `/invites/:id/revoke`: an invite is named by its id (the SHA-256 of its code,
 * 43 base64url characters): the code itself is shown once and stored nowhere.
 */
export const InviteIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: LIMITS.inviteCodeMax, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type InviteIdParams = Static<typeof InviteIdParams>;
