/**
 * What a browser does with HomeAgent over plain HTTP: keeps cookies (with
 * their paths), sends the page's `_csrf` token and an `Origin` with every
 * form, and adds htmx's request headers where htmx would. It connects to
 * 127.0.0.1 but names the public origin in `Host`/`Origin`, as a browser
 * that opened `http://localhost:<port>` does.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BenchError } from './bench-error.js';

export interface PageResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** milliseconds from sending the request to the last byte of the answer */
  elapsedMs: number;
}

interface StoredCookie {
  value: string;
  path: string;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** Undoes the app's attribute escaping (app/src/views/html.ts). */
export function decodeAttribute(value: string): string {
  return value.replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

/** The `_csrf` hidden field of the first form on a page, if it has one. */
export function csrfTokenIn(page: string): string | undefined {
  const match = /name="_csrf" value="([^"]*)"/.exec(page);
  return match ? decodeAttribute(match[1]!) : undefined;
}

/** A kept-alive socket the server closed before this request was read: safe to send again. */
class StaleSocketError extends Error {
  readonly code = 'stale_socket';
  constructor(cause: Error) {
    super('the server had closed the kept-alive socket', { cause });
    this.name = 'StaleSocketError';
  }
}

export class BrowserClient {
  readonly origin: string;
  private readonly hostHeader: string;
  private readonly cookies = new Map<string, StoredCookie>();
  /** the token this client's forms carry, from the last page that had one */
  csrfToken: string | undefined;

  constructor(
    readonly port: number,
    private readonly agent: http.Agent,
  ) {
    this.origin = `http://localhost:${port}`;
    this.hostHeader = `localhost:${port}`;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  /** The Cookie header a browser would send for `path`. */
  cookieHeader(path: string): string | undefined {
    const pathname = path.split('?')[0]!;
    const pairs: string[] = [];
    for (const [name, cookie] of this.cookies) {
      if (pathname === cookie.path || pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`) || cookie.path === '/') {
        pairs.push(`${name}=${cookie.value}`);
      }
    }
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  /** Headers every request of this client carries (Host, cookies); used by the SSE subscriber too. */
  baseHeaders(path: string): Record<string, string> {
    const headers: Record<string, string> = { host: this.hostHeader, 'user-agent': 'homeagent-bench' };
    const cookie = this.cookieHeader(path);
    if (cookie) headers.cookie = cookie;
    return headers;
  }

  private store(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair!.indexOf('=');
      if (eq <= 0) continue;
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, raw = ''] = attribute.split('=');
        const lower = key!.toLowerCase();
        if (lower === 'path' && raw) path = raw;
        else if (lower === 'max-age' && Number(raw) <= 0) expired = true;
        else if (lower === 'expires' && Date.parse(raw) <= Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, { value, path });
    }
  }

  /**
   * One request over the kept-alive pool. A reused socket that the server had
   * already closed as idle fails with ECONNRESET before anything was read;
   * that request is sent once more on a fresh socket, as a browser does
   * (Node's http docs, `request.reusedSocket`, read 2026-12-01).
   */
  async request(method: 'GET' | 'POST', path: string, extra: { body?: string; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    try {
      return await this.send(method, path, extra);
    } catch (error) {
      if (!(error instanceof StaleSocketError)) throw error;
      return this.send(method, path, extra);
    }
  }

  private send(method: 'GET' | 'POST', path: string, extra: { body?: string; headers?: Record<string, string> }): Promise<PageResponse> {
    const headers: Record<string, string> = { ...this.baseHeaders(path), accept: 'text/html', ...extra.headers };
    if (extra.body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(extra.body));
    }
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const req = http.request(
        { host: '127.0.0.1', port: this.port, method, path, headers, agent: this.agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (cause) => reject(new BenchError('http_failed', `${method} ${path}: the answer broke off`, { cause })));
          res.on('end', () => {
            this.store(res.headers['set-cookie']);
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              elapsedMs: performance.now() - started,
            });
          });
        },
      );
      req.on('timeout', () => req.destroy(new BenchError('http_timeout', `${method} ${path}: no answer within 30 s`)));
      req.on('error', (cause: NodeJS.ErrnoException) => {
        if (req.reusedSocket && cause.code === 'ECONNRESET') reject(new StaleSocketError(cause));
        else reject(cause instanceof BenchError ? cause : new BenchError('http_failed', `${method} ${path}: ${cause.message}`, { cause }));
      });
      req.end(extra.body);
    });
  }

  /** A page load; remembers the page's CSRF token when it has one. */
  async get(path: string, expectStatus = 200): Promise<PageResponse> {
    const res = await this.request('GET', path);
    expect(res, 'GET', path, expectStatus);
    this.csrfToken = csrfTokenIn(res.body) ?? this.csrfToken;
    return res;
  }

  /** A form post, as the browser sends it (with `htmx: true`, as htmx sends it). */
  async post(path: string, fields: Record<string, string>, opts: { expectStatus: number; htmx?: boolean }): Promise<PageResponse> {
    if (!this.csrfToken) throw new BenchError('no_csrf_token', `POST ${path}: load a page with a form first`);
    const body = new URLSearchParams({ ...fields, _csrf: this.csrfToken }).toString();
    const headers: Record<string, string> = { origin: this.origin, referer: `${this.origin}/` };
    if (opts.htmx) Object.assign(headers, { 'hx-request': 'true', 'hx-request-type': 'partial' });
    const res = await this.request('POST', path, { body, headers });
    expect(res, 'POST', path, opts.expectStatus);
    return res;
  }
}

function expect(res: PageResponse, method: string, path: string, status: number): void {
  if (res.status === status) return;
  const text = res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  throw new BenchError('unexpected_status', `${method} ${path} answered ${res.status} instead of ${status}: ${text}`);
}
