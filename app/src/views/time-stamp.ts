/** Dates as people read them on a page. */
import { html, type Html } from './html.js';

// The server does not know the reader's time zone, so it writes only the
// day (no clock time, no "UTC"); /static/app.js (its local-time part) then rewrites every
// <time datetime> in the browser's own zone, including ones htmx swaps in.
const dayFormat = new Intl.DateTimeFormat('en', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** A `<time>` element for an ISO 8601 instant, shown in the reader's zone by app.js (its local-time part); nothing when it cannot be read. */
export function timeStamp(iso: string): Html {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html``;
  return html`<time datetime="${date.toISOString()}" data-local-time>${dayFormat.format(date)}</time>`;
}

const monthFormat = new Intl.DateTimeFormat('en', { year: 'numeric', month: 'long', timeZone: 'UTC' });

/** "November 2026" for the agent's `yyyy-mm` usage month (UTC); the text as given if it is not one. */
export function monthName(month: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  if (!match) return month;
  return monthFormat.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)));
}
