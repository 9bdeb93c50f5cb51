import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import Fastify, { type FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import app, { serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';

export const PUBLISHER_KEY = 'test-publisher-key-0123456789abcdef0123456789';
export const SUBSCRIBER_KEY = 'test-subscriber-key-0123456789abcdef012345678';

/** Builds the app exactly as server.ts does, from an environment, listening on a free port. */
export async function buildHub(env: Record<string, string> = {}, configure?: (f: FastifyInstance) => void | Promise<void>): Promise<{ fastify: FastifyInstance; url: string }> {
  const config = loadConfig({
    MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY,
    MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const fastify = Fastify(serverOptions(config));
  await fastify.register(app, { config });
  if (configure) await configure(fastify);
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  const address = fastify.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return { fastify, url: `http://127.0.0.1:${address.port}` };
}

export async function hs256(claims: Record<string, unknown>, key: string, expiresIn?: string): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (expiresIn) jwt.setExpirationTime(expiresIn);
  return jwt.sign(new TextEncoder().encode(key));
}

export const publisherToken = (publish: string[] = ['*']) => hs256({ mercure: { publish } }, PUBLISHER_KEY);
export const subscriberToken = (subscribe: string[], expiresIn?: string) => hs256({ mercure: { subscribe } }, SUBSCRIBER_KEY, expiresIn);

export function rsaKeys(): { publicPem: string; privateKey: import('node:crypto').KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export interface PublishFields {
  topic: string | string[];
  data?: string;
  id?: string;
  type?: string;
  retry?: string;
  private?: boolean;
}

export async function publish(url: string, fields: PublishFields, token?: string, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams();
  for (const t of Array.isArray(fields.topic) ? fields.topic : [fields.topic]) body.append('topic', t);
  if (fields.data !== undefined) body.append('data', fields.data);
  if (fields.id !== undefined) body.append('id', fields.id);
  if (fields.type !== undefined) body.append('type', fields.type);
  if (fields.retry !== undefined) body.append('retry', fields.retry);
  if (fields.private) body.append('private', 'on');
  return fetch(`${url}/.well-known/mercure`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body,
  });
}

export interface SseEvent {
  id?: string;
  event?: string;
  retry?: string;
  data: string;
}

/**
 * A raw SSE client on node:http, so the tests see exactly the bytes the hub
 * writes (comments included) and can stop reading to play a slow client.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  raw = '';
  ended = false;
  /** the response ended with its proper terminator (a clean close, not a reset) */
  completed = false;
  #buffer = '';
  #pending: SseEvent | undefined;
  #data: string[] = [];
  #waiters: (() => void)[] = [];
  private constructor(readonly response: IncomingMessage) {
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      this.raw += chunk;
      this.#buffer += chunk;
      let newline;
      while ((newline = this.#buffer.indexOf('\n')) !== -1) {
        this.#line(this.#buffer.slice(0, newline));
        this.#buffer = this.#buffer.slice(newline + 1);
      }
      this.#wake();
    });
    const done = () => {
      this.ended = true;
      this.#wake();
    };
    response.on('end', () => {
      this.completed = true;
      done();
    });
    response.on('close', done);
    response.on('error', done);
  }

  /** The EventSource parsing rules, reduced to what the hub sends. */
  #line(line: string): void {
    if (line === '') {
      if (this.#pending !== undefined) {
        this.#pending.data = this.#data.join('\n');
        this.events.push(this.#pending);
      }
      this.#pending = undefined;
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) {
      this.comments++;
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    const event = (this.#pending ??= { data: '' });
    if (field === 'data') this.#data.push(value);
    else if (field === 'id') event.id = value;
    else if (field === 'event') event.event = value;
    else if (field === 'retry') event.retry = value;
  }

  #summary(): string {
    return `${this.events.length} events, ids ${JSON.stringify(this.events.slice(-10).map((e) => e.id))} last`;
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when the condition holds; rejects if the stream ends first or after `timeoutMs`. */
  async until(condition: (c: this) => boolean, what = 'condition', timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      if (this.ended) throw new Error(`stream ended before ${what}; got ${this.#summary()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${this.#summary()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async untilEnded(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for the stream to end');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.response.destroy();
  }

  /** Opens a subscription; resolves once the response headers arrived (any status). */
  static open(url: string, topics: string[], options: { headers?: Record<string, string>; query?: Record<string, string> } = {}): Promise<SseClient> {
    const target = new URL(`${url}/.well-known/mercure`);
    for (const t of topics) target.searchParams.append('topic', t);
    for (const [k, v] of Object.entries(options.query ?? {})) target.searchParams.append(k, v);
    return new Promise((resolve, reject) => {
      const req = httpRequest(target, { headers: options.headers ?? {}, agent: false }, (res) => resolve(new SseClient(res)));
      req.on('error', reject);
      req.end();
    });
  }
}
