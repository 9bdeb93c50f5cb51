import fp from 'fastify-plugin';
import type { FastifyBaseLogger } from 'fastify';
import { SignJWT } from 'jose';

export interface HubUpdate {
  topic: string;
  data: string;
  id: string;
  /** SSE event name; unnamed (`message`) when absent */
  type?: string;
}

export class HubPublishError extends Error {
  readonly code = 'hub_publish_failed';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HubPublishError';
  }
}

const TOKEN_LIFETIME_S = 3_600;
// Renew a little before expiry so a token never lapses between signing and the hub's check.
const TOKEN_RENEW_BEFORE_S = 300;
const PUBLISH_TIMEOUT_MS = 10_000;
const RETRY_BASE_MS = 250;

/**
 * Publishes private updates to the Mercure hub as a form POST with a
 * publisher JWT. Failures are logged and reported as `false`, never thrown:
 * a hub hiccup must not lose a reply (the text is stored regardless and the
 * page reads it on reload).
 */
export class HubPublisher {
  /** signed tokens by key */
  private readonly tokens = new Map<string, { value: string; expiresAt: number }>();
  private readonly keys: () => readonly string[];
  /** the key the hub last accepted, tried first */
  private preferred: string | undefined;

  /**
   * `jwtKey`: one key, or the keys to sign with, current first (agent-secrets.ts). After a
   * rotation the hub may still verify with the previous key until its task restarts: a 401
   * with one key is retried with the next, and the key that worked is used from then on.
   */
  constructor(
    private readonly publishUrl: string,
    jwtKey: string | (() => readonly string[]),
    private readonly log: FastifyBaseLogger,
  ) {
    this.keys = typeof jwtKey === 'string' ? () => [jwtKey] : jwtKey;
  }

  private async bearer(key: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const token = this.tokens.get(key);
    if (token && token.expiresAt - TOKEN_RENEW_BEFORE_S > now) return token.value;
    const expiresAt = now + TOKEN_LIFETIME_S;
    const value = await new SignJWT({ mercure: { publish: ['*'] } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(key));
    this.tokens.set(key, { value, expiresAt });
    return value;
  }

  /** The keys in the order to try them: the one the hub last accepted first, if still valid. */
  private orderedKeys(): string[] {
    const keys = [...this.keys()];
    for (const key of this.tokens.keys()) if (!keys.includes(key)) this.tokens.delete(key);
    const preferred = this.preferred;
    return preferred !== undefined && keys.includes(preferred) ? [preferred, ...keys.filter((k) => k !== preferred)] : keys;
  }

  /**
   * Publishes one update. `attempts` > 1 retries with a short backoff: used for
   * `done`, the one event a page cannot do without (without it the bubble keeps
   * waiting until a reload).
   */
  async publish(update: HubUpdate, attempts = 1): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      if (await this.publishOnce(update)) return true;
      if (attempt >= attempts) return false;
      await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)));
    }
  }

  private async publishOnce(update: HubUpdate): Promise<boolean> {
    const form = new URLSearchParams({ topic: update.topic, data: update.data, id: update.id, private: 'on' });
    if (update.type) form.set('type', update.type);
    try {
      const keys = this.orderedKeys();
      for (let i = 0; ; i++) {
        const key = keys[i]!;
        const response = await fetch(this.publishUrl, {
          method: 'POST',
          headers: { authorization: `Bearer ${await this.bearer(key)}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: form,
          signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
        });
        const body = await response.text();
        if (response.ok) {
          this.preferred = key;
          return true;
        }
        if (response.status === 401 && i + 1 < keys.length) continue;
        throw new HubPublishError(`hub answered ${response.status}: ${body.slice(0, 200)}`);
      }
    } catch (error) {
      this.log.warn({ err: error, updateId: update.id, type: update.type ?? 'message' }, 'publishing to the hub failed');
      return false;
    }
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: HubPublisher;
  }
}

export default fp(
  async (app) => {
    app.decorate('hub', new HubPublisher(app.config.mercurePublishUrl, () => app.secrets.publisherKeys(), app.log));
  },
  { name: 'hub-publisher', dependencies: ['config', 'agent-secrets'] },
);
