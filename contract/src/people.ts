/**
 * Managing people and one's own account: roles, disabling, removal, reset
 * links, display name, password, sessions.
 *
 * The app forwards where the browser's request came from on every call
 * (`X-Client-Address`, `X-Client-User-Agent`, `X-Request-Id`); the agent
 * trusts them only because the service key proved the caller is the app,
 * and uses them for sessions and audit entries.
 *
 * Refusals any of these routes can give:
 * - 403 `account_disabled` (the person is disabled: "This account is disabled. Ask an admin.");
 * - 409 `last_admin` (the last active admin cannot be demoted, disabled or removed).
 */
import { Type, type Static } from 'typebox';
import { Role, User } from './accounts.js';
import { LIMITS } from './limits.js';

export const CLIENT_ADDRESS_HEADER = 'x-client-address';
export const CLIENT_USER_AGENT_HEADER = 'x-client-user-agent';
export const REQUEST_ID_HEADER = 'x-request-id';

export const DISABLED_MESSAGE = 'This account is disabled. Ask an admin.';

export const UserState = Type.Union([Type.Literal('active'), Type.Literal('disabled')]);
export type UserState = Static<typeof UserState>;

/** One person as an admin sees them: the account, the month's budget and usage. */
export const UserSummary = Type.Object({
  user: User,
  /** this person's monthly budget (their own, or the installation's default) */
  budgetUsd: Type.Number(),
  /** true when the budget is the installation's default */
  defaultBudget: Type.Boolean(),
  spentUsd: Type.Number(),
  inputTokens: Type.Integer(),
  outputTokens: Type.Integer(),
  state: UserState,
  lastSignInAt: Type.Optional(Type.String()),
});
export type UserSummary = Static<typeof UserSummary>;

/** GET /v1/users (admin, X-User-Id) → 200, oldest account first, usage of the current month (UTC) */
export const UserListResponse = Type.Object({
  /** `yyyy-mm` */
  month: Type.String(),
  users: Type.Array(UserSummary),
});
export type UserListResponse = Static<typeof UserListResponse>;

/** PUT /v1/users/:userId/budget (admin, X-User-Id) → 200 UserSummary; 404 not_found */
export const SetBudgetRequest = Type.Object({
  /** US dollars per month; `null` goes back to the installation's default (MONTHLY_BUDGET_USD) */
  monthlyBudgetUsd: Type.Union([Type.Number({ minimum: 0, maximum: 100_000 }), Type.Null()]),
});
export type SetBudgetRequest = Static<typeof SetBudgetRequest>;

/** PUT /v1/users/:userId/role (admin) → 200 UserSummary; 404; 409 last_admin */
export const SetRoleRequest = Type.Object({ role: Role });
export type SetRoleRequest = Static<typeof SetRoleRequest>;

/** PUT /v1/users/:userId/state (admin) → 200 UserSummary; 404; 409 last_admin. Disabling ends their sessions and stops their reply. */
export const SetStateRequest = Type.Object({ state: UserState });
export type SetStateRequest = Static<typeof SetStateRequest>;

/**
 * DELETE /v1/users/:userId (admin) → 204: the account, its conversations, messages,
 * sessions, passkeys and usage are gone (audit entries stay); 404; 409 last_admin;
 * 400 `cannot_remove_self`.
 */

/** POST /v1/users/:userId/reset-links (admin) → 201: a one-time link token, shown once */
export const ResetLinkResponse = Type.Object({
  token: Type.String(),
  expiresAt: Type.String(),
});
export type ResetLinkResponse = Static<typeof ResetLinkResponse>;

/** GET /v1/reset-links/:token → 200 (who it is for); 404 `reset_link_invalid`, 410 `reset_link_used` / `reset_link_expired` */
export const ResetLinkInfo = Type.Object({ username: Type.String(), displayName: Type.String(), expiresAt: Type.String() });
export type ResetLinkInfo = Static<typeof ResetLinkInfo>;

/** POST /v1/reset-links/:token → 204: password set, every session ended; same refusals as GET */
export const UseResetLinkRequest = Type.Object({
  password: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
});
export type UseResetLinkRequest = Static<typeof UseResetLinkRequest>;

/** PUT /v1/account/display-name (X-User-Id) → 200 { user } */
export const ChangeDisplayNameRequest = Type.Object({
  displayName: Type.String({ minLength: 1, maxLength: LIMITS.displayNameMax }),
});
export type ChangeDisplayNameRequest = Static<typeof ChangeDisplayNameRequest>;

/** PUT /v1/account/password (X-User-Id) → 204, every other session ended; 400 `wrong_password` */
export const ChangePasswordRequest = Type.Object({
  currentPassword: Type.String({ minLength: 1, maxLength: LIMITS.passwordMax }),
  newPassword: Type.String({ minLength: LIMITS.passwordMin, maxLength: LIMITS.passwordMax }),
  /** the session to keep (the one making the change) */
  sessionId: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }),
});
export type ChangePasswordRequest = Static<typeof ChangePasswordRequest>;

/** One signed-in device, as the account page lists it. */
export const SessionInfo = Type.Object({
  /** names the session without being it (the hash of its id) */
  handle: Type.String(),
  createdAt: Type.String(),
  lastSeenAt: Type.String(),
  expiresAt: Type.String(),
  userAgent: Type.Optional(Type.String()),
  address: Type.Optional(Type.String()),
});
export type SessionInfo = Static<typeof SessionInfo>;

/** GET /v1/account/sessions (X-User-Id) → 200, newest first. DELETE /v1/account/sessions/:handle → 204; 404 */
export const SessionListResponse = Type.Object({ sessions: Type.Array(SessionInfo) });
export type SessionListResponse = Static<typeof SessionListResponse>;
