/**
 * One HTTP/1.1 request written byte by byte on a socket, so a test can send
 * what fetch refuses to: invalid UTF-8, control characters, a body that
 * does not match its Content-Length. Resolves with the status the server
 * answered; RESET when the connection was reset before an answer arrived
 * (a server refusing a body too large closes while it is still coming, and
 * the kernel's reset can overtake its answer); 0 when it closed without an
 * answer or did not answer in time.
 */
import net from 'node:net';

export interface RawRequest {
  method: string;
  /** the request target, sent as it is */
  path: string;
  headers?: Array<[string, string]>;
  body?: Buffer;
}

export const RESET = -1;

export function sendRaw(baseUrl: string, request: RawRequest, timeoutMs = 15_000): Promise<number> {
  const url = new URL(baseUrl);
  const host = url.hostname === 'localhost' ? '127.0.0.1' : url.hostname;
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(url.port) });
    let answer = '';
    let settled = false;
    const finish = (status: number) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(status);
    };
    socket.setTimeout(timeoutMs, () => finish(0));
    socket.on('error', () => finish(statusOf(answer) || RESET));
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const status = statusOf(answer);
      if (status > 0) finish(status);
    });
    socket.on('close', () => finish(statusOf(answer)));
    socket.on('connect', () => {
      const body = request.body ?? Buffer.alloc(0);
      const head = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${url.host}`, 'Connection: close'];
      const headers = request.headers ?? [];
      if (!headers.some(([name]) => name.toLowerCase() === 'content-length') && (body.length > 0 || request.method !== 'GET')) {
        headers.push(['Content-Length', String(body.length)]);
      }
      for (const [name, value] of headers) head.push(`${name}: ${value}`);
      // latin1 keeps every byte of a header as given, control characters included.
      socket.write(Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'));
      // A server may answer (413) and close before the body is all sent: that is an answer, not a failure.
      if (body.length > 0) socket.write(body);
    });
  });
}

function statusOf(answer: string): number {
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
  return match ? Number(match[1]) : 0;
}
