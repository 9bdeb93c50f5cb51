import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, AuthorizationError, type MercureClaims } from '../../authorization.js';
import type { SubscriberStream } from '../../subscriber.js';
import { TransportClosedError } from '../../transport.js';
import { Update, UpdateValidationError } from '../../update.js';
import { HttpError, unauthorized } from './http-error.js';
import { credentialsOf, queryOf } from './request-credentials.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  // nginx and similar proxies would otherwise buffer the stream
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
} as const;

async function claimsOf(fastify: FastifyInstance, request: FastifyRequest, query: URLSearchParams, publish: boolean): Promise<MercureClaims | undefined> {
  const { config } = fastify;
  try {
    return await authorize(
      credentialsOf(request, query, config.cookieName),
      publish ? config.publisherKey : config.subscriberKey,
      config.publishOrigins,
    );
  } catch (error) {
    if (error instanceof AuthorizationError) throw unauthorized(error.message, error);
    throw error;
  }
}

/** The Mercure endpoint: GET subscribes (SSE), POST publishes (form-encoded). */
export default async function mercureRoutes(fastify: FastifyInstance): Promise<void> {
  // Publishers send forms; URLSearchParams keeps repeated `topic` fields in order.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  fastify.post('/', async (request, reply) => {
    const form = request.body instanceof URLSearchParams ? request.body : undefined;
    if (form === undefined) throw new HttpError(415, 'unsupported_media_type', 'Publish with Content-Type: application/x-www-form-urlencoded.');
    const claims = await claimsOf(fastify, request, queryOf(request), true);
    if (claims?.publish === undefined) throw unauthorized('A publisher JWT with a "mercure.publish" claim is required.');

    const retryField = form.get('retry');
    if (retryField !== null && !/^\d{1,10}$/.test(retryField)) {
      throw new HttpError(400, 'retry_invalid', 'The "retry" field must be a non-negative integer (milliseconds).');
    }
    const update = new Update({
      topics: form.getAll('topic'),
      data: form.get('data') ?? '',
      private: form.has('private'),
      id: form.get('id') || undefined,
      type: form.get('type') ?? undefined,
      retry: retryField === null ? undefined : Number(retryField),
    });
    try {
      update.validate();
    } catch (error) {
      if (error instanceof UpdateValidationError) {
        throw new HttpError(error.code === 'topic_reserved' ? 403 : 400, error.code, error.message, { cause: error });
      }
      throw error;
    }
    if (!fastify.hub.selectors.matchAll(claims.publish, update.topics)) {
      throw unauthorized('The publisher JWT does not allow publishing to every topic of this update.');
    }
    try {
      await fastify.hub.publish(update);
    } catch (error) {
      if (error instanceof TransportClosedError) throw new HttpError(503, error.code, error.message, { cause: error });
      throw error;
    }
    return reply.type('text/plain; charset=utf-8').send(update.id);
  });

  fastify.get('/', async (request, reply) => subscribe(fastify, request, reply));
  fastify.options('/', async (_request, reply) => reply.code(204).send());
}

async function subscribe(fastify: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const { config, hub } = fastify;
  const query = queryOf(request);
  const topics = query.getAll('topic');
  if (topics.length === 0) throw new HttpError(400, 'topic_missing', 'Subscribe with at least one "topic" query parameter.');
  if (topics.some((t) => t.length === 0)) throw new HttpError(400, 'topic_missing', 'A "topic" query parameter is empty.');
  const claims = await claimsOf(fastify, request, query, false);
  if (claims === undefined && !config.anonymous) throw unauthorized('A subscriber JWT is required.');
  if (hub.closing) throw new HttpError(503, 'shutting_down', 'The hub is shutting down.');

  const header = request.headers['last-event-id'];
  const lastEventId = (Array.isArray(header) ? header[0] : header) ?? query.get('lastEventID') ?? query.get('Last-Event-ID') ?? undefined;

  // From here on we write SSE ourselves, straight to the socket's response.
  reply.hijack();
  const res = reply.raw;
  const preset = reply.getHeaders() as OutgoingHttpHeaders;
  const stream: SubscriberStream = {
    open(id) {
      res.writeHead(200, { ...preset, ...SSE_HEADERS, 'last-event-id': id });
      // A first comment, flushed at once, so EventSource fires `open` without waiting for an event.
      res.write(':\n');
    },
    write: (chunk) => res.write(chunk),
    get writableLength() {
      return res.writableLength;
    },
    end: () => res.end(),
    destroy: () => res.destroy(),
  };
  const subscriber = hub.createSubscriber({
    topics,
    allowedPrivateTopics: claims?.subscribe,
    payload: claims?.payload,
    requestLastEventId: lastEventId,
    expiresAt: claims?.expiresAt,
    stream,
  });
  res.on('close', () => subscriber.close('client'));
  try {
    await hub.subscribe(subscriber);
  } catch (error) {
    request.log.warn({ err: error }, 'subscription refused');
    if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The hub is shutting down.');
    else res.end();
  }
}
