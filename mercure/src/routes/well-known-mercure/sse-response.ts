import type { OutgoingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import type { SubscriberStream } from '../../subscriber.js';

export const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream',
  'cache-control': 'private, no-cache, no-store, must-revalidate, max-age=0',
  // nginx and similar proxies would otherwise buffer the stream
  'x-accel-buffering': 'no',
};

const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/** How long a client gets to close its side after the hub ended the stream. */
export const END_GRACE_MS = 5_000;

/**
 * Frames as HTTP/1.1 chunks. A dispatch writes the same frame to every
 * matching subscriber in a row, so remembering the last one frames each
 * update once instead of once per subscriber.
 */
let lastFrame: Buffer | undefined;
let lastChunk: Buffer = Buffer.alloc(0);
export function chunk(frame: Buffer): Buffer {
  if (frame !== lastFrame) {
    lastChunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
    lastFrame = frame;
  }
  return lastChunk;
}

/** Header values must be visible ASCII; anything else (a Unicode id) is percent-encoded. */
export function headerValue(value: string): string {
  return /^[\x20-\x7e\t]*$/.test(value) ? value : encodeURIComponent(value);
}

/**
 * An SSE response written straight to the socket: Node's ServerResponse
 * would re-frame every write for every subscriber, and at 10,000 subscribers
 * that per-write work is the broadcast's cost. The head is written here
 * (status, headers, chunked encoding) and each event is one socket write of a
 * shared Buffer. HTTP/1.0 clients get an unframed body ended by the close.
 */
export function sseResponse(socket: Socket, httpVersion: string, preset: OutgoingHttpHeaders): SubscriberStream & { readonly opened: boolean } {
  const chunked = httpVersion === '1.1';
  const frame = chunked ? chunk : (b: Buffer) => b;
  let opened = false;
  return {
    get opened() {
      return opened;
    },
    open(lastEventId) {
      opened = true;
      const headers: Record<string, string> = { date: new Date().toUTCString() };
      for (const [name, value] of Object.entries(preset)) if (value !== undefined) headers[name.toLowerCase()] = String(value);
      Object.assign(headers, SSE_HEADERS);
      if (lastEventId !== undefined) headers['last-event-id'] = headerValue(lastEventId);
      if (chunked) headers['transfer-encoding'] = 'chunked';
      else headers['connection'] = 'close';
      let head = `HTTP/${chunked ? '1.1' : '1.0'} 200 OK\r\n`;
      for (const [name, value] of Object.entries(headers)) head += `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`;
      // The first comment goes with the head, so EventSource fires `open` at once.
      socket.write(Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), frame(Buffer.from(':\n'))]));
    },
    write(data, backlog) {
      if (!chunked || !backlog) return socket.write(frame(data));
      // One writev of header, frame and CRLF: the socket keeps a reference to the
      // history's frame instead of a framed copy per replaying subscriber.
      socket.cork();
      socket.write(`${data.length.toString(16)}\r\n`);
      socket.write(data);
      const flushed = socket.write(CRLF);
      socket.uncork();
      return flushed;
    },
    get writableLength() {
      return socket.writableLength;
    },
    end() {
      if (chunked) socket.end(LAST_CHUNK);
      else socket.end();
      // A client that never closes its side would hold the server's close() forever.
      setTimeout(() => socket.destroy(), END_GRACE_MS).unref();
    },
    destroy: () => socket.destroy(),
  };
}
