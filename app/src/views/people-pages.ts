/**
 * The admin's "People" page: one card per person with their role, this
 * month's spending against their budget, a form to change the budget and a
 * "Sign out everywhere" button. Each card updates itself: both forms post
 * with htmx and get the card back (with what to fix, or what happened);
 * without JavaScript they post normally and the whole page comes back.
 */
import type { UserListResponse, UserSummary } from '@homeagent/contract';
import { BUDGET_USD } from '../schemas/people.js';
import { describedBy, fieldError, type FieldErrors } from './form-messages.js';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { budgetFieldValue, usd } from './money-amount.js';
import { monthName, timeStamp } from './time-stamp.js';

export function personPath(userId: string): string {
  return `/people/${encodeURIComponent(userId)}`;
}

export interface PersonCardOptions {
  summary: UserSummary;
  csrfToken: string;
  /** the admin looking at the page (their own card says "you") */
  viewerId: string;
  /** what the person typed in the budget field, kept after a refusal */
  budgetValue?: string;
  errors?: FieldErrors;
  /** what just happened, e.g. "Budget saved." */
  notice?: string;
  /** why an action was refused (e.g. the last admin) */
  refusal?: string;
  /** a reset link just made: shown once, on this card only */
  resetLink?: { url: string; expiresAt: string };
}

/** One small form posting to the card's own path, answered with the card. */
function cardAction(id: string, action: string, csrfToken: string, label: Html, fields: Html = html``): Html {
  return html`<form method="post" action="${action}" hx-post="${action}" hx-target="#${id}" hx-swap="outerHTML" hx-disable="find button">
    ${csrfField(csrfToken)}${fields}
    <button type="submit" class="button-quiet">${label}</button>
  </form>`;
}

function managementActions(summary: UserSummary, csrfToken: string, viewerId: string): Html {
  const { user } = summary;
  const id = `person-${user.id}`;
  const path = personPath(user.id);
  const who = html`<span class="visually-hidden">: ${user.displayName}</span>`;
  const otherRole = user.role === 'admin' ? 'member' : 'admin';
  return html`<div class="person-actions" role="group" aria-label="Manage ${user.displayName}">
    ${cardAction(id, `${path}/role`, csrfToken, html`${otherRole === 'admin' ? 'Make admin' : 'Make member'}${who}`, html`<input type="hidden" name="role" value="${otherRole}">`)}
    ${summary.state === 'active'
      ? cardAction(id, `${path}/state`, csrfToken, html`Disable${who}`, html`<input type="hidden" name="state" value="disabled">`)
      : cardAction(id, `${path}/state`, csrfToken, html`Enable${who}`, html`<input type="hidden" name="state" value="active">`)}
    ${cardAction(id, `${path}/reset-link`, csrfToken, html`Make a password-reset link${who}`)}
    ${user.id === viewerId ? '' : html`<a class="button-quiet danger" href="${path}/remove">Remove${who}</a>`}
  </div>`;
}

