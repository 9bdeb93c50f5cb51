/**
 * The ALB stand-in: one public HTTP/1.1 port that routes
 * `/.well-known/mercure*` to the hub and everything else to the app, adds the
 * headers an ALB adds, and streams both ways without buffering, so
 * server-sent events arrive piece by piece just as they do behind the ALB.
 */
import http from 'node:http';
import net from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { closeServer, listen } from './local-server.js';

/** The ALB rule's path pattern `/.well-known/mercure*`, as a prefix. */
export const HUB_PATH_PREFIX = '/.well-known/mercure';

export interface EdgeOptions {
  /** default 0.0.0.0 */
  host?: string;
  /** default 0 (a free port) */
  port?: number;
  /** origin of the app, e.g. http://127.0.0.1:8080; until set (here or by `setUpstreams`) the edge answers 503 */
  appUrl?: string;
  /** origin of the hub, e.g. http://127.0.0.1:3701 */
  hubUrl?: string;
  logger?: Logger;
}

export interface Edge {
  /** e.g. http://localhost:3000 — what a person opens */
  url: string;
  port: number;
  /** Points the edge at the app and the hub (the launcher holds the public port before they run). */
  setUpstreams(upstreams: { appUrl: string; hubUrl: string }): void;
  close(): Promise<void>;
}

export class EdgeError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EdgeError';
    this.code = code;
  }
}

// Headers that describe one connection, not the message: a proxy must not forward them.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

// Headers the edge sets itself; a client's own values are replaced (X-Forwarded-For is extended).
const EDGE_SET_HEADERS = new Set([
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-request-id',
  'x-amzn-trace-id',
]);

function connectionTokens(value: string | string[] | undefined): Set<string> {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return new Set(joined.split(',').map((token) => token.trim().toLowerCase()).filter(Boolean));
}

/** Keeps raw header pairs (so repeated headers such as Set-Cookie stay separate) minus hop-by-hop ones. */
function endToEndRawHeaders(raw: string[], connection: string | string[] | undefined, drop: ReadonlySet<string> = new Set()): string[] {
  const named = connectionTokens(connection);
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] ?? '';
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || named.has(lower) || drop.has(lower)) continue;
    out.push(name, raw[i + 1] ?? '');
  }
  return out;
}

function clientAddress(req: http.IncomingMessage): string {
  const address = req.socket.remoteAddress ?? '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** An X-Amzn-Trace-Id root like the ALB's: version, epoch seconds in hex, 96 random bits. */
function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function errorPage(status: number, title: string, detail: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} ${title}</title></head>
<body><h1>${status} ${title}</h1><p>${detail}</p></body></html>
`;
}

function parseOrigin(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new EdgeError('bad_upstream', `${name} must be an http:// URL, got "${value}"`, { cause });
  }
  if (url.protocol !== 'http:') throw new EdgeError('bad_upstream', `${name} must be an http:// URL, got "${value}"`);
  return url;
}

/** Write errors that mean the upstream stopped reading, which it may do once it has answered. */
const STOPPED_READING = new Set(['EPIPE', 'ECONNRESET']);

type WriteCallback = (error?: Error | null) => void;

/**
 * Connections to the upstreams that survive the upstream closing its reading
 * side. An upstream may answer before it has read the whole body (Fastify
 * answers 413 to an oversized one at once) and then close. Its answer is
 * already in our receive buffer when the next write of the body fails, but
 * Node destroys a socket on its first write error and that answer is lost:
 * the client would get a 502 where an ALB passes the 413 on. So a write that
 * fails this way is dropped quietly (and every write after it); the reading
 * side alone decides how the exchange ends: the response arrives, or the
 * read ends and the request fails as usual ("socket hang up" → 502).
 */
class UpstreamAgent extends http.Agent {
  override createConnection(options: http.ClientRequestArgs): net.Socket {
    const socket = net.createConnection(options as net.NetConnectOpts);
    let stoppedReading = false;
    const guard = (callback: WriteCallback): WriteCallback => (error) => {
      if (error && STOPPED_READING.has((error as NodeJS.ErrnoException).code ?? '')) {
        stoppedReading = true;
        callback();
        return;
      }
      callback(error);
    };
    const write = socket._write.bind(socket);
    socket._write = (chunk: unknown, encoding: BufferEncoding, callback: WriteCallback) => {
      if (stoppedReading) { callback(); return; }
      write(chunk, encoding, guard(callback));
    };
    const writev = socket._writev?.bind(socket);
    if (writev) {
      socket._writev = (chunks: Array<{ chunk: unknown; encoding: BufferEncoding }>, callback: WriteCallback) => {
        if (stoppedReading) { callback(); return; }
        writev(chunks, guard(callback));
      };
    }
    return socket;
  }
}

