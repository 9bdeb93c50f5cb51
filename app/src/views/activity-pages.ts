/**
 * The admin's "Activity" page: the audit trail, newest first, filtered by
 * person and by kind (a GET form, so a filtered view is a link), one page
 * at a time with an "Older entries" link.
 */
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type UserListResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { timeStamp } from './time-stamp.js';

/** How each kind of entry reads in a sentence and in the filter. */
export const ACTION_NAMES: Record<AuditAction, string> = {
  'invite.created': 'Invite made',
  'invite.used': 'Invite used',
  'invite.revoked': 'Invite revoked',
  'user.role_changed': 'Role changed',
  'user.disabled': 'Account disabled',
  'user.enabled': 'Account enabled',
  'user.removed': 'Account removed',
  'user.display_name_changed': 'Display name changed',
  'budget.changed': 'Budget changed',
  'settings.changed': 'Settings changed',
  'password.changed': 'Password changed',
  'password.reset_link_created': 'Reset link made',
  'password.reset_link_used': 'Reset link used',
  'passkey.added': 'Passkey added',
  'passkey.removed': 'Passkey removed',
  'sign_in.succeeded': 'Signed in',
  'sign_in.failed': 'Sign-in failed',
  'sign_out.everywhere': 'Signed out everywhere',
  'session.ended': 'Session ended',
  'message.blocked': 'Message blocked by the safety policy',
};

/** An agent newer than this app may send a kind it has no name for yet: that one shows as it is. */
function actionName(action: string): string {
  return (ACTION_NAMES as Partial<Record<string, string>>)[action] ?? action;
}

export interface ActivityFilter {
  userId?: string;
  action?: AuditAction;
}

function detailText(entry: AuditEntry): string {
  const parts = Object.entries(entry.detail ?? {})
    .filter(([key]) => key !== 'linkId')
    .map(([key, value]) => `${key}: ${value === null ? 'default' : String(value)}`);
  return parts.join(', ');
}

export function activityRows(entries: AuditEntry[]): Html {
  return html`${entries.map(
    (entry) => html`<tr class="activity-${entry.outcome}">
    <td>${timeStamp(entry.at)}</td>
    <td><span class="actor">${entry.actor.username}</span></td>
    <td>${actionName(entry.action)}${entry.outcome === 'refused' ? ' (refused)' : ''}</td>
    <td>${entry.target?.username ?? (entry.target ? entry.target.kind : '')}</td>
    <td>${detailText(entry)}</td>
    <td>${entry.address ?? ''}</td>
  </tr>`,
  )}`;
}

export function activityPage(options: { entries: AuditEntry[]; next?: string; filter: ActivityFilter; people: UserListResponse }): Html {
  const { entries, next, filter, people } = options;
  const query = (cursor: string) =>
    new URLSearchParams({ ...(filter.userId ? { userId: filter.userId } : {}), ...(filter.action ? { action: filter.action } : {}), cursor }).toString();
  return html`<main class="wide">
  <h1>Activity</h1>
  <p class="lede">Who did what, newest first. Entries are kept for 400 days and cannot be changed.</p>
  <form method="get" action="/activity" class="activity-filter">
    <label for="activity-person">Person</label>
    <select id="activity-person" name="userId">
      <option value="">Everyone</option>
      ${people.users.map((s) => html`<option value="${s.user.id}" ${filter.userId === s.user.id ? html`selected` : ''}>${s.user.displayName} (${s.user.username})</option>`)}
    </select>
    <label for="activity-kind">Kind</label>
    <select id="activity-kind" name="action">
      <option value="">Everything</option>
      ${AUDIT_ACTIONS.map((a) => html`<option value="${a}" ${filter.action === a ? html`selected` : ''}>${ACTION_NAMES[a]}</option>`)}
    </select>
    <button type="submit" class="button-quiet">Show</button>
  </form>
  ${entries.length === 0
    ? html`<p class="empty">Nothing here${filter.userId || filter.action ? ' for this filter' : ''}.</p>`
    : html`<div class="table-scroll"><table class="activity-table">
    <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">To whom</th><th scope="col">Details</th><th scope="col">Address</th></tr></thead>
    <tbody>${activityRows(entries)}</tbody>
  </table></div>`}
  ${next ? html`<p><a class="button-quiet" href="/activity?${query(next)}">Older entries</a></p>` : ''}
</main>`;
}
