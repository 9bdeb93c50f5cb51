/** The ways out of a chat: download it, share a snapshot, and one's data and links on the account page. */
import { html, type Html } from './html.js';

export function chatExportLinks(conversationId: string): Html {
  const base = `/c/${encodeURIComponent(conversationId)}`;
  return html`<p class="chat-export">
  <a href="${base}/export.md" download>Download as Markdown</a>
  <a href="${base}/export.json" download>Download as JSON</a>
  <a href="${base}/share">Share a read-only link</a>
</p>`;
}

/** A small section for the account page. */
export function yourDataSection(): Html {
  return html`<section class="your-data" aria-labelledby="your-data-heading">
  <h2 id="your-data-heading">Your data</h2>
  <p>Every chat of yours, with its messages, models, times, tokens and costs, as one JSON file.</p>
  <p><a href="/account/data.json" download>Download all my data</a> · <a href="/shares">Your shared links</a></p>
</section>`;
}
