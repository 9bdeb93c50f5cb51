/**
 * The full page around every view. htmx and its SSE extension come from
 * our own origin (CSP `script-src 'self'`), under content-hashed names
 * (static-assets.ts); htmx's injected indicator style is switched off by the
 * config meta tag because our stylesheet has it.
 * The settle delay is 0 because htmx's settle step copies an old element's
 * `style` attribute onto its new twin with setAttribute, which the CSP
 * (`style-src 'self'`) blocks and logs; the app has no settle transitions.
 *
 * The top bar is one row on a 375 px phone: the links (and the theme choice)
 * sit in a `<details>` menu there, which needs no script; on a wide screen
 * the links show in the bar and the menu holds the theme choice only.
 */
import type { User } from '@homeagent/contract';
import { html, type Html } from './html.js';
import { CSRF_FIELD } from '../plugins/app/csrf.js';
import { assetUrl } from '../static-assets.js';
import { THEME_COLORS, type Theme } from './theme.js';

export interface LayoutOptions {
  title: string;
  body: Html;
  /** the signed-in person: shows their name and the Sign out button */
  user?: User;
  csrfToken?: string;
  /** a class on <body> so pages can pick their layout */
  pageClass?: string;
  /** keep search engines out (shared snapshots) */
  noindex?: boolean;
  /** the person's choice on this device; `system` follows prefers-color-scheme */
  theme?: Theme;
}

export function csrfField(token: string): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${token}">`;
}

function themeColors(theme: Theme): Html {
  if (theme !== 'system') return html`<meta name="theme-color" content="${THEME_COLORS[theme]}">`;
  return html`<meta name="theme-color" content="${THEME_COLORS.light}" media="(prefers-color-scheme: light)">
<meta name="theme-color" content="${THEME_COLORS.dark}" media="(prefers-color-scheme: dark)">`;
}

const THEME_LABELS: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

function themeForm(theme: Theme, csrfToken: string): Html {
  return html`<form method="post" action="/theme" class="theme-form">
      ${csrfField(csrfToken)}
      <fieldset>
        <legend>Theme</legend>
        ${(['system', 'light', 'dark'] as const).map(
          (choice) => html`<button type="submit" name="theme" value="${choice}" class="button-quiet" aria-pressed="${choice === theme ? 'true' : 'false'}">${THEME_LABELS[choice]}</button>`,
        )}
      </fieldset>
    </form>`;
}

function links(user: User): Html {
  return html`<a class="button-quiet" href="/usage">Usage</a>
      <a class="button-quiet" href="/account">Account</a>
      ${user.role === 'admin'
        ? html`<a class="button-quiet" href="/people">People</a>
      <a class="button-quiet" href="/activity">Activity</a>
      <a class="button-quiet" href="/settings">Settings</a>
      <a class="button-quiet" href="/models">Models</a>
      <a class="button-quiet" href="/safety">Safety</a>
      <a class="button-quiet" href="/invites">Invite someone</a>`
        : ''}`;
}

export function layout({ title, body, user, csrfToken, pageClass, theme = 'system', noindex }: LayoutOptions): Html {
  return html`<!doctype html>
<html lang="en"${theme === 'system' ? '' : html` data-theme="${theme}"`}>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
${noindex ? html`<meta name="robots" content="noindex">
` : ''}<meta name="color-scheme" content="${theme === 'system' ? 'light dark' : theme}">
${themeColors(theme)}
<meta name="htmx-config" content='{"includeIndicatorCSS":false,"defaultSettleDelay":0}'>
<title>${title} · HomeAgent</title>
<link rel="icon" href="${assetUrl('favicon.svg')}" type="image/svg+xml">
<link rel="apple-touch-icon" href="${assetUrl('apple-touch-icon.png')}">
<link rel="manifest" href="/manifest.webmanifest">
<meta name="apple-mobile-web-app-title" content="HomeAgent">
<link rel="stylesheet" href="${assetUrl('app.css')}">
<script src="${assetUrl('htmx.js')}" defer></script>
<script src="${assetUrl('hx-sse.js')}" defer></script>
<script src="${assetUrl('app.js')}" defer></script>
</head>
<body class="${pageClass ?? ''}">
<header class="topbar">
  <a class="brand" href="/">HomeAgent</a>
  ${user && csrfToken
    ? html`<div class="account">
    <nav class="account-links" aria-label="Account">
      ${links(user)}
    </nav>
    <details class="menu">
      <summary class="button-quiet">Menu</summary>
      <div class="menu-panel">
        <nav class="menu-links" aria-label="Menu">
      ${links(user)}
        </nav>
        ${themeForm(theme, csrfToken)}
      </div>
    </details>
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