export function personCard({ summary, csrfToken, viewerId, budgetValue, errors = {}, notice, refusal, resetLink }: PersonCardOptions): Html {
  const { user } = summary;
  const id = `person-${user.id}`;
  const path = personPath(user.id);
  const fieldId = `${id}-budget`;
  const value = budgetValue ?? (summary.defaultBudget ? '' : budgetFieldValue(summary.budgetUsd));
  const over = summary.spentUsd >= summary.budgetUsd;
  return html`<article class="person" id="${id}" aria-labelledby="${id}-name">
  <h2 id="${id}-name">${user.displayName}</h2>
  <p class="person-meta"><span class="username">${user.username}</span> · ${user.role === 'admin' ? 'Admin' : 'Member'}${user.id === viewerId ? ' · you' : ''}</p>
  <p class="person-state state-${summary.state}">${summary.state === 'active' ? 'Active' : 'Disabled'} · last sign-in ${summary.lastSignInAt ? timeStamp(summary.lastSignInAt) : 'never'}</p>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  ${refusal ? html`<p class="form-error" role="alert">${refusal}</p>` : ''}
  ${resetLink
    ? html`<div class="reset-link-created">
    <label for="${id}-reset-link">Password-reset link for ${user.displayName}</label>
    <input id="${id}-reset-link" class="copyable" value="${resetLink.url}" readonly>
    <p class="hint">Shown only now. It works once and expires ${timeStamp(resetLink.expiresAt)}. Send it to them privately.</p>
  </div>`
    : ''}
  <p class="person-usage${over ? ' over-budget' : ''}">
    <meter min="0" max="${summary.budgetUsd}" value="${Math.min(summary.spentUsd, summary.budgetUsd)}" aria-labelledby="${id}-spent"></meter>
    <span id="${id}-spent">${usd(summary.spentUsd)} of ${usd(summary.budgetUsd)}${summary.defaultBudget ? ' (the default budget)' : ''}</span>
  </p>
  <p class="hint">${summary.inputTokens.toLocaleString('en-US')} tokens in, ${summary.outputTokens.toLocaleString('en-US')} tokens out this month.</p>
  <form method="post" action="${path}/budget" class="budget-form" novalidate
    hx-post="${path}/budget" hx-target="#${id}" hx-swap="outerHTML" hx-disable="find button">
    ${csrfField(csrfToken)}
    <label for="${fieldId}">Monthly budget<span class="visually-hidden"> of ${user.displayName}</span> (USD)</label>
    <div class="inline-field">
      <input id="${fieldId}" name="monthlyBudgetUsd" inputmode="decimal" value="${value}" autocomplete="off"
        aria-invalid="${errors.monthlyBudgetUsd ? 'true' : 'false'}"
        aria-describedby="${describedBy(fieldId, errors, 'monthlyBudgetUsd', `${fieldId}-hint`)}">
      <button type="submit" class="button-quiet">Save budget<span class="visually-hidden"> of ${user.displayName}</span></button>
    </div>
    <p class="hint" id="${fieldId}-hint">${BUDGET_USD.min} to ${BUDGET_USD.max.toLocaleString('en-US')} dollars a month; leave empty for the default.</p>
    ${fieldError(fieldId, errors.monthlyBudgetUsd)}
  </form>
  <form method="post" action="${path}/sign-out" class="sign-out-everywhere"
    hx-post="${path}/sign-out" hx-target="#${id}" hx-swap="outerHTML" hx-disable="find button">
    ${csrfField(csrfToken)}
    <button type="submit" class="button-quiet">Sign out everywhere<span class="visually-hidden">: ${user.displayName}</span></button>
  </form>
  ${managementActions(summary, csrfToken, viewerId)}
</article>`;
}

export interface PeoplePageOptions {
  list: UserListResponse;
  csrfToken: string;
  viewerId: string;
  /** a card to show in another state than the list's (after a no-JavaScript post) */
  replaced?: PersonCardOptions;
  notice?: string;
}

export function peoplePage({ list, csrfToken, viewerId, replaced, notice }: PeoplePageOptions): Html {
  return html`<main class="narrow">
  <h1>People</h1>
  ${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
  <p class="lede">Spending in ${monthName(list.month)} (UTC) against each person's monthly budget. Once someone reaches their budget, Claude stops replying to them until the next month or a higher budget.</p>
  <div class="people">
    ${list.users.map((summary) =>
      replaced?.summary.user.id === summary.user.id ? personCard(replaced) : personCard({ summary, csrfToken, viewerId }),
    )}
  </div>
</main>`;
}

/** "Remove <name>?": what goes and what stays, and one button. */
export function removePage(summary: UserSummary, csrfToken: string, refusal?: string): Html {
  const { user } = summary;
  const path = personPath(user.id);
  return html`<main class="narrow">
  <h1>Remove ${user.displayName}?</h1>
  ${refusal ? html`<p class="form-error" role="alert">${refusal}</p>` : ''}
  <p>This removes the account <strong>${user.username}</strong> for good. These are deleted and cannot be brought back:</p>
  <ul>
    <li>their conversations and every message in them,</li>
    <li>their sessions (every device they are signed in on) and passkeys,</li>
    <li>their usage records.</li>
  </ul>
  <p>The activity log keeps what they did and what was done to their account, under the username ${user.username}.</p>
  <form method="post" action="${path}/remove" class="stacked">
    ${csrfField(csrfToken)}
    <button type="submit" class="button-danger">Remove ${user.displayName}</button>
  </form>
  <p class="switch"><a href="/people">Keep them, back to People</a></p>
</main>`;
}
