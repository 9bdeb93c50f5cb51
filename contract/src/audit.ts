/**
 * The audit trail: one entry per sensitive action, append-only, kept 400 days.
 *
 * GET /v1/audit (admin, X-User-Id) with AuditQuery → 200 AuditListResponse, newest first;
 * 400 validation (also for a cursor that is not one this API gave).
 * GET /v1/audit/mine (X-User-Id) with AuditQuery → the person's own entries (same shape).
 * There is no route that changes or deletes an entry.
 */
import { Type, type Static } from 'typebox';

export const AUDIT_ACTIONS = [
  'invite.created',
  'invite.used',
  'invite.revoked',
  'user.role_changed',
  'user.disabled',
  'user.enabled',
  'user.removed',
  'user.display_name_changed',
  'budget.changed',
  'settings.changed',
  'password.changed',
  'password.reset_link_created',
  'password.reset_link_used',
  'passkey.added',
  'passkey.removed',
  'sign_in.succeeded',
  'sign_in.failed',
  'sign_out.everywhere',
  'session.ended',
  /** a guardrail blocked a message (the household's safety policy for that person) */
  'message.blocked',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];
// A union built from the list; Unsafe gives it the list's static type (a mapped array of literals infers none).
export const AuditAction = Type.Unsafe<AuditAction>(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a))));

export const AuditOutcome = Type.Union([Type.Literal('succeeded'), Type.Literal('refused')]);
export type AuditOutcome = Static<typeof AuditOutcome>;

/** Who acted: a person (id and username as they were then), or nobody known (a failed sign-in names the username tried). */
export const AuditActor = Type.Object({
  userId: Type.Optional(Type.String()),
  username: Type.String(),
});
export type AuditActor = Static<typeof AuditActor>;

export const AuditTarget = Type.Object({
  /** what kind of thing: `user`, `invite`, `session`, `settings`, `passkey`, `reset_link`, `conversation` */
  kind: Type.String(),
  /** its id (never a secret: invites and sessions are named by their hash) */
  id: Type.Optional(Type.String()),
  /** a person's username when the target is a person, kept after they are removed */
  username: Type.Optional(Type.String()),
});
export type AuditTarget = Static<typeof AuditTarget>;

export const AuditEntry = Type.Object({
  id: Type.String(),
  at: Type.String({ description: 'ISO 8601' }),
  actor: AuditActor,
  action: AuditAction,
  target: Type.Optional(AuditTarget),
  outcome: AuditOutcome,
  /** small non-secret facts, e.g. `{ role: 'admin' }`, `{ monthlyBudgetUsd: 5 }` */
  detail: Type.Optional(Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]))),
  address: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
  requestId: Type.Optional(Type.String()),
});
export type AuditEntry = Static<typeof AuditEntry>;

export const AUDIT_PAGE_MAX = 100;

export const AuditQuery = Type.Object({
  /** only entries whose actor is this person */
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-z]+$' })),
  action: Type.Optional(AuditAction),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: AUDIT_PAGE_MAX })),
  /** from the previous page's `next` */
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 600, pattern: '^[A-Za-z0-9_-]+$' })),
});
export type AuditQuery = Static<typeof AuditQuery>;

export const AuditListResponse = Type.Object({
  entries: Type.Array(AuditEntry),
  /** the cursor of the next (older) page, absent on the last */
  next: Type.Optional(Type.String()),
});
export type AuditListResponse = Static<typeof AuditListResponse>;
