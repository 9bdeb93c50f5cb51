/** The page a password-reset link opens: choose a new password (or learn the link no longer works). */
import { LIMITS, type ResetLinkInfo } from '@homeagent/contract';
import { describedBy, fieldError, formError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';

export function resetPage(action: string, info: ResetLinkInfo, csrfToken: string, errors: FieldErrors = {}): Html {
  return html`<main class="narrow">
  <h1>Choose a new password</h1>
  <p class="lede">For <strong>${info.displayName}</strong> (${info.username}). Every device signed in to this account is signed out.</p>
  ${formError(errors)}
  <form method="post" action="${action}" class="stacked" novalidate>
    ${csrfField(csrfToken)}
    <input type="text" name="username" value="${info.username}" autocomplete="username" hidden>
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="new-password" required minlength="${LIMITS.passwordMin}" maxlength="${LIMITS.passwordMax}"
      aria-invalid="${errors.password ? 'true' : 'false'}" aria-describedby="${describedBy('password', errors, 'password', 'password-hint')}">
    <p class="hint" id="password-hint">At least ${LIMITS.passwordMin} characters.</p>
    ${fieldError('password', errors.password)}
    <button type="submit" class="button-primary">Set password</button>
  </form>
</main>`;
}

export function resetRefusedPage(message: string): Html {
  return html`<main class="narrow">
  <h1>This link does not work</h1>
  <p class="error" role="alert">${message}</p>
  <p><a href="/sign-in">Go to sign-in</a></p>
</main>`;
}
