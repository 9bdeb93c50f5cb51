/**
 * Bodies of the account forms. The schemas only bound the shape and size;
 * the field rules (LIMITS from the contract) are checked in the route so the
 * form can come back with a message beside each field and the values kept.
 */
import { Type, type Static } from 'typebox';

/** Far above any real value; stops a huge body before any work is done. */
const FIELD_CAP = 1_000;

const field = Type.Optional(Type.String({ maxLength: FIELD_CAP }));

export const RegisterForm = Type.Object({
  _csrf: field,
  inviteCode: field,
  username: field,
  displayName: field,
  password: field,
});
export type RegisterForm = Static<typeof RegisterForm>;

/** `/register?invite=<code>`: the link an admin shares prefills the code. */
export const RegisterQuery = Type.Object({ invite: field });
export type RegisterQuery = Static<typeof RegisterQuery>;

export const SignInForm = Type.Object({
  _csrf: field,
  username: field,
  password: field,
});
export type SignInForm = Static<typeof SignInForm>;

/** Sign out; `invite` comes back from the "already signed in" page to reopen the invite link. */
export const SignOutForm = Type.Object({ _csrf: field, invite: field });
export type SignOutForm = Static<typeof SignOutForm>;

/** Forms that carry nothing but their CSRF token (new chat, stop, sign out everywhere). */
export const TokenOnlyForm = Type.Object({ _csrf: field });
export type TokenOnlyForm = Static<typeof TokenOnlyForm>;

/** `/sign-in?reason=…`: a fixed notice above the form (the page never echoes the value). */
export const SignInQuery = Type.Object({ reason: field });
export type SignInQuery = Static<typeof SignInQuery>;

/** The account page's forms. */
export const DisplayNameForm = Type.Object({ _csrf: field, displayName: field });
export type DisplayNameForm = Static<typeof DisplayNameForm>;

export const PasswordForm = Type.Object({ _csrf: field, currentPassword: field, newPassword: field });
export type PasswordForm = Static<typeof PasswordForm>;

/** A reset link's page: `/reset/:token`, and the new password it sets. */
export const ResetParams = Type.Object({ token: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_-]+$' }) });
export type ResetParams = Static<typeof ResetParams>;
export const ResetForm = Type.Object({ _csrf: field, password: field });
export type ResetForm = Static<typeof ResetForm>;

/** A session on the account page, by its handle (the hash of its id). */
export const SessionHandleParams = Type.Object({ handle: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });
export type SessionHandleParams = Static<typeof SessionHandleParams>;
