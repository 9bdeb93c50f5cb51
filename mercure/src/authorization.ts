import type { KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';

export type JwtAlgorithm = 'HS256' | 'RS256';

export interface JwtKey {
  alg: JwtAlgorithm;
  key: KeyObject;
}

/** The `mercure` claim, as the Go hub reads it. */
export interface MercureClaims {
  publish?: string[];
  subscribe?: string[];
  payload?: unknown;
  /** epoch ms; undefined when the token has no `exp` */
  expiresAt?: number;
}

export type AuthorizationErrorCode = 'token_invalid' | 'token_expired' | 'header_malformed' | 'origin_missing' | 'origin_not_allowed';

export class AuthorizationError extends Error {
  readonly code: AuthorizationErrorCode;
  constructor(code: AuthorizationErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AuthorizationError';
    this.code = code;
  }
}

/** The parts of a request that carry credentials, without any HTTP framework. */
export interface Credentials {
  method: string;
  authorization?: string | undefined;
  /** the `authorization` query parameter */
  query?: string | undefined;
  cookie?: string | undefined;
  origin?: string | undefined;
  referer?: string | undefined;
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** Verifies a JWT and returns its `mercure` claim. */
export async function verifyToken(token: string, key: JwtKey): Promise<MercureClaims> {
  try {
    const { payload } = await jwtVerify(token, key.key, { algorithms: [key.alg] });
    const raw = payload['mercure'];
    const mercure = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const claims: MercureClaims = {};
    const publish = stringArray(mercure['publish']);
    const subscribe = stringArray(mercure['subscribe']);
    if (publish) claims.publish = publish;
    if (subscribe) claims.subscribe = subscribe;
    if ('payload' in mercure) claims.payload = mercure['payload'];
    if (typeof payload.exp === 'number') claims.expiresAt = payload.exp * 1000;
    return claims;
  } catch (cause) {
    if (cause instanceof joseErrors.JWTExpired) throw new AuthorizationError('token_expired', 'The token has expired.', { cause });
    throw new AuthorizationError('token_invalid', 'The token is invalid.', { cause });
  }
}

function originOf(credentials: Credentials): string | undefined {
  if (credentials.origin) return credentials.origin;
  if (!credentials.referer) return undefined;
  try {
    return new URL(credentials.referer).origin;
  } catch {
    return undefined;
  }
}

/**
 * Finds the token the way the Go hub does — `Authorization: Bearer`, then the
 * `authorization` query parameter, then the cookie — and verifies it. Returns
 * undefined when there is no token at all (an anonymous request).
 *
 * A cookie is sent by the browser on its own, so for an unsafe method (a
 * publish) it only counts when the request comes from an allowed origin: this
 * is the hub's CSRF protection.
 */
/**
 * Remembers tokens already verified with one key. The agent sends the same
 * publisher JWT with every publish and a person's tabs share one cookie, so
 * this spares a signature check per request. Expiry is re-checked on every use.
 */
export class TokenVerifier {
  readonly key: JwtKey;
  readonly #verified = new Map<string, MercureClaims>();
  readonly #maxEntries: number;

  constructor(key: JwtKey, maxEntries = 1_000) {
    this.key = key;
    this.#maxEntries = maxEntries;
  }

  async verify(token: string): Promise<MercureClaims> {
    const cached = this.#verified.get(token);
    if (cached !== undefined) {
      if (cached.expiresAt === undefined || cached.expiresAt > Date.now()) return cached;
      this.#verified.delete(token);
      throw new AuthorizationError('token_expired', 'The token has expired.');
    }
    const claims = await verifyToken(token, this.key);
    if (this.#verified.size >= this.#maxEntries) this.#verified.delete(this.#verified.keys().next().value!);
    this.#verified.set(token, claims);
    return claims;
  }
}

export async function authorize(credentials: Credentials, verifier: TokenVerifier, publishOrigins: readonly string[]): Promise<MercureClaims | undefined> {
  if (credentials.authorization !== undefined) {
    const match = /^Bearer (\S+)$/.exec(credentials.authorization);
    if (!match) throw new AuthorizationError('header_malformed', 'The Authorization header must be "Bearer <token>".');
    return verifier.verify(match[1]!);
  }
  if (credentials.query !== undefined) return verifier.verify(credentials.query);
  if (credentials.cookie === undefined) return undefined;
  const method = credentials.method.toUpperCase();
  if (method === 'GET' || method === 'HEAD') return verifier.verify(credentials.cookie);
  const origin = originOf(credentials);
  if (origin === undefined) throw new AuthorizationError('origin_missing', 'A cookie-authenticated publish needs an Origin or Referer header.');
  if (!publishOrigins.includes('*') && !publishOrigins.includes(origin)) {
    throw new AuthorizationError('origin_not_allowed', `The origin ${origin} may not publish with a cookie.`);
  }
  return verifier.verify(credentials.cookie);
}
