import type { FastifyError, FastifyInstance, FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { TokenVerifier } from './authorization.js';
import type { HubConfig } from './config.js';
import { Hub } from './hub.js';
import { cors } from './plugins/cors.js';
import healthRoutes from './routes/healthz.js';
import mercureRoutes from './routes/well-known-mercure/index.js';
import subscriptionRoutes from './routes/well-known-mercure/subscriptions.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: HubConfig;
    hub: Hub;
    verifiers: { publisher: TokenVerifier; subscriber: TokenVerifier };
  }
}

export interface AppOptions {
  config: HubConfig;
}

/** The hub as a Fastify plugin: server.ts and the tests build the same thing. */
async function app(fastify: FastifyInstance, { config }: AppOptions): Promise<void> {
  const hub = new Hub({
    historySize: config.historySize,
    heartbeatMs: config.heartbeatMs,
    writeTimeoutMs: config.writeTimeoutMs,
    subscriptions: config.subscriptions,
  });
  fastify.decorate('config', config);
  fastify.decorate('hub', hub);
  fastify.decorate('verifiers', { publisher: new TokenVerifier(config.publisherKey), subscriber: new TokenVerifier(config.subscriberKey) });
  // Open streams would keep server.close() waiting forever: end them first.
  fastify.addHook('preClose', async () => hub.close());

  fastify.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // A refused publish is a publisher's fault worth seeing (its route logs warnings only); a refused subscriber, a visitor's.
    else if (request.method === 'POST') request.log.warn({ code: error.code, reason: error.message }, 'publish refused');
    else request.log.info({ code: error.code, reason: error.message }, 'request refused');
    if (status === 401) reply.header('www-authenticate', 'Bearer realm="mercure"');
    const message = status >= 500 ? `Internal error (request ${request.id}).` : error.message;
    return reply.code(status).type('text/plain; charset=utf-8').send(message);
  });

  fastify.setNotFoundHandler((request, reply) =>
    reply.code(404).type('text/plain; charset=utf-8').send(`Nothing here: ${request.method} ${request.url.split('?')[0]}. The hub answers on /.well-known/mercure.`),
  );

  // Every answer is text, JSON or an event stream; never let a browser guess otherwise.
  fastify.addHook('onRequest', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  cors(fastify, config.corsOrigins);
  await fastify.register(healthRoutes);
  await fastify.register(mercureRoutes, { prefix: '/.well-known/mercure' });
  await fastify.register(subscriptionRoutes, { prefix: '/.well-known/mercure' });
}

/** Not encapsulated, so the process (and tests) can reach `fastify.hub`. */
export default fp(app, { name: 'homeagent-mercure', fastify: '5.x' });

/**
 * The URL with the value of every `authorization` query field replaced. Names
 * are decoded the way the hub reads them (URLSearchParams), so `?%61uthorization=`
 * (which the hub accepts as the token) is redacted too.
 */
export function redactedUrl(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return url;
  const fields = url.slice(q + 1).split('&').map((field) => {
    const eq = field.indexOf('=');
    const rawName = eq === -1 ? field : field.slice(0, eq);
    const name = new URLSearchParams(`${rawName}=`).keys().next().value ?? '';
    return name.toLowerCase() === 'authorization' ? `${rawName}=[redacted]` : field;
  });
  return `${url.slice(0, q + 1)}${fields.join('&')}`;
}

/** Fastify's own options: JSON logs that never show a token. */
export function serverOptions(config: Pick<HubConfig, 'logLevel'>): FastifyServerOptions {
  return {
    logger: {
      level: config.logLevel,
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'], censor: '[redacted]' },
      serializers: {
        // Subscribers may pass their JWT as `?authorization=`; keep it out of the logs.
        req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
          method: req.method,
          url: redactedUrl(req.url),
          remoteAddress: req.ip,
        }),
      },
    },
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  };
}
