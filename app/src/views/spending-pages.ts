/**
 * The admin's "Spending by day": a month's spending, day by day, for the
 * whole installation and for each person: a chart (spending-chart.ts) with
 * the table of the same figures beside it, and links to the months before.
 */
import type { PersonMonthSpend, UsageDaysResponse } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { usd } from './money-amount.js';
import { monthName } from './time-stamp.js';
import { spendingChart, type ChartDay } from './spending-chart.js';

export const SPENDING_PATH = '/spending';

const monthLink = (month: string) => `${SPENDING_PATH}?month=${month}`;

/** The month before or after `month` (`yyyy-mm`). */
export function shiftMonth(month: string, by: number): string {
  const [year, monthIndex] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(year, monthIndex - 1 + by, 1)).toISOString().slice(0, 7);
}

const dayLabel = (day: string) => String(Number(day.slice(8, 10)));

/** The days with spending, as rows; a month without any says so. */
function daysTable(caption: string, days: readonly ChartDay[], extra?: (day: string) => Html): Html {
  const spent = days.filter((d) => d.spentUsd > 0);
  if (spent.length === 0) return html`<p class="empty">No spending in this month.</p>`;
  return html`<table class="spending-table">
    <caption>${caption} <span class="hint">(days without spending left out)</span></caption>
    <thead><tr><th scope="col">Day</th><th scope="col">Spent</th>${extra ? html`<th scope="col">Replies</th>` : ''}</tr></thead>
    <tbody>${spent.map((d) => html`<tr><th scope="row">${dayLabel(d.day)}</th><td>${usd(d.spentUsd)}</td>${extra ? extra(d.day) : ''}</tr>`)}</tbody>
  </table>`;
}

function personSection(person: PersonMonthSpend, monthLabel: string): Html {
  const id = `spending-${person.userId}`;
  const byDay = new Map(person.days.map((d) => [d.day, d]));
  return html`<section class="spending-person" aria-labelledby="${id}-heading">
    <h3 id="${id}-heading">${person.displayName} <span class="username">${person.username}</span></h3>
    <p class="hint">${usd(person.spentUsd)} in ${monthLabel}.</p>
    <div class="spending-figure">
      ${spendingChart({ id, days: person.days, subject: person.displayName, monthLabel, variant: 'person' })}
      ${daysTable(`${person.displayName}, by day`, person.days, (day) => html`<td>${byDay.get(day)?.replies ?? 0}</td>`)}
    </div>
  </section>`;
}

export function spendingPage(data: UsageDaysResponse): Html {
  const label = monthName(data.month);
  const previous = shiftMonth(data.month, -1);
  const next = shiftMonth(data.month, 1);
  const spenders = data.people.filter((p) => p.spentUsd > 0 || p.days.some((d) => d.spentUsd > 0));
  const quiet = data.people.filter((p) => !spenders.includes(p));
  return html`<main class="wide">
  <h1>Spending by day</h1>
  <p class="lede">What Claude's replies cost, per UTC day, for everyone and for each person.</p>
  <nav class="spending-months" aria-label="Months">
    <a class="button-quiet" href="${monthLink(previous)}">${monthName(previous)}<span class="visually-hidden"> (the month before)</span></a>
    <h2 id="spending-month">${label}</h2>
    ${next <= data.currentMonth ? html`<a class="button-quiet" href="${monthLink(next)}">${monthName(next)}<span class="visually-hidden"> (the month after)</span></a>` : ''}
    <form method="get" action="${SPENDING_PATH}" class="spending-pick">
      <label for="spending-month-pick">Month</label>
      <select id="spending-month-pick" name="month">
        ${data.months.map((m) => html`<option value="${m}" ${m === data.month ? html`selected` : ''}>${monthName(m)}</option>`)}
      </select>
      <button type="submit" class="button-quiet">Show</button>
    </form>
  </nav>
  <section class="spending-total" aria-labelledby="spending-total-heading">
    <h2 id="spending-total-heading">Everyone: ${usd(data.total.spentUsd)}</h2>
    <div class="spending-figure">
      ${spendingChart({ id: 'spending-total', days: data.total.days, subject: 'Everyone', monthLabel: label, variant: 'total' })}
      ${daysTable('Everyone, by day', data.total.days)}
    </div>
    <p class="hint">The total also counts people who have since been removed.</p>
  </section>
  <section aria-labelledby="spending-people-heading">
    <h2 id="spending-people-heading">Each person</h2>
    ${spenders.length === 0 ? html`<p class="empty">Nobody spent anything in ${label}.</p>` : spenders.map((p) => personSection(p, label))}
    ${quiet.length > 0 ? html`<p class="hint">No spending in ${label}: ${quiet.map((p) => p.displayName).join(', ')}.</p>` : ''}
  </section>
</main>`;
}
