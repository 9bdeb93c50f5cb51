import http from 'node:http';
import https from 'node:https';
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
// Below the hub's keep-alive timeout (Fastify 5's default keepAliveTimeout is
// 72,000 ms: fastify/lib/config-validator.js of 5.12.8, read 2026-12-01), so
// the agent drops an idle connection before the hub does, rather than racing it.
const IDLE_SOCKET_MS = 30_000;
/** Connections to the hub at most; more publishes wait for a free one. */
const MAX_SOCKETS = 32;

/** One POST to the hub: the status and body, or the network error. */
interface HubAnswer {
  status: number;
  body: string;
}

/**
 * Publishes private updates to the Mercure hub as a form POST with a
 * publisher JWT. Failures are logged and reported as `false`, never thrown:
 * a hub hiccup must not lose a reply (the text is stored regardless and the
 * page reads it on reload).
 */
export class HubPublisher {
  /** signed `Bearer` headers by key */
  private readonly tokens = new Map<string, { header: string; expiresAt: number }>();
  private readonly keys: () => readonly string[];
  /** the key the hub last accepted, tried first */
  private preferred: string | undefined;
  private readonly url: URL;
  private readonly transport: typeof http | typeof https;
  // One publish per coalesced piece of every running reply: a kept-alive pool
  // spares a TCP handshake per piece, and plain node:http spares fetch's web
  // streams, Headers and AbortSignal per request (the --cpu-prof profile of
  // `npm run bench` showed undici's fetch machinery near the top of the
  // agent's CPU; docs/PERFORMANCE.md).
  private readonly agent: http.Agent;
  private closed = false;

  /**
   * `jwtKey`: one key, or the keys to sign with, current first (agent-secrets.ts). After a
   * rotation the hub may still verify with the previous key until its task restarts: a 401
   * with one key is retried with the next, and the key that worked is used from then on.
   */
  constructor(
    publishUrl: string,
    jwtKey: string | (() => readonly string[]),
    private readonly log: FastifyBaseLogger,
  ) {
    this.keys = typeof jwtKey === 'string' ? () => [jwtKey] : jwtKey;
    this.url = new URL(publishUrl);
    const secure = this.url.protocol === 'https:';
    this.transport = secure ? https : http;
    const options = { keepAlive: true, maxSockets: MAX_SOCKETS, timeout: IDLE_SOCKET_MS, scheduling: 'lifo' as const };
    this.agent = secure ? new https.Agent(options) : new http.Agent(options);
  }

  /** Closes the kept-alive connections (on shutdown), and ends the publishes still being retried. */
  close(): void {
    this.closed = true;
    this.agent.destroy();
  }

  private async bearer(key: string): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const token = this.tokens.get(key);
    if (token && token.expiresAt - TOKEN_RENEW_BEFORE_S > now) return token.header;
    const expiresAt = now + TOKEN_LIFETIME_S;
    const value = await new SignJWT({ mercure: { publish: ['*'] } })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuedAt(now)
      .setExpirationTime(expiresAt)
      .sign(new TextEncoder().encode(key));
    const header = `Bearer ${value}`;
    this.tokens.set(key, { header, expiresAt });
    return header;
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

  /**
   * Keeps trying an update that could not be published, in the background:
   * 0.25 s doubling, `attempts` more times (8: about 30 s, as long as a hub
   * restarting under load can take), until it is published or the publisher
   * closes. Its waits do not keep the process alive. Used for a running
   * reply's `done`, after `publish` gave up: a reader that reconnects once the
   * hub is back must still be told the reply ended.
   */
  publishLater(update: HubUpdate, attempts = 8): void {
    void (async () => {
      for (let attempt = 1; attempt <= attempts; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, RETRY_BASE_MS * 2 ** (attempt - 1)).unref());
        if (this.closed) return;
        if (await this.publishOnce(update)) {
          this.log.info({ updateId: update.id, attempt }, 'published an update the hub had missed');
          return;
        }
      }
    })();
  }

  private async publishOnce(update: HubUpdate): Promise<boolean> {
    const form = new URLSearchParams({ topic: update.topic, data: update.data, id: update.id, private: 'on' });
    if (update.type) form.set('type', update.type);
    const body = form.toString();
    try {
      const keys = this.orderedKeys();
      for (let i = 0; ; i++) {
        const key = keys[i]!;
        const answer = await this.post(await this.bearer(key), body);
        if (answer.status >= 200 && answer.status < 300) {
          this.preferred = key;
          return true;
        }
        if (answer.status === 401 && i + 1 < keys.length) continue;
        throw new HubPublishError(`hub answered ${answer.status}: ${answer.body.slice(0, 200)}`);
      }
    } catch (error) {
      this.log.warn({ err: error, updateId: update.id, type: update.type ?? 'message' }, 'publishing to the hub failed');
      return false;
    }
  }

  /**
   * POSTs the form once. The hub closes only idle keep-alive connections, so
   * one that fails as it is reused (`reusedSocket` and ECONNRESET, before any
   * answer) was never read: that request is sent again on a fresh connection,
   * as the Node.js docs advise
   * (https://nodejs.org/docs/latest-v20.x/api/http.html#requestreusedsocket,
   * read 2026-12-01), and no update is published twice.
   */
  private post(authorization: string, body: string, retried = false): Promise<HubAnswer> {
    return new Promise<HubAnswer>((resolve, reject) => {
      const req = this.transport.request(
        this.url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: PUBLISH_TIMEOUT_MS,
          headers: {
            authorization,
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < 1_000) text += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
          res.on('error', (cause) => reject(new HubPublishError('the hub answer broke off', { cause })));
        },
      );
      req.on('timeout', () => req.destroy(new HubPublishError(`no answer from the hub within ${PUBLISH_TIMEOUT_MS} ms`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (!retried && req.reusedSocket && error.code === 'ECONNRESET') {
          this.post(authorization, body, true).then(resolve, reject);
          return;
        }
        reject(error instanceof HubPublishError ? error : new HubPublishError(`could not reach the hub: ${error.message}`, { cause: error }));
      });
      req.end(body);
    });
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    hub: HubPublisher;
  }
}

export default fp(
  async (app) => {
    const hub = new HubPublisher(app.config.mercurePublishUrl, () => app.secrets.publisherKeys(), app.log);
    app.decorate('hub', hub);
    // onClose runs after preClose, where running replies publish their last updates.
    app.addHook('onClose', async () => hub.close());
  },
  { name: 'hub-publisher', dependencies: ['config', 'agent-secrets'] },
);
