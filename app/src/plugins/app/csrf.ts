/**
 * CSRF protection for every POST: an Origin (or Referer) check, plus a
 * token bound to the person's session, or before sign-in to a random
 * `csrf` cookie (so nobody can sign a victim in to the attacker's account).
 * Tokens are stateless HMACs of that binding, so any number of tabs and
 * forms stay valid together.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export const CSRF_COOKIE = 'csrf';
export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';

declare module 'fastify' {
  interface FastifyReply {
    /** the token that the page's forms carry in `_csrf` */
    csrfToken(): Promise<string>;
  }
}

export class CsrfError extends Error {
  readonly statusCode = 403;
  constructor(
    readonly code: 'csrf_origin' | 'csrf_token',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CsrfError';
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function originOf(value: string): string | undefined {
  try {
    return new URL(value).origin;
  } catch {
    return undefined;
  }
}

/**
 * The origins a form may come from: `PUBLIC_URL`, and in local mode (plain
 * http on localhost or 127.0.0.1) its twin on the same port too, because
 * both names reach the local edge and people type either. Any other origin,
 * and every other deployment, has the one `PUBLIC_URL` origin.
 */
export function allowedOrigins(publicUrl: string): Set<string> {
  const url = new URL(publicUrl);
  const origins = new Set([url.origin]);
  if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) {
    const port = url.port ? `:${url.port}` : '';
    origins.add(`http://localhost${port}`);
    origins.add(`http://127.0.0.1${port}`);
  }
  return origins;
}

export default fp(
  async (app) => {
    const { config } = app;
    const origins = allowedOrigins(config.publicUrl);
    const key = createHmac('sha256', config.sessionSecret).update('homeagent csrf key').digest();

    function tokenFor(binding: string): string {
      return createHmac('sha256', key).update(binding).digest('base64url');
    }

    /** What the token is bound to right now: the session row, else the anonymous cookie. */
    async function bindingOf(request: FastifyRequest): Promise<string | undefined> {
      const signedIn = await request.currentSession();
      if (signedIn) return `session:${signedIn.session.id}`;
      const anonymous = request.cookies[CSRF_COOKIE];
      return anonymous ? `anonymous:${anonymous}` : undefined;
    }

    app.decorateReply('csrfToken', async function (this: FastifyReply) {
      let binding = await bindingOf(this.request);
      if (!binding) {
        const anonymous = randomBytes(32).toString('base64url');
        this.setCookie(CSRF_COOKIE, anonymous, {
          httpOnly: true,
          secure: config.secureCookies,
          sameSite: 'lax',
          path: '/',
        });
        // Later calls in this request must agree with the cookie just set.
        this.request.cookies[CSRF_COOKIE] = anonymous;
        binding = `anonymous:${anonymous}`;
      }
      return tokenFor(binding);
    });

    // preValidation: the body is parsed but not yet validated, so a forged
    // request is refused as forged whatever else is wrong with it.
    app.addHook('preValidation', async (request) => {
      if (!UNSAFE_METHODS.has(request.method)) return;

      const origin = request.headers.origin;
      const referer = request.headers.referer;
      const claimed = origin !== undefined ? originOf(origin) : referer !== undefined ? originOf(referer) : config.publicUrl;
      if (claimed === undefined || !origins.has(claimed)) {
        throw new CsrfError(
          'csrf_origin',
          `This form was sent from another site than ${config.publicUrl}, so it was refused. Open ${config.publicUrl} and try again.`,
        );
      }

      // A JSON body may be `null` (or absent): only an object can carry the field.
      const body = request.body as Record<string, unknown> | null | undefined;
      const sent = request.headers[CSRF_HEADER] ?? (typeof body === 'object' && body !== null ? body[CSRF_FIELD] : undefined);
      const binding = await bindingOf(request);
      if (typeof sent !== 'string' || binding === undefined) {
        throw new CsrfError('csrf_token', 'This form has expired or is missing its security token. Reload the page and try again.');
      }
      const expected = Buffer.from(tokenFor(binding));
      const actual = Buffer.from(sent);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
        throw new CsrfError('csrf_token', 'This form has expired or is missing its security token. Reload the page and try again.');
      }
    });
  },
  { name: 'csrf', dependencies: ['config', 'session', '@fastify/cookie'] },
);
