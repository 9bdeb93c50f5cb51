/**
 * The full page around every view. htmx and its SSE extension come from
 * our own origin (CSP `script-src 'self'`); htmx's injected indicator style
 * is switched off by the config meta tag because our stylesheet has it.
 * The settle delay is 0 because htmx's settle step copies an old element's
 * `style` attribute onto its new twin with setAttribute, which the CSP
 * (`style-src 'self'`) blocks and logs; the app has no settle transitions.
 */
import type { User } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { CSRF_FIELD } from '../plugins/app/csrf.js';

export interface LayoutOptions {
  title: string;
  body: Html;
  /** the signed-in person: shows their name and the Sign out button */
  user?: User;
  csrfToken?: string;
  /** a class on <body> so pages can pick their layout */
  pageClass?: string;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

export function layout({ title, body, user, csrfToken, pageClass }: LayoutOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{"includeIndicatorCSS":false,"defaultSettleDelay":0}'>
<title>${title} · HomeAgent</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css">
<script src="/vendor/htmx/htmx.min.js" defer></script>
<script src="/vendor/htmx/ext/hx-sse.js" defer></script>
<script src="/static/app.js" defer></script>
</head>
<body class="${pageClass ?? ''}">
<header class="topbar">
  <a class="brand" href="/">HomeAgent</a>
  ${user && csrfToken
    ? html`<div class="account">
    <nav class="account-links" aria-label="Account">
      <a class="button-quiet" href="/usage">Usage</a>
      <a class="button-quiet" href="/account">Account</a>
      ${user.role === 'admin'
        ? html`<a class="button-quiet" href="/people">People</a>
      <a class="button-quiet" href="/activity">Activity</a>
      <a class="button-quiet" href="/settings">Settings</a>
      <a class="button-quiet" href="/invites">Invite someone</a>`
        : ''}
    </nav>
    <span class="who" title="${user.username}">${user.displayName}</span>
    <form method="post" action="/sign-out" class="sign-out">
      ${csrfField(csrfToken)}
      <button type="submit" class="button-quiet">Sign out</button>
    </form>
  </div>`
    : ''}
</header>
${body}
</body>
</html>`;
}
