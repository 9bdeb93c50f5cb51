/**
 * The passkey parts of the sign-in and account pages. The forms that need
 * WebAuthn are `hidden` until passkey.js (loaded only on these two pages)
 * finds the browser can do it; without JavaScript the password form works
 * as before, and removing a passkey is a plain form.
 */
import { PASSKEY_NAME_MAX, type PasskeyInfo } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { timeStamp } from './time-stamp.js';

/** The static file the two pages load, by its plain name (static-assets.ts). */
export const PASSKEY_SCRIPT = 'passkey.js';

export function passkeySignIn(csrfToken: string): Html {
  return html`<form class="passkey-sign-in stacked" data-passkey="sign-in" hidden>
    ${csrfField(csrfToken)}
    <p class="passkey-or">or</p>
    <button type="submit" class="button-quiet">Sign in with a passkey</button>
    <p class="hint passkey-status" role="status"></p>
  </form>`;
}

function passkeyRow(passkey: PasskeyInfo, csrfToken: string): Html {
  return html`<li class="session-item passkey-item">
    <p><strong>${passkey.name}</strong></p>
    <p class="hint">Added ${timeStamp(passkey.createdAt)} · ${passkey.lastUsedAt ? html`last used ${timeStamp(passkey.lastUsedAt)}` : 'not used yet'}</p>
    <form method="post" action="/account/passkeys/${passkey.id}/remove">
      ${csrfField(csrfToken)}
      <button type="submit" class="button-quiet">Remove<span class="visually-hidden"> passkey ${passkey.name}</span></button>
    </form>
  </li>`;
}

export function passkeySection(passkeys: PasskeyInfo[], csrfToken: string): Html {
  return html`<section aria-labelledby="passkeys-heading">
    <h2 id="passkeys-heading">Passkeys</h2>
    <p class="hint">Sign in with your fingerprint, face or device PIN instead of typing your password. Your password keeps working.</p>
    ${passkeys.length === 0
      ? html`<p class="empty">No passkeys yet.</p>`
      : html`<ul class="session-list passkey-list">${passkeys.map((p) => passkeyRow(p, csrfToken))}</ul>`}
    <form class="stacked" data-passkey="add" hidden>
      ${csrfField(csrfToken)}
      <label for="passkey-name">Passkey name</label>
      <input id="passkey-name" name="name" maxlength="${PASSKEY_NAME_MAX}" autocomplete="off" aria-describedby="passkey-name-hint">
      <p class="hint" id="passkey-name-hint">Something to recognise it by, like "Phone". Left empty, it is named after this device.</p>
      <button type="submit" class="button-quiet">Add a passkey</button>
      <p class="hint passkey-status" role="status"></p>
    </form>
    <p class="hint" data-passkey-unsupported>Adding a passkey needs JavaScript and a browser that supports passkeys.</p>
  </section>`;
}
