/**
 * One hub subscription through the edge, as the page's `hx-sse:connect`
 * opens it: a GET with the `mercureAuthorization` cookie, read event by
 * event, each stamped with the time it arrived.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BenchError } from './bench-error.js';
import type { BrowserClient } from './browser-client.js';

export interface ReceivedEvent {
  /** `message` for unnamed events, as EventSource names them */
  type: string;
  data: string;
  id?: string;
  /** performance.now() when the event's last line arrived */
  at: number;
}

interface Waiter {
  match: (event: ReceivedEvent) => boolean;
  resolve: (event: ReceivedEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class SseSubscription {
  readonly events: ReceivedEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private request: http.ClientRequest | undefined;
  private failure: Error | undefined;
  private buffer = '';
  private pending: { type: string; data: string[]; id?: string } = { type: 'message', data: [] };

  /** Opens the stream; resolves once the hub answered 200 with an event stream. */
  static open(client: BrowserClient, path: string): Promise<SseSubscription> {
    const subscription = new SseSubscription();
    return subscription.connect(client, path).then(() => subscription);
  }

  private connect(client: BrowserClient, path: string): Promise<void> {
    return new Promise((resolve, reject) => {
      // Its own connection (agent: false), as a browser gives each open stream.
      const req = http.get(
        { host: '127.0.0.1', port: client.port, path, agent: false, headers: { ...client.baseHeaders(path), accept: 'text/event-stream' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new BenchError('sse_failed', `subscribing to ${path} answered ${res.statusCode}`));
            return;
          }
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => this.feed(chunk));
          res.on('error', (cause) => this.fail(new BenchError('sse_failed', 'the event stream broke off', { cause })));
          res.on('close', () => this.fail(new BenchError('sse_failed', 'the hub closed the event stream')));
          resolve();
        },
      );
      req.on('error', (cause) => {
        const error = new BenchError('sse_failed', `subscribing to ${path}: ${cause.message}`, { cause });
        reject(error);
        this.fail(error);
      });
      this.request = req;
    });
  }

  private feed(chunk: string): void {
    const at = performance.now();
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      if (line === '') {
        if (this.pending.data.length > 0) {
          this.dispatch({ type: this.pending.type, data: this.pending.data.join('\n'), id: this.pending.id, at });
        }
        this.pending = { type: 'message', data: [] };
        continue;
      }
      if (line.startsWith(':')) continue; // comment / heartbeat
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') this.pending.type = value;
      else if (field === 'data') this.pending.data.push(value);
      else if (field === 'id') this.pending.id = value;
    }
  }

  private dispatch(event: ReceivedEvent): void {
    this.events.push(event);
    for (const waiter of this.waiters) {
      if (waiter.match(event)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    this.waiters.clear();
  }

  /** The first event (already received or still to come) that matches. */
  waitFor(match: (event: ReceivedEvent) => boolean, timeoutMs: number, what: string): Promise<ReceivedEvent> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new BenchError('sse_timeout', `no ${what} within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  close(): void {
    this.failure ??= new BenchError('sse_failed', 'closed by the benchmark');
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(this.failure);
    }
    this.waiters.clear();
    this.request?.destroy();
  }
}
