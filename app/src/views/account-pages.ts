/**
 * The register and sign-in pages. Both are plain forms (they work without
 * JavaScript); on an error the page comes back with the message next to
 * the form and the typed values, except the password, kept.
 */
import { LIMITS, type User } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { describedBy, errorSummary, fieldError, formError, type FieldErrors } from './form-messages.js';
import { passkeySignIn } from './passkey-views.js';

export type { FieldErrors };

export interface RegisterValues {
  inviteCode?: string;
  username?: string;
  displayName?: string;
}

export interface SignInValues {
  username?: string;
}

export function registerForm(values: RegisterValues, errors: FieldErrors, csrfToken: string): Html {
  return html`<main class="narrow">
  <h1>Create your account</h1>
  <p class="lede">You need an invite code from the person who runs this HomeAgent.</p>
  ${formError(errors)}${errorSummary(errors)}
  <form method="post" action="/register" class="stacked" novalidate>
    ${csrfField(csrfToken)}
    <label for="invite-code">Invite code</label>
    <input id="invite-code" name="inviteCode" value="${values.inviteCode ?? ''}" autocomplete="off" required
      maxlength="${LIMITS.inviteCodeMax}" aria-invalid="${errors.inviteCode ? 'true' : 'false'}"
      aria-describedby="${describedBy('invite-code', errors, 'inviteCode')}">
    ${fieldError('invite-code', errors.inviteCode)}

    <label for="username">Username</label>
    <input id="username" name="username" value="${values.username ?? ''}" autocomplete="username" required
      autocapitalize="none" spellcheck="false"
      minlength="${LIMITS.usernameMin}" maxlength="${LIMITS.usernameMax}" aria-invalid="${errors.username ? 'true' : 'false'}"
      aria-describedby="${describedBy('username', errors, 'username', 'username-hint')}">
    <p class="hint" id="username-hint">${LIMITS.usernameMin}–${LIMITS.usernameMax} lower-case letters, digits, dots, dashes or underscores.</p>
    ${fieldError('username', errors.username)}

    <label for="display-name">Display name</label>
    <input id="display-name" name="displayName" value="${values.displayName ?? ''}" autocomplete="name" required
      maxlength="${LIMITS.displayNameMax}" aria-invalid="${errors.displayName ? 'true' : 'false'}"
      aria-describedby="${describedBy('display-name', errors, 'displayName')}">
    ${fieldError('display-name', errors.displayName)}

    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required
      minlength="${LIMITS.passwordMin}" maxlength="${LIMITS.passwordMax}" aria-invalid="${errors.password ? 'true' : 'false'}"
      aria-describedby="${describedBy('password', errors, 'password', 'password-hint')}">
    <p class="hint" id="password-hint">At least ${LIMITS.passwordMin} characters.</p>
    ${fieldError('password', errors.password)}

    <button type="submit" class="button-primary">Create account</button>
  </form>
  <p class="switch">Already have an account? <a href="/sign-in">Sign in</a></p>
</main>`;
}

export function signInForm(values: SignInValues, errors: FieldErrors, csrfToken: string, notice?: string): Html {
  return html`<main class="narrow">
  <h1>Sign in</h1>
  ${notice ? html`<div class="notice" role="status">${notice}</div>` : ''}
  ${formError(errors)}${errorSummary(errors)}
  <form method="post" action="/sign-in" class="stacked" novalidate>
    ${csrfField(csrfToken)}
    <label for="username">Username</label>
    <input id="username" name="username" value="${values.username ?? ''}" autocomplete="username" required
      autocapitalize="none" spellcheck="false" maxlength="${LIMITS.usernameMax}"
      aria-invalid="${errors.username ? 'true' : 'false'}" aria-describedby="${describedBy('username', errors, 'username')}">
    ${fieldError('username', errors.username)}

    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" required
      maxlength="${LIMITS.passwordMax}" aria-invalid="${errors.password ? 'true' : 'false'}"
      aria-describedby="${describedBy('password', errors, 'password')}">
    ${fieldError('password', errors.password)}

    <button type="submit" class="button-primary">Sign in</button>
  </form>
  ${passkeySignIn(csrfToken)}
  <p class="switch">Have an invite code? <a href="/register">Create an account</a></p>
</main>`;
}

/**
 * A signed-in person opened an invite link: the invite is for a new account,
 * so say who is signed in and offer to sign out (coming back to the link).
 */
export function alreadySignedIn(user: User, inviteCode: string, csrfToken: string): Html {
  return html`<main class="narrow">
  <h1>You are already signed in</h1>
  <p>You are signed in as <strong>${user.displayName}</strong> (${user.username}). This invite link is for creating a new account.</p>
  <p>To create an account with it, for yourself or for someone using this browser, sign out first: the link opens again with the code filled in.</p>
  <form method="post" action="/sign-out" class="stacked">
    ${csrfField(csrfToken)}
    <input type="hidden" name="invite" value="${inviteCode}">
    <button type="submit" class="button-primary">Sign out and use the invite</button>
  </form>
  <p class="switch"><a href="/">Back to your chats</a></p>
</main>`;
}
