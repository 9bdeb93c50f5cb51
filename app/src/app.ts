/**
 * The app as a plugin: server.ts registers it on a listening Fastify
 * instance, tests build it without listening. Options carry the validated
 * config, so nothing below reads the environment.
 */
import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { AppConfig } from './config.js';
import { loggerOptions } from './logger-options.js';
import agentClient from './plugins/app/agent-client.js';
import csrf from './plugins/app/csrf.js';
import pageReply from './plugins/app/page-reply.js';
import errorHandler from './plugins/app/error-handler.js';
import session from './plugins/app/session.js';
import signInLimits from './plugins/app/sign-in-limits.js';
import sendLimits from './plugins/app/send-limits.js';
import helmet from './plugins/external/helmet.js';
import compress from './plugins/external/compress.js';
import multipartForm from './plugins/external/multipart.js';
import staticFiles from './plugins/external/static.js';
import accountRoutes from './routes/account.js';
import appearanceRoutes from './routes/appearance.js';
import conversationRoutes from './routes/conversations.js';
import attachmentRoutes from './routes/attachments.js';
import newChatRoutes from './routes/new-chat.js';
import searchRoutes from './routes/search.js';
import exportRoutes from './routes/export.js';
import shareRoutes from './routes/share.js';
import shareSettingsRoutes from './routes/share-settings.js';
import healthRoutes from './routes/health.js';
import inviteRoutes from './routes/invites.js';
import peopleRoutes from './routes/people.js';
import activityRoutes from './routes/activity.js';
import myAccountRoutes from './routes/my-account.js';
import passkeyRoutes from './routes/passkeys.js';
import passwordResetRoutes from './routes/password-reset.js';
import settingsRoutes from './routes/settings.js';
import modelRoutes from './routes/models.js';
import safetyRoutes from './routes/safety.js';
import usageRoutes from './routes/usage.js';
import spendingRoutes from './routes/spending.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig;
  }
}

export interface AppOptions {
  config: AppConfig;
  /** milliseconds since the epoch, for the sign-in limits; tests pass a clock they can move */
  now?: () => number;
}

/** What a forwarded `X-Request-Id` must look like to be used as this request's id. */
const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Forms are small; a message is at most 16 000 characters (64 KB of UTF-8 at worst). */
export const BODY_LIMIT = 128 * 1024;

/** Options for the Fastify instance the app runs on (server.ts and tests share them). */
export function serverOptions(config: AppConfig): FastifyServerOptions {
  return {
    bodyLimit: BODY_LIMIT,
    logger: loggerOptions(config.logLevel),
    // Ids and request logs stay readable across the edge/app/agent hops, but
    // a client may send this header too: only a plain token is taken as an id.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Answered before any hook runs (so before helmet): a bare HTML line with
    // its own headers, and never the URL echoed back.
    frameworkErrors: ((error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const status = error.statusCode ?? 400;
      void reply
        .code(status)
        .header('content-security-policy', "default-src 'none'")
        .header('x-content-type-options', 'nosniff')
        .type('text/html; charset=utf-8')
        .send(status === 414 ? '<p class="error" role="alert">That address is too long.</p>\n' : '<p class="error" role="alert">That address is not valid.</p>\n');
    }),
    // Longer than any id the schemas accept, so a too-long id gets the
    // schema's clear 400 instead of the router's bare 404.
    routerOptions: { maxParamLength: 500 },
    // request.ip is the address the trusted proxy (ALB, local edge) saw, not what a client claims.
    // (A hop count, as proxy-addr counts it: hop 0 is the socket's peer.)
    trustProxy: (_address: string, hop: number) => hop < config.trustProxyHops,
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
  };
}

const configPlugin = fp<AppOptions>(
  async (app, { config }) => {
    app.decorate('config', config);
  },
  { name: 'config' },
);

const app: FastifyPluginAsync<AppOptions> = async (fastify: FastifyInstance, options) => {
  await fastify.register(configPlugin, options);
  await fastify.register(errorHandler);
  await fastify.register(helmet);
  await fastify.register(compress);
  await fastify.register(cookie);
  // Browsers post forms; the app takes nothing else (no JSON API here).
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  await fastify.register(formbody, { bodyLimit: BODY_LIMIT });
  // Before csrf: its preValidation hook must see the multipart form's fields already parsed.
  await fastify.register(multipartForm);
  await fastify.register(agentClient);
  await fastify.register(session);
  await fastify.register(csrf);
  await fastify.register(pageReply);
  await fastify.register(signInLimits, { now: options.now });
  await fastify.register(sendLimits, { now: options.now });
  await fastify.register(staticFiles);

  await fastify.register(healthRoutes);
  await fastify.register(accountRoutes);
  await fastify.register(appearanceRoutes);
  await fastify.register(conversationRoutes);
  await fastify.register(attachmentRoutes);
  await fastify.register(newChatRoutes);
  await fastify.register(searchRoutes);
  await fastify.register(exportRoutes);
  await fastify.register(shareRoutes);
  await fastify.register(inviteRoutes);
  await fastify.register(peopleRoutes);
  await fastify.register(activityRoutes);
  await fastify.register(myAccountRoutes);
  await fastify.register(passkeyRoutes);
  await fastify.register(passwordResetRoutes);
  await fastify.register(settingsRoutes);
  await fastify.register(modelRoutes);
  await fastify.register(safetyRoutes);
  await fastify.register(shareSettingsRoutes);
  await fastify.register(usageRoutes);
  await fastify.register(spendingRoutes);
};

export default fp(app, { name: 'homeagent-app' });
