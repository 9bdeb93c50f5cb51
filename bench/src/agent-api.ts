/**
 * The agent's JSON API called directly (127.0.0.1, service key), to set the
 * pages' latency beside the API's own: how much the app and edge add.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BenchError } from './bench-error.js';

export class AgentApi {
  constructor(
    private readonly baseUrl: string,
    private readonly serviceKey: string,
    private readonly userId: string,
    private readonly agent: http.Agent,
  ) {}

  /** GET a route as the app would for `userId` (default: this person); resolves with the parsed JSON. */
  getJson<T>(path: string, userId = this.userId): Promise<T> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const req = http.get(
        url,
        { agent: this.agent, timeout: 30_000, headers: { authorization: `Bearer ${this.serviceKey}`, 'x-user-id': userId, accept: 'application/json' } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new BenchError('unexpected_status', `agent GET ${path} answered ${res.statusCode}: ${body.slice(0, 200)}`));
            else resolve(JSON.parse(body) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new BenchError('http_timeout', `agent GET ${path}: no answer within 30 s`)));
      req.on('error', (cause) => reject(cause instanceof BenchError ? cause : new BenchError('http_failed', `agent GET ${path}: ${cause.message}`, { cause })));
    });
  }

  /** POST JSON as `userId`; resolves with the parsed answer. */
  postJson<T>(path: string, body: unknown, userId = this.userId): Promise<T> {
    const url = new URL(path, this.baseUrl);
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: 30_000,
          headers: { authorization: `Bearer ${this.serviceKey}`, 'x-user-id': userId, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 0) >= 300) reject(new BenchError('unexpected_status', `agent POST ${path} answered ${res.statusCode}: ${text.slice(0, 200)}`));
            else resolve(JSON.parse(text) as T);
          });
        },
      );
      req.on('timeout', () => req.destroy(new BenchError('http_timeout', `agent POST ${path}: no answer within 30 s`)));
      req.on('error', (cause) => reject(cause instanceof BenchError ? cause : new BenchError('http_failed', `agent POST ${path}: ${cause.message}`, { cause })));
      req.end(payload);
    });
  }

  /** GET a route as the app would for this person; resolves with the milliseconds to the last byte. */
  timedGet(path: string): Promise<number> {
    const url = new URL(path, this.baseUrl);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.get(
        url,
        { agent: this.agent, timeout: 30_000, headers: { authorization: `Bearer ${this.serviceKey}`, 'x-user-id': this.userId, accept: 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode !== 200) reject(new BenchError('unexpected_status', `agent GET ${path} answered ${res.statusCode}`));
            else resolve(performance.now() - started);
          });
        },
      );
      req.on('timeout', () => req.destroy(new BenchError('http_timeout', `agent GET ${path}: no answer within 30 s`)));
      req.on('error', (cause) => reject(cause instanceof BenchError ? cause : new BenchError('http_failed', `agent GET ${path}: ${cause.message}`, { cause })));
    });
  }
}

/** The user id the hub cookie's JWT names (its `sub`); the bench reads it, it does not verify it. */
export function userIdFromHubCookie(jwt: string): string {
  const payload = jwt.split('.')[1];
  try {
    const sub = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;
    if (typeof sub === 'string' && sub !== '') return sub;
  } catch (cause) {
    throw new BenchError('unexpected_page', 'the mercureAuthorization cookie is not a readable JWT', { cause });
  }
  throw new BenchError('unexpected_page', 'the mercureAuthorization cookie names no user');
}
