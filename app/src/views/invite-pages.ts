/**
 * The admin's "Invite someone" page. The form posts with htmx and the answer
 * (the new invite, or what to fix) lands in the result area below it, which
 * also takes the error fragments of the app's error handler; without
 * JavaScript the same form posts normally and the whole page comes back.
 */
import type { InviteResponse, OpenInvite, Role } from '@homeagent/contract';
import { INVITE_DAYS } from '../schemas/invite.js';
import { describedBy, fieldError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { timeStamp } from './time-stamp.js';

export interface InviteValues {
  role?: string;
  expiresInDays?: string;
}

export interface CreatedInvite {
  invite: InviteResponse;
  /** `<PUBLIC_URL>/register?invite=<code>` */
  link: string;
}

const ROLE_NAMES: Record<Role, string> = { member: 'member', admin: 'admin' };

/** The address that opens the register page with the code filled in. */
export function inviteLink(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/register?${new URLSearchParams({ invite: code }).toString()}`;
}

export function createdInvite({ invite, link }: CreatedInvite): Html {
  return html`<div class="invite-created">
  <h2>Invite created</h2>
  <p>Send this link to the person you are inviting. It works once, makes them ${invite.role === 'admin' ? 'an' : 'a'}
    <strong>${ROLE_NAMES[invite.role]}</strong>, and expires ${timeStamp(invite.expiresAt)}.</p>
  <label for="invite-link">Link to share</label>
  <input id="invite-link" class="copyable" value="${link}" readonly>
  <label for="created-invite-code">Invite code</label>
  <input id="created-invite-code" class="copyable code" value="${invite.code}" readonly aria-describedby="created-invite-code-hint">
  <p class="hint" id="created-invite-code-hint">If the link does not open, they can type this code on the “Create account” page.</p>
</div>`;
}

/** What to fix, for the result area (the page shows the same beside the fields). */
export function inviteErrors(errors: FieldErrors): Html {
  const messages = Object.values(errors).filter((m): m is string => Boolean(m));
  return html`<div class="form-error" role="alert">${messages.map((m) => html`<p>${m}</p>`)}</div>`;
}

export function revokePath(id: string): string {
  return `/invites/${encodeURIComponent(id)}/revoke`;
}

export interface OpenInvitesOptions {
  invites: OpenInvite[];
  publicUrl: string;
  csrfToken: string;
  /** a sentence above the list, e.g. after a revocation */
  notice?: string;
}

/**
 * The open invites, newest first, each with its link and a Revoke button.
 * It updates itself: a revocation answers this whole section again.
 */
export function openInvites({ invites, csrfToken, notice }: OpenInvitesOptions): Html {
  return html`<section id="open-invites" class="open-invites" aria-labelledby="open-invites-heading">
  <h2 id="open-invites-heading">Open invites</h2>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${invites.length === 0
    ? html`<p class="empty">No open invites: every invite made here has been used, revoked or has expired.</p>`
    : html`<div class="table-scroll"><table class="invite-table">
    <thead><tr><th scope="col">Made</th><th scope="col">Role</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>
    ${invites.map(
      (invite) => html`<tr>
      <td>${timeStamp(invite.createdAt)}</td>
      <td>${ROLE_NAMES[invite.role]}</td>
      <td>${timeStamp(invite.expiresAt)}</td>
      <td><form method="post" action="${revokePath(invite.id)}" hx-post="${revokePath(invite.id)}"
        hx-target="#open-invites" hx-swap="outerHTML" hx-disable="find button">
        ${csrfField(csrfToken)}
        <button type="submit" class="button-quiet" aria-label="Revoke the ${ROLE_NAMES[invite.role].toLowerCase()} invite expiring ${invite.expiresAt.slice(0, 16).replace('T', ' ')} UTC">Revoke</button>
      </form></td>
    </tr>`,
    )}
    </tbody>
  </table></div>`}
</section>`;
}

export interface InvitePageOptions {
  csrfToken: string;
  values?: InviteValues;
  errors?: FieldErrors;
  created?: CreatedInvite;
  /** the list under the form */
  open: Omit<OpenInvitesOptions, 'csrfToken'>;
}

export function invitePage({ csrfToken, values = {}, errors = {}, created, open }: InvitePageOptions): Html {
  const role = values.role === 'admin' ? 'admin' : 'member';
  const days = values.expiresInDays ?? String(INVITE_DAYS.default);
  const hasErrors = Object.values(errors).some(Boolean);
  return html`<main class="narrow">
  <h1>Invite someone</h1>
  <p class="lede">An invite lets one person create their own account here. Each invite works once.</p>
  <form method="post" action="/invites" class="stacked" novalidate
    hx-post="/invites" hx-target="#invite-result" hx-swap="innerHTML" hx-disable="find button">
    ${csrfField(csrfToken)}
    <label for="invite-role">Role</label>
    <select id="invite-role" name="role" aria-describedby="${describedBy('invite-role', errors, 'role', 'invite-role-hint')}"
      aria-invalid="${errors.role ? 'true' : 'false'}">
      <option value="member" ${role === 'member' ? html`selected` : ''}>Member</option>
      <option value="admin" ${role === 'admin' ? html`selected` : ''}>Admin</option>
    </select>
    <p class="hint" id="invite-role-hint">Admins can also invite people, set budgets and choose models.</p>
    ${fieldError('invite-role', errors.role)}

    <label for="invite-days">Expires after (days)</label>
    <input id="invite-days" name="expiresInDays" type="number" inputmode="numeric" required
      min="${INVITE_DAYS.min}" max="${INVITE_DAYS.max}" step="1" value="${days}"
      aria-invalid="${errors.expiresInDays ? 'true' : 'false'}"
      aria-describedby="${describedBy('invite-days', errors, 'expiresInDays', 'invite-days-hint')}">
    <p class="hint" id="invite-days-hint">${INVITE_DAYS.min} to ${INVITE_DAYS.max} days; an unused invite stops working after that.</p>
    ${fieldError('invite-days', errors.expiresInDays)}

    <button type="submit" class="button-primary">Create invite</button>
  </form>
  <section id="invite-result" class="invite-result" aria-live="polite" aria-label="New invite">${created
    ? createdInvite(created)
    : hasErrors
      ? inviteErrors(errors)
      : ''}</section>
  ${openInvites({ ...open, csrfToken })}
</main>`;
}
