/**
 * Logger settings shared by the process and the tests: secrets never reach
 * the logs.
 */
import type { FastifyRequest, FastifyServerOptions } from 'fastify';

/**
 * `inviteCode` is redacted wherever it is nested (request bodies, errors) but
 * not at the top level, where only the deliberate "first admin invite" line puts it.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'passwordHash',
  'serviceKey',
  'mercurePublisherJwtKey',
  '*.password',
  '*.passwordHash',
  '*.serviceKey',
  '*.mercurePublisherJwtKey',
  '*.authorization',
  '*.cookie',
  '*.inviteCode',
  '*.*.inviteCode',
  '*.*.password',
];

/**
 * A session id or reset-link token in a URL is as good as the thing itself: only its first characters are logged.
 * An invite code (`DELETE /v1/invites/<code>`, the revoke) is as good as an account, and a share token
 * (`/v1/shared/<token>`) as good as the snapshot: none of either is.
 */
export function maskUrl(url: string): string {
  return url
    .replace(/(\/v1\/(?:sessions|reset-links)\/)([A-Za-z0-9_-]{6})[A-Za-z0-9_%-]*/, '$1$2…')
    .replace(/(\/v1\/invites\/)[^/?#]+/, '$1[redacted]')
    .replace(/(\/v1\/shared\/)[^/?#]+/, '$1[redacted]');
}

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (request: FastifyRequest | Record<string, unknown>) =>
        // Only Fastify's own request objects are reshaped; anything else logged as `req` passes as it is (redaction still applies).
        typeof request.url === 'string' && typeof request.method === 'string'
          ? {
              method: request.method,
              url: maskUrl(request.url),
              host: (request as FastifyRequest).host,
              remoteAddress: (request as FastifyRequest).ip,
            }
          : request,
    },
    ...(stream ? { stream } : {}),
  } as NonNullable<FastifyServerOptions['logger']>;
}
