/**
 * A small SSE client over fetch, for reading what a real hub delivers.
 * It parses the stream as the EventSource spec does (id, event, data lines).
 */
import { EventEmitter, once } from 'node:events';

export interface SseEvent {
  id?: string;
  type: string;
  data: string;
}

export interface Subscription {
  events: SseEvent[];
  /** resolves with the first event matching, waiting for it if needed */
  waitFor(predicate: (event: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function subscribe(opts: { hubUrl: string; topics: string[]; token: string; lastEventId?: string }): Promise<Subscription> {
  const url = new URL('/.well-known/mercure', opts.hubUrl);
  for (const topic of opts.topics) url.searchParams.append('topic', topic);
  if (opts.lastEventId) url.searchParams.set('lastEventID', opts.lastEventId);
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${opts.token}`, accept: 'text/event-stream' }, signal: controller.signal });
  if (response.status !== 200 || !response.body) throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);

  const events: SseEvent[] = [];
  const emitter = new EventEmitter();
  const decoder = new TextDecoder();
  let buffer = '';
  let current: { id?: string; type?: string; data: string[] } = { data: [] };
  const reader = response.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let nl: number;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') {
            if (current.data.length > 0) {
              const event: SseEvent = { type: current.type ?? 'message', data: current.data.join('\n') };
              if (current.id !== undefined) event.id = current.id;
              events.push(event);
              emitter.emit('event', event);
            }
            current = { data: [] };
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') current.data.push(value);
          else if (field === 'event') current.type = value;
          else if (field === 'id') current.id = value;
        }
      }
    } catch {
      // aborted by close()
    }
    emitter.emit('end');
  })();

  return {
    events,
    async waitFor(predicate, timeoutMs = 30_000) {
      const signal = AbortSignal.timeout(timeoutMs);
      let checked = 0;
      for (;;) {
        // Several events can arrive in one chunk: check every one since the last look.
        for (; checked < events.length; checked++) if (predicate(events[checked]!)) return events[checked]!;
        await once(emitter, 'event', { signal }).catch(() => {
          throw new Error(`no matching event within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => e.type))}`);
        });
      }
    },
    close() {
      controller.abort();
    },
  };
}