/** Starts the edge; resolves once it listens. */
export async function startEdge(opts: EdgeOptions): Promise<Edge> {
  let upstreams: { app: URL; hub: URL } | undefined;
  const setUpstreams = ({ appUrl, hubUrl }: { appUrl: string; hubUrl: string }): void => {
    upstreams = { app: parseOrigin('appUrl', appUrl), hub: parseOrigin('hubUrl', hubUrl) };
  };
  if (opts.appUrl !== undefined || opts.hubUrl !== undefined) {
    if (opts.appUrl === undefined || opts.hubUrl === undefined) {
      throw new EdgeError('bad_upstream', 'appUrl and hubUrl must be given together');
    }
    setUpstreams({ appUrl: opts.appUrl, hubUrl: opts.hubUrl });
  }
  const log = opts.logger ?? pino({ level: 'silent' });
  const agent = new UpstreamAgent({ keepAlive: true });
  const host = opts.host ?? '0.0.0.0';
  const requestedPort = opts.port ?? 0;

  const server = http.createServer({ noDelay: true }, (req, res) => {
    const started = Date.now();
    const path = req.url ?? '/';
    const pathname = path.split('?')[0] ?? '/';
    const toHub = pathname.startsWith(HUB_PATH_PREFIX);
    if (!upstreams) {
      const body = errorPage(503, 'Service Unavailable', 'HomeAgent is still starting. Try again in a moment.');
      res.writeHead(503, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1' });
      res.end(body);
      req.resume();
      return;
    }
    const upstream = toHub ? upstreams.hub : upstreams.app;
    const upstreamName = toHub ? 'hub' : 'app';
    const requestId = typeof req.headers['x-request-id'] === 'string' && /^[\w.-]{1,128}$/.test(req.headers['x-request-id'])
      ? req.headers['x-request-id']
      : randomUUID();
    const forwardedFor = [req.headers['x-forwarded-for'], clientAddress(req)].filter(Boolean).join(', ');

    const headers = endToEndRawHeaders(req.rawHeaders, req.headers.connection, EDGE_SET_HEADERS);
    headers.push(
      'X-Forwarded-For', forwardedFor,
      'X-Forwarded-Proto', 'http',
      'X-Forwarded-Host', req.headers.host ?? `${host}:${requestedPort}`,
      'X-Forwarded-Port', String(req.socket.localPort ?? requestedPort),
      'X-Request-Id', requestId,
      'X-Amzn-Trace-Id', traceId(),
    );

    const upstreamReq = http.request({
      agent,
      protocol: upstream.protocol,
      hostname: upstream.hostname,
      port: upstream.port,
      method: req.method,
      path,
      headers,
    });

    let finished = false;
    const accessLog = (status: number, extra: Record<string, unknown> = {}) => {
      // The app logs every request itself; the edge's own line matters mostly when something is wrong.
      (status >= 500 ? log.warn.bind(log) : log.debug.bind(log))({ requestId, method: req.method, path: pathname, upstream: upstreamName, status, ms: Date.now() - started, ...extra }, 'edge request');
    };

    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEndRawHeaders(upstreamRes.rawHeaders, upstreamRes.headers.connection));
      // Send the status line and headers now: an event stream may not write a body for a while.
      res.flushHeaders();
      upstreamRes.pipe(res);
      upstreamRes.on('end', () => {
        finished = true;
        accessLog(upstreamRes.statusCode ?? 0);
        if (!req.complete) {
          // The upstream answered before the body was all here (a 413, say):
          // the rest is for nobody, and this connection, its request cut
          // short, must not carry another one.
          req.unpipe(upstreamReq);
          req.resume();
          upstreamReq.destroy();
        }
      });
      upstreamRes.on('error', () => res.destroy());
    });

    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      // After the whole response: nothing to tell the client.
      if (finished) return;
      if (res.headersSent) {
        // Mid-body: all we can do is cut the client off too, as an ALB does.
        res.destroy();
        return;
      }
      if (res.destroyed || res.writableEnded) return;
      accessLog(502, { error: err.code ?? err.message });
      const body = errorPage(502, 'Bad Gateway', `The ${upstreamName} is not answering (${err.code ?? 'error'}). Is it running?`);
      res.writeHead(502, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': requestId });
      res.end(body);
    });

    // A client that goes away must not leave the upstream working for nobody.
    res.on('close', () => {
      if (!finished && !res.writableFinished) {
        if (!upstreamReq.destroyed) accessLog(499, { aborted: true });
        upstreamReq.destroy();
      }
    });
    req.on('error', () => upstreamReq.destroy());
    req.pipe(upstreamReq);
  });
  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy(err);
  });

  const { port } = await listen(server, {
    port: requestedPort,
    host,
    failure(err) {
      agent.destroy();
      return err.code === 'EADDRINUSE'
        ? new EdgeError('port_in_use', `port ${requestedPort} (edge) is already in use`, { cause: err })
        : new EdgeError('listen_failed', `the edge could not listen on ${host}:${requestedPort}: ${err.message}`, { cause: err });
    },
  });
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  log.info({ url, app: upstreams?.app.origin, hub: upstreams?.hub.origin }, 'edge listening');

  return {
    url,
    port,
    setUpstreams(next) {
      setUpstreams(next);
      log.info({ app: upstreams?.app.origin, hub: upstreams?.hub.origin }, 'edge routes set');
    },
    // Event streams never end on their own: closeServer cuts them, so close() returns.
    close: () => closeServer(server, () => agent.destroy()),
  };
}
