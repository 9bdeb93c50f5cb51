/**
 * How a route answers with HTML, written once: `reply.page()` sends the
 * full page (the layout, with the signed-in top bar and a renewed hub
 * cookie) or, when htmx asks for the partial, only its body;
 * `reply.fragment()` sends a piece of HTML as it is. Beside them, the htmx
 * request predicates every route and the error handler use.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Html } from '../../views/html.js';
import { layout } from '../../views/layout.js';
import { THEME_COOKIE, themeOf } from '../../views/theme.js';

/** The request came from htmx (it swaps the answer into the page). */
export function isHtmxRequest(request: FastifyRequest): boolean {
  return request.headers['hx-request'] === 'true';
}

/** htmx 4 asks for the partial (`HX-Request-Type: partial`) unless it targets the whole body. */
export function wantsPartial(request: FastifyRequest): boolean {
  return request.headers['hx-request-type'] === 'partial';
}

export interface PageOptions {
  status?: number;
  /** a class on <body> so pages can pick their layout */
  pageClass?: string;
  /** keep search engines out (shared snapshots) */
  noindex?: boolean;
  /** more of our static scripts (layout.ts) */
  scripts?: string[];
}

declare module 'fastify' {
  interface FastifyReply {
    /** The full page, or its body alone when htmx asks for the partial. */
    page(title: string, body: Html, options?: PageOptions): Promise<FastifyReply>;
    /** A piece of HTML as it is (a fragment htmx swaps in). */
    fragment(markup: Html, status?: number): FastifyReply;
  }
}

export default fp(
  async (app) => {
    app.decorateReply('fragment', function (this: FastifyReply, markup: Html, status = 200) {
      return this.code(status).type('text/html; charset=utf-8').send(markup.value);
    });

    app.decorateReply('page', async function (this: FastifyReply, title: string, body: Html, options: PageOptions = {}) {
      const { status = 200, pageClass, noindex, scripts } = options;
      if (wantsPartial(this.request)) return this.fragment(body, status);
      const signedIn = await this.request.currentSession();
      const theme = themeOf(this.request.cookies[THEME_COOKIE]);
      if (!signedIn) return this.fragment(layout({ title, body, pageClass, theme, noindex, scripts }), status);
      // Renew the hub cookie with every page: the app cannot see whether the
      // browser still has a valid one (its path is the hub's), and a renewed
      // one survives a rotated subscriber key or a cookie cleared by hand.
      await this.issueHubCookie(signedIn);
      return this.fragment(layout({ title, body, user: signedIn.user, csrfToken: await this.csrfToken(), pageClass, theme, noindex, scripts }), status);
    });
  },
  { name: 'page-reply', dependencies: ['session', 'csrf'] },
);
