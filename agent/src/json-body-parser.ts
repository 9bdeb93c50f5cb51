/**
 * The JSON body parser: Fastify's own (secure-json-parse, which refuses
 * `__proto__` and `constructor.prototype`), after a bound on nesting depth.
 * No request of the contract nests more than a few levels; a body nested
 * 10,000 deep crashed the text clean-up (a 500), so it is refused with 400
 * before anything walks it.
 */
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { HttpError } from './http-error.js';

export const MAX_JSON_DEPTH = 32;

/**
 * How deep the JSON text nests, counted without parsing (brackets outside
 * strings), stopping as soon as it passes `limit`. Linear, no recursion.
 */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

export class JsonTooDeepError extends HttpError {
  constructor() {
    super(400, 'json_too_deep', `The JSON body is nested more than ${MAX_JSON_DEPTH} levels deep; no request needs that.`);
    this.name = 'JsonTooDeepError';
  }
}

/** The callback form of Fastify's body parser type. */
type CallbackBodyParser = Exclude<FastifyBodyParser<string>, (request: never, body: never) => Promise<unknown>>;

export function installJsonBodyParser(app: FastifyInstance): void {
  // Fastify types a body parser as either the callback or the promise form; its default JSON parser is the
  // callback one (fastify 5, lib/content-type-parser.js `defaultJsonParser(req, body, done)`, read 2026-12-01).
  const parse = app.getDefaultJsonParser('error', 'error') as CallbackBodyParser;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepthExceeds(body as string, MAX_JSON_DEPTH)) {
      done(new JsonTooDeepError(), undefined);
      return;
    }
    parse(request, body as string, done);
  });
}
