import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authorize, AuthorizationError } from '../../authorization.js';
import { SUBSCRIPTIONS_PATH, subscriptionDocument } from '../../hub.js';
import { HttpError, unauthorized } from './http-error.js';
import { credentialsOf, queryOf } from './request-credentials.js';

interface Params {
  topic?: string;
  subscriber?: string;
}

const paramsSchema = {
  type: 'object',
  properties: { topic: { type: 'string', minLength: 1 }, subscriber: { type: 'string', minLength: 1 } },
} as const;

/**
 * The subscription API (JSON-LD, as the Go hub answers it). Like the
 * subscription events it exposes who listens to what, so it needs a
 * subscriber JWT whose `mercure.subscribe` selectors match the requested path.
 */
export default async function subscriptionRoutes(fastify: FastifyInstance): Promise<void> {
  const handler = async (request: FastifyRequest<{ Params: Params }>) => {
    const { config, hub } = fastify;
    if (!config.subscriptions) throw new HttpError(404, 'not_found', 'The subscription API is disabled (MERCURE_SUBSCRIPTIONS=0).');
    let claims;
    try {
      claims = await authorize(credentialsOf(request, queryOf(request), config.cookieName), fastify.verifiers.subscriber, config.publishOrigins);
    } catch (error) {
      if (error instanceof AuthorizationError) throw unauthorized(error.message, error);
      throw error;
    }
    if (claims === undefined) throw unauthorized('A subscriber JWT is required for the subscription API.');
    const { topic, subscriber: subscriberId } = request.params;
    let path = SUBSCRIPTIONS_PATH;
    if (topic !== undefined) path += `/${encodeURIComponent(topic)}`;
    if (subscriberId !== undefined) path += `/${encodeURIComponent(subscriberId)}`;
    if (!hub.selectors.matchAny(claims.subscribe ?? [], [path])) {
      throw unauthorized('The subscriber JWT does not allow reading these subscriptions.');
    }

    const { lastEventId, subscribers } = await hub.transport.getSubscribers();
    const documents = [];
    for (const s of subscribers) {
      if (subscriberId !== undefined && s.id !== subscriberId) continue;
      for (const t of s.topics) if (topic === undefined || t === topic) documents.push(subscriptionDocument(s, t, true));
    }
    if (subscriberId !== undefined) {
      const doc = documents[0];
      if (doc === undefined) throw new HttpError(404, 'not_found', 'No such subscription.');
      return { ...doc, lastEventID: lastEventId };
    }
    return { '@context': 'https://mercure.rocks/', id: path, type: 'Subscriptions', lastEventID: lastEventId, subscriptions: documents };
  };
  const options = { schema: { params: paramsSchema } };
  const send = async (request: FastifyRequest<{ Params: Params }>, reply: import('fastify').FastifyReply) =>
    reply.type('application/ld+json').send(await handler(request));
  fastify.get<{ Params: Params }>('/subscriptions', options, send);
  fastify.get<{ Params: Params }>('/subscriptions/:topic', options, send);
  fastify.get<{ Params: Params }>('/subscriptions/:topic/:subscriber', options, send);
}
