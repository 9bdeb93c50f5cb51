/**
 * The app's one error handler. It logs everything and shows a person only
 * what is safe: the message of a 4xx, a generic line plus the request id for
 * anything else. htmx 4 swaps error responses into the page, so htmx
 * requests get a fragment and full-page requests get a page.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AgentRequestError, AgentUnavailableError } from '../../agent-api/agent-errors.js';
import { isHtmxRequest, wantsPartial } from './page-reply.js';
import { SignInRequiredError } from './session.js';
import { describeValidation } from '../../schemas/validation-message.js';
import { layout } from '../../views/layout.js';
import { THEME_COOKIE, themeOf } from '../../views/theme.js';
import { errorFragment, errorPageBody } from '../../views/error-views.js';


const TITLES: Record<number, string> = {
  400: 'That did not work',
  401: 'Please sign in',
  402: 'Budget reached',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Please wait',
  413: 'Too large',
  415: 'Not supported',
  429: 'Slow down',
  502: 'Something went wrong',
  503: 'Service unavailable',
};

function statusOf(error: FastifyError | Error): number {
  const status = (error as FastifyError).statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}

/**
 * Every error says its request id (4xx and 5xx alike), in the page and in
 * `X-Request-Id` (set for every response, below), so a person can quote it
 * and the id finds the log line. A full error page keeps the signed-in top
 * bar when the session can be read (not when the agent is what failed).
 */
export async function sendError(request: FastifyRequest, reply: FastifyReply, status: number, message: string): Promise<FastifyReply> {
  const requestId = request.id;
  reply.code(status).type('text/html; charset=utf-8');
  if (wantsPartial(request)) return reply.send(errorFragment(message, requestId).value);
  const title = TITLES[status] ?? (status >= 500 ? 'Something went wrong' : 'That did not work');
  const signedIn = await request.currentSession().catch(() => undefined);
  const csrfToken = signedIn ? await reply.csrfToken().catch(() => undefined) : undefined;
  // An error raised before @fastify/cookie's onRequest hook parsed them (a bad URL) finds `cookies` still null
  // (@fastify/cookie index.js `decorateRequest('cookies', null)`, read 2026-12-01).
  const cookies = request.cookies as FastifyRequest['cookies'] | null;
  const theme = themeOf(cookies?.[THEME_COOKIE]);
  return reply.send(layout({ title, body: errorPageBody(title, message, requestId), theme, ...(signedIn && csrfToken ? { user: signedIn.user, csrfToken } : {}) }).value);
}

export default fp(
  async (app) => {
    app.addHook('onRequest', async (request, reply) => {
      reply.header('x-request-id', request.id);
    });
    app.setErrorHandler((error: FastifyError | Error, request, reply) => {
      if (error instanceof SignInRequiredError) {
        // Not worth a warning: it is how every visit after sign-out starts.
        request.log.debug({ err: error }, 'sign-in required');
        // The sign-in page says why when the account was disabled (a fixed sentence, nothing from the URL).
        const target = error.disabled ? '/sign-in?reason=disabled' : '/sign-in';
        if (isHtmxRequest(request)) {
          // htmx follows fetch redirects silently and would swap the sign-in
          // page into a bubble; HX-Redirect makes it load the page instead.
          return reply.code(401).header('hx-redirect', target).type('text/html; charset=utf-8').send(errorFragment(error.message).value);
        }
        return reply.redirect(target, 303);
      }

      const status = error instanceof AgentUnavailableError ? 503 : statusOf(error);
      if (status >= 500) {
        request.log.error({ err: error }, 'request failed');
      } else {
        request.log.info({ err: error, statusCode: status }, 'request refused');
      }

      let message: string;
      if (error instanceof AgentUnavailableError) {
        message = error.message;
      } else if (error instanceof AgentRequestError) {
        message = error.message;
      } else if ((error as FastifyError).validation) {
        message = describeValidation(error as FastifyError);
      } else if (status >= 500) {
        message = 'Something went wrong on our side. Please try again.';
      } else {
        message = error.message;
      }
      return sendError(request, reply, status, message);
    });

    app.setNotFoundHandler(async (request, reply) => sendError(request, reply, 404, 'There is no page at this address.'));
  },
  { name: 'error-handler' },
);
