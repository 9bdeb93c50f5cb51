/** What a person sees when something went wrong: a fragment for htmx, a page otherwise. */
import { html, type Html } from './html.js';

export function errorFragment(message: string, requestId?: string): Html {
  return html`<p class="error" role="alert">${message}${requestId ? html` <span class="request-id">(reference ${requestId})</span>` : ''}</p>`;
}

export function errorPageBody(title: string, message: string, requestId?: string): Html {
  return html`<main class="narrow">
  <h1>${title}</h1>
  ${errorFragment(message, requestId)}
  <p><a href="/">Back to your chats</a></p>
</main>`;
}
