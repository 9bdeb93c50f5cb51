import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authorize, AuthorizationError, type MercureClaims } from '../../authorization.js';
import { TransportClosedError } from '../../transport.js';
import { Update, UpdateValidationError } from '../../update.js';
import { HttpError, unauthorized } from './http-error.js';
import { credentialsOf, queryOf } from './request-credentials.js';
import { SSE_HEADERS, sseResponse } from './sse-response.js';

async function claimsOf(fastify: FastifyInstance, request: FastifyRequest, query: URLSearchParams, publish: boolean): Promise<MercureClaims | undefined> {
  const { config } = fastify;
  try {
    return await authorize(
      credentialsOf(request, query, config.cookieName),
      publish ? fastify.verifiers.publisher : fastify.verifiers.subscriber,
      config.publishOrigins,
    );
  } catch (error) {
    if (error instanceof AuthorizationError) throw unauthorized(error.message, error);
    throw error;
  }
}

const stringOrList = { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] };
/** Documented here; read with URLSearchParams in the handler so repeated `topic` keep their order. */
const subscribeQuery = {
  type: 'object',
  properties: { topic: stringOrList, lastEventID: { type: 'string' }, 'Last-Event-ID': { type: 'string' }, authorization: { type: 'string' } },
} as const;

/** The Mercure endpoint: GET subscribes (SSE), POST publishes (form-encoded). */
export default async function mercureRoutes(fastify: FastifyInstance): Promise<void> {
  // Publishers send forms; URLSearchParams keeps repeated `topic` fields in order.
  fastify.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  // The form body is checked by Update.validate() rather than a JSON schema: repeated `topic`
  // fields and "present means true" for `private` do not map onto one, and its messages are clearer.
  // One publish per piece of every streaming reply: logging each (two lines a request) was a share of the
  // hub's CPU per token. A refused publish is still logged, as a warning (app.ts).
  fastify.post('/', { logLevel: 'warn', schema: { response: { 200: { type: 'string', description: 'the update id' } } } }, async (request, reply) => {
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

  fastify.get('/', { schema: { querystring: subscribeQuery } }, async (request, reply) => subscribe(fastify, request, reply));
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
  // HEAD (which Fastify routes here) checks access without opening a stream: a body must not follow.
  if (request.method === 'HEAD') {
    reply.code(200).headers(SSE_HEADERS).send();
    return;
  }

  const header = request.headers['last-event-id'];
  // An empty value asks for nothing, as in the Go hub's retrieveLastEventID().
  const lastEventId = (Array.isArray(header) ? header[0] : header) || query.get('lastEventID') || query.get('Last-Event-ID') || undefined;

  // From here on we write SSE ourselves, straight to the socket (see sse-response.ts).
  reply.hijack();
  const socket = request.raw.socket;
  const stream = sseResponse(socket, request.raw.httpVersion, reply.getHeaders() as OutgoingHttpHeaders);
  const subscriber = hub.createSubscriber({
    topics,
    allowedPrivateTopics: claims?.subscribe,
    payload: claims?.payload,
    requestLastEventId: lastEventId,
    expiresAt: claims?.expiresAt,
    stream,
  });
  socket.on('close', () => subscriber.close('client'));
  try {
    await hub.subscribe(subscriber);
  } catch (error) {
    request.log.warn({ err: error }, 'subscription refused');
    if (stream.opened) socket.destroy();
    else socket.end('HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\nconnection: close\r\ncontent-length: 25\r\n\r\nThe hub is shutting down.');
  }
}
