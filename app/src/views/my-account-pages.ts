/**
 * "Your account": display name, password, the devices signed in (each can
 * be ended) and the person's own recent sign-ins. Each section is a plain
 * form that also works without JavaScript.
 */
import { LIMITS, type AuditEntry, type SessionInfo, type User } from '@homeagent/contract';
import { deviceName } from '../device-name.js';
import { describedBy, fieldError, formError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { timeStamp } from './time-stamp.js';

export interface AccountPageOptions {
  user: User;
  csrfToken: string;
  sessions: SessionInfo[];
  /** the handle of the session showing the page */
  currentHandle: string;
  signIns: AuditEntry[];
  displayName?: string;
  errors?: FieldErrors;
  /** what just happened, e.g. "Password changed." */
  notice?: string;
}

function sessionRow(session: SessionInfo, current: boolean, csrfToken: string): Html {
  const name = deviceName(session.userAgent);
  return html`<li class="session-item">
    <p><strong>${name}</strong>${current ? html` <span class="badge">this device</span>` : ''}</p>
    <p class="hint">Signed in ${timeStamp(session.createdAt)} · last seen ${timeStamp(session.lastSeenAt)}${session.address ? html` · from ${session.address}` : ''}</p>
    ${current
      ? ''
      : html`<form method="post" action="/account/sessions/${session.handle}/end">
      ${csrfField(csrfToken)}
      <button type="submit" class="button-quiet">End this session<span class="visually-hidden">: ${name}</span></button>
    </form>`}
  </li>`;
}

export function accountPage(o: AccountPageOptions): Html {
  const errors = o.errors ?? {};
  return html`<main class="narrow">
  <h1>Your account</h1>
  ${o.notice ? html`<p class="notice" role="status">${o.notice}</p>` : ''}
  ${formError(errors)}
  <section aria-labelledby="name-heading">
    <h2 id="name-heading">Name</h2>
    <form method="post" action="/account/display-name" class="stacked" novalidate>
      ${csrfField(o.csrfToken)}
      <label for="display-name">Display name</label>
      <input id="display-name" name="displayName" value="${o.displayName ?? o.user.displayName}" maxlength="${LIMITS.displayNameMax}" required
        autocomplete="name" aria-invalid="${errors.displayName ? 'true' : 'false'}" aria-describedby="${describedBy('display-name', errors, 'displayName')}">
      ${fieldError('display-name', errors.displayName)}
      <button type="submit" class="button-quiet">Save name</button>
    </form>
  </section>
  <section aria-labelledby="password-heading">
    <h2 id="password-heading">Password</h2>
    <form method="post" action="/account/password" class="stacked" novalidate>
      ${csrfField(o.csrfToken)}
      <input type="text" name="username" value="${o.user.username}" autocomplete="username" hidden>
      <label for="current-password">Current password</label>
      <input id="current-password" name="currentPassword" type="password" autocomplete="current-password" required maxlength="${LIMITS.passwordMax}"
        aria-invalid="${errors.currentPassword ? 'true' : 'false'}" aria-describedby="${describedBy('current-password', errors, 'currentPassword')}">
      ${fieldError('current-password', errors.currentPassword)}
      <label for="new-password">New password</label>
      <input id="new-password" name="newPassword" type="password" autocomplete="new-password" required minlength="${LIMITS.passwordMin}" maxlength="${LIMITS.passwordMax}"
        aria-invalid="${errors.newPassword ? 'true' : 'false'}" aria-describedby="${describedBy('new-password', errors, 'newPassword', 'new-password-hint')}">
      <p class="hint" id="new-password-hint">At least ${LIMITS.passwordMin} characters. Every other device is signed out.</p>
      ${fieldError('new-password', errors.newPassword)}
      <button type="submit" class="button-quiet">Change password</button>
    </form>
  </section>
  <section aria-labelledby="devices-heading">
    <h2 id="devices-heading">Signed-in devices</h2>
    <ul class="session-list">${o.sessions.map((s) => sessionRow(s, s.handle === o.currentHandle, o.csrfToken))}</ul>
    <form method="post" action="/sign-out-everywhere">
      ${csrfField(o.csrfToken)}
      <button type="submit" class="button-quiet">Sign out everywhere</button>
    </form>
  </section>
  <section aria-labelledby="sign-ins-heading">
    <h2 id="sign-ins-heading">Recent sign-ins</h2>
    ${o.signIns.length === 0
      ? html`<p class="empty">None yet.</p>`
      : html`<ul class="sign-in-list">${o.signIns.map(
          (e) => html`<li>${timeStamp(e.at)}: ${e.action === 'sign_in.succeeded' ? 'signed in' : 'a sign-in was refused'} on ${deviceName(e.userAgent)}${e.address ? html` from ${e.address}` : ''}</li>`,
        )}</ul>`}
  </section>
</main>`;
}
