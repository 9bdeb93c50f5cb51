/**
 * `POST /theme`: system, light or dark, remembered in a cookie on this
 * device, then back to the page the form was on (same origin only: the
 * CSRF check has made sure of it). Needs no session, so it works everywhere.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { THEMES, THEME_COOKIE } from '../views/theme.js';

const ThemeForm = Type.Object({
  _csrf: Type.String(),
  theme: Type.Union(THEMES.map((theme) => Type.Literal(theme))),
});

/** Only the path of the page the form was on (the origin is dropped): never an open redirect. */
function backTo(referer: string | undefined): string {
  if (!referer) return '/';
  try {
    const url = new URL(referer);
    return url.pathname.startsWith('//') ? '/' : `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}

const appearanceRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/theme', { schema: { body: ThemeForm } }, async (request, reply) => {
    reply.setCookie(THEME_COOKIE, request.body.theme, {
      path: '/',
      httpOnly: true,
      secure: app.config.secureCookies,
      sameSite: 'lax',
      maxAge: 365 * 24 * 3600,
    });
    return reply.redirect(backTo(request.headers.referer), 303);
  });
};

export default appearanceRoutes;
