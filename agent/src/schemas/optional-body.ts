import type { FastifyRequest } from 'fastify';

/**
 * For routes whose body fields are all optional: a request without a body
 * means "all defaults", so it is read as `{}` rather than refused.
 */
export async function emptyBodyAsObject(request: FastifyRequest): Promise<void> {
  if (request.body === undefined || request.body === null) (request as { body: unknown }).body = {};
}
