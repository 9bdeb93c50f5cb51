/**
 * How every local stand-in (S3, Secrets Manager, the Bedrock emulator,
 * dynalite, the edge) starts listening and stops again, written once: a
 * listen that rejects instead of crashing on a taken port, the address
 * clients should use, and a close that does not wait for the SDKs'
 * kept-alive connections.
 */
import http from 'node:http';
import type net from 'node:net';

/** A listening server without a TCP address (a pipe): the stand-ins never ask for one. */
export class LocalServerError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalServerError';
    this.code = code;
  }
}

export interface ListenOptions {
  /** default 0: a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** refuse to share the port with a cluster worker (a probe that the port is really free) */
  exclusive?: boolean;
  /** the caller's own error for a failed listen (a taken port named in words); default the system error itself */
  failure?(err: NodeJS.ErrnoException, port: number, host: string): Error;
}

export interface Listening {
  port: number;
  /** the address it is bound to, e.g. 127.0.0.1 or :: */
  address: string;
  family: string;
  /** where a client on this machine reaches it: a wildcard bind becomes the loopback address, IPv6 is bracketed */
  url: string;
}

/** Resolves once the server listens; rejects (never throws an unhandled 'error') when it cannot. */
export async function listen(server: net.Server, opts: ListenOptions = {}): Promise<Listening> {
  const port = opts.port ?? 0;
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(opts.failure ? opts.failure(err, port, host) : err);
    server.once('error', onError);
    server.listen({ port, host, exclusive: opts.exclusive ?? false }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const info = server.address();
  if (info === null || typeof info === 'string') throw new LocalServerError('no_tcp_address', `the server on ${host}:${port} has no TCP address`);
  const bracketed = info.family === 'IPv6' ? `[${info.address}]` : info.address;
  const reachable = bracketed === '0.0.0.0' ? '127.0.0.1' : bracketed === '[::]' ? '[::1]' : bracketed;
  return { port: info.port, address: info.address, family: info.family, url: `http://${reachable}:${info.port}` };
}

const closing = new WeakMap<net.Server, Promise<void>>();

/**
 * Stops the server and resolves once it is closed; a second call gets the same promise.
 * Open connections are ended at once (clients keep them alive for reuse, and event
 * streams never end on their own, so close() would otherwise wait for them): an HTTP/1
 * server's by closeAllConnections(), others' by `endConnections`.
 */
export function closeServer(server: net.Server, endConnections?: () => void): Promise<void> {
  let closed = closing.get(server);
  if (!closed) {
    closed = new Promise<void>((resolve, reject) => {
      server.close((err?: Error) => {
        // Closing a server that was never listening is not a failure of this stop.
        if (err && (err as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
        else resolve();
      });
      if (server instanceof http.Server) server.closeAllConnections();
      endConnections?.();
    });
    closing.set(server, closed);
  }
  return closed;
}
