/** Dates as people read them on a page. */
import { html, type Html } from './html.js';

// Rendered on the server, which does not know the reader's time zone: say which one it is.
const dateFormat = new Intl.DateTimeFormat('en', {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZone: 'UTC',
  timeZoneName: 'short',
});

/** A `<time>` element for an ISO 8601 instant; nothing when it cannot be read. */
export function timeStamp(iso: string): Html {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return html``;
  return html`<time datetime="${date.toISOString()}">${dateFormat.format(date)}</time>`;
}
