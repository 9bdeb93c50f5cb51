import type { FastifyRequest } from 'fastify';
import type { Credentials } from '../../authorization.js';

/** The value of one cookie, without a cookie plugin (the hub reads exactly one). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      return decodeURIComponent(value);
    } catch {
      return value;
    }
  }
  return undefined;
}

/** The credential-bearing parts of a request, for the framework-free `authorize()`. */
export function credentialsOf(request: FastifyRequest, query: URLSearchParams, cookieName: string): Credentials {
  const h = request.headers;
  return {
    method: request.method,
    authorization: h.authorization,
    query: query.get('authorization') ?? undefined,
    cookie: readCookie(h.cookie, cookieName),
    origin: h.origin,
    referer: h.referer,
  };
}

/** The query string as URLSearchParams: keeps every repeated `topic` in order. */
export function queryOf(request: FastifyRequest): URLSearchParams {
  const url = request.raw.url ?? '';
  const q = url.indexOf('?');
  return new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
}
