/**
 * The app's pino settings, shared by the process and the tests: secrets in
 * headers are redacted by path, and tokens in URLs (invite codes, reset and
 * share links: see url-redaction.ts) are taken out of every line.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { redactUrl, redactUrlsInText } from './url-redaction.js';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      // The request log's `url`, structured: the rule list applied to the whole URL.
      req: (request: FastifyRequest | Record<string, unknown>) =>
        typeof request.url === 'string' && typeof request.method === 'string'
          ? {
              method: request.method,
              url: redactUrl(request.url),
              host: (request as FastifyRequest).host,
              remoteAddress: (request as FastifyRequest).ip,
              // A request's socket can be gone by the time it is logged (Fastify's own serializer checks, lib/logger-pino.js).
              remotePort: (request as { socket?: FastifyRequest['socket'] }).socket?.remotePort,
            }
          : request,
    },
    hooks: {
      // The last pass over the finished line (pino >= 9.6 `hooks.streamWrite`, pino docs/api.md,
      // read 2026-12-01): a URL in a message (Fastify's "Route GET:/… not found"), an error, or a
      // field such as sign-in-limits' `route` is redacted too, whoever logged it.
      streamWrite: redactUrlsInText,
    },
    ...(stream ? { stream } : {}),
  } as NonNullable<FastifyServerOptions['logger']>;
}
