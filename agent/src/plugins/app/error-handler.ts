import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import type { ApiError } from '@homeagent/contract';
import { HttpError } from '../../http-error.js';
import { BusyError } from '../../busy-error.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

const PATTERN_WORDS: Record<string, string> = {
  username: 'may only contain lower-case letters, digits, dot, dash and underscore',
};

const article = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

/** One sentence naming the field and what is wrong with it. */
export function describeValidation(issues: ValidationIssue[], context: string | undefined): string {
  const issue = issues[0];
  if (!issue) return 'The request is not valid.';
  const path = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const part = context === 'body' ? 'request body' : context === 'headers' ? 'headers' : context === 'params' ? 'URL' : (context ?? 'request');
  if (issue.keyword === 'required') {
    const missing = (issue.params.requiredProperties as string[] | undefined)?.[0] ?? (issue.params.missingProperty as string | undefined);
    const name = [path, missing].filter(Boolean).join('.');
    return context === 'headers' ? `The header "${name}" is required.` : `"${name}" is required in the ${part}.`;
  }
  if (path === '') {
    // Ajv names the expected type as a string, or a list of them.
    const type = issue.params.type;
    const expected = typeof type === 'string' ? type : Array.isArray(type) ? type.join(',') : 'object';
    return issue.keyword === 'type' ? `The ${part} must be ${article(expected)}.` : `The ${part} is not valid: ${issue.message ?? ''}.`;
  }
  const field = `"${path}"`;
  const limit = issue.params.limit as number | undefined;
  switch (issue.keyword) {
    case 'type':
      return `${field} must be ${article(String(issue.params.type))}.`;
    case 'minLength':
      return limit === 1 ? `${field} must not be empty.` : `${field} must be at least ${limit} characters long.`;
    case 'maxLength':
      return `${field} must be at most ${limit} characters long.`;
    case 'minItems':
      return `${field} must list at least ${limit} ${limit === 1 ? 'item' : 'items'}.`;
    case 'maxItems':
      return `${field} must list at most ${limit} items.`;
    case 'minimum':
      return `${field} must be at least ${limit}.`;
    case 'maximum':
      return `${field} must be at most ${limit}.`;
    case 'pattern':
      return `${field} ${PATTERN_WORDS[path] ?? 'has characters that are not allowed'}.`;
    case 'const':
    case 'anyOf': {
      const allowed = issues
        .filter((i) => i.instancePath === issue.instancePath && i.keyword === 'const')
        .map((i) => JSON.stringify(i.params.allowedValue ?? i.params.const));
      return allowed.length > 0 ? `${field} must be one of ${allowed.join(', ')}.` : `${field} has a value that is not allowed.`;
    }
    default:
      return `${field} ${issue.message ?? 'is not valid'}.`;
  }
}

/**
 * The one error handler: everything is logged; a client sees the message of
 * a 4xx, and for a 5xx only a generic line with the request id to quote.
 */
export default fp(
  async (app) => {
    app.setErrorHandler((error: FastifyError | HttpError, request, reply) => {
      let body: ApiError;
      if ('validation' in error && error.validation) {
        body = {
          statusCode: 400,
          code: 'validation',
          message: describeValidation(error.validation, error.validationContext),
        };
      } else if (error instanceof HttpError) {
        body = { statusCode: error.statusCode, code: error.code, message: error.message };
      } else if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
        // Fastify's own client errors (bad JSON, wrong content type, body too large) have safe messages.
        const code = error.statusCode === 413 ? 'payload_too_large' : error.statusCode === 415 ? 'unsupported_media_type' : 'bad_request';
        body = { statusCode: error.statusCode, code, message: error.message };
      } else {
        body = {
          statusCode: 500,
          code: 'internal',
          message: `Something went wrong on our side. If it keeps happening, quote request id ${request.id}.`,
        };
      }
      body.requestId = request.id;
      if (error instanceof BusyError) {
        // Designed backpressure (send-admission.ts): a refusal with a time to come back, not an error.
        reply.header('retry-after', String(error.retryAfterSeconds));
        request.log.info({ code: body.code, statusCode: body.statusCode, retryAfter: error.retryAfterSeconds }, 'request refused: busy');
      } else if (body.statusCode >= 500) {
        request.log.error({ err: error }, 'request failed');
        app.metrics.put('AgentErrors', 1);
      } else {
        request.log.info({ code: body.code, statusCode: body.statusCode, reason: body.message }, 'request refused');
      }
      return reply.code(body.statusCode).send(body);
    });

    app.setNotFoundHandler((request, reply) => {
      const body: ApiError = {
        statusCode: 404,
        code: 'not_found',
        message: `There is no route ${request.method} ${request.url.split('?')[0]}.`,
        requestId: request.id,
      };
      return reply.code(404).send(body);
    });
  },
  { name: 'error-handler', dependencies: ['metrics'] },
);
