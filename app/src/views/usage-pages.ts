/**
 * "Your usage": what a person has spent this month against their budget,
 * and a way to sign out on every device.
 */
import type { UsageResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { csrfField } from './layout.js';
import { usd } from './money-amount.js';
import { monthName } from './time-stamp.js';
import { yourDataSection } from './conversation-export-links.js';

export function usagePage(usage: UsageResponse, csrfToken: string): Html {
  const reserved = Math.max(0, usage.committedUsd - usage.spentUsd);
  const left = Math.max(0, usage.budgetUsd - usage.committedUsd);
  return html`<main class="narrow">
  <h1>Your usage</h1>
  <section class="usage" aria-labelledby="usage-heading">
    <h2 id="usage-heading">${monthName(usage.month)}</h2>
    <p class="usage-line">
      <meter min="0" max="${usage.budgetUsd}" value="${Math.min(usage.spentUsd, usage.budgetUsd)}" aria-labelledby="usage-spent"></meter>
      <span id="usage-spent">${usd(usage.spentUsd)} of your ${usd(usage.budgetUsd)} monthly budget used.</span>
    </p>
    <dl class="usage-figures">
      <dt>Left this month</dt><dd>${usd(left)}</dd>
      ${reserved > 0 ? html`<dt>Held for replies in progress</dt><dd>${usd(reserved)}</dd>` : ''}
      <dt>Tokens sent to Claude</dt><dd>${usage.inputTokens.toLocaleString('en-US')}</dd>
      <dt>Tokens Claude wrote</dt><dd>${usage.outputTokens.toLocaleString('en-US')}</dd>
      ${usage.cacheReadTokens ? html`<dt>Tokens read from the prompt cache</dt><dd>${usage.cacheReadTokens.toLocaleString('en-US')}</dd>` : ''}
      <dt>Saved by prompt caching</dt><dd class="cache-saved">${usd(usage.cacheSavedUsd ?? 0)}</dd>
    </dl>
    <p class="hint">Months are counted in UTC. An admin can change your budget.</p>
  </section>
  <section class="account-actions" aria-labelledby="sessions-heading">
    <h2 id="sessions-heading">Your sessions</h2>
    <p>Lost a device, or signed in somewhere you should not have? This ends every session, this one included.</p>
    <form method="post" action="/sign-out-everywhere">
      ${csrfField(csrfToken)}
      <button type="submit" class="button-quiet">Sign out everywhere</button>
    </form>
  </section>
  ${yourDataSection()}
</main>`;
}
