/**
 * A reader of one reply as a person's browser gets it: subscribed to their
 * conversation's topic through the edge with their hub cookie, resuming with
 * `Last-Event-ID` after a dropped connection as EventSource does, until the
 * reply's `done` event. It counts what a reader must never see: a piece
 * twice (doubled) or a gap in the pieces' sequence (lost).
 */

export interface DoneEvent {
  messageId: string;
  state: string;
  error?: string;
}

export interface ReadReply {
  /** the text assembled from the pieces, in the order they arrived */
  text: string;
  done?: DoneEvent;
  /** pieces received a second time */
  doubled: number;
  /** sequence numbers missing between the first and the last piece received */
  lost: number;
  reconnects: number;
  /** status of each connection attempt */
  statuses: number[];
}

export interface ReadOptions {
  baseUrl: string;
  cookie: string;
  topic: string;
  messageId: string;
  /** the id to start after (the `start` id of a new message, or a checkpoint's) */
  from: string;
  /** drop the connection after this many pieces, once, then resume */
  dropAfterPieces?: number;
  /** give up (and resolve with what arrived) after this long; default 60 s */
  timeoutMs?: number;
  /** called after each new piece with the text so far */
  onPiece?(text: string, pieces: number): void;
  /** resolves when the reader should hang up for good (a client that leaves) */
  leave?: Promise<void>;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The text of one published piece: the agent sends each piece HTML-escaped. */
export function pieceText(data: string): string {
  return data.replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]!);
}

function sequenceOf(id: string): number {
  return Number(id.slice(id.lastIndexOf(':') + 1));
}

export async function readReply(opts: ReadOptions): Promise<ReadReply> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  const seen = new Set<number>();
  const result: ReadReply = { text: '', doubled: 0, lost: 0, reconnects: 0, statuses: [] };
  let lastId = opts.from;
  let dropAt = opts.dropAfterPieces;
  let left = false;
  void opts.leave?.then(() => {
    left = true;
  });
  // Read through a function: the callback above sets it during an await, which TypeScript does not see.
  const hasLeft = () => left;
  const firstSeq = sequenceOf(opts.from);

  while (!result.done && !hasLeft() && Date.now() < deadline) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
    void opts.leave?.then(() => controller.abort());
    const url = new URL('/.well-known/mercure', opts.baseUrl);
    url.searchParams.set('topic', opts.topic);
    const headers: Record<string, string> = { cookie: opts.cookie, accept: 'text/event-stream' };
    // The first connection names its start in the URL (as the page does); a resumed one uses the header (as EventSource does).
    if (result.statuses.length === 0) url.searchParams.set('lastEventID', lastId);
    else headers['last-event-id'] = lastId;
    try {
      const response = await fetch(url, { headers, signal: controller.signal });
      result.statuses.push(response.status);
      if (response.status !== 200 || !response.body) {
        await response.body?.cancel();
        await new Promise((resolve) => setTimeout(resolve, 200));
        result.reconnects += 1;
        continue;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      let event: { id?: string; type?: string; data: string[] } = { data: [] };
      let piecesHere = 0;
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let nl: number;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line !== '') {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            let value = colon < 0 ? '' : line.slice(colon + 1);
            if (value.startsWith(' ')) value = value.slice(1);
            if (field === 'data') event.data.push(value);
            else if (field === 'event') event.type = value;
            else if (field === 'id') event.id = value;
            continue;
          }
          const { id, type = 'message', data } = event;
          event = { data: [] };
          if (!id?.startsWith(`${opts.messageId}:`)) continue;
          lastId = id;
          if (type === 'done') {
            result.done = JSON.parse(data.join('\n')) as DoneEvent;
            continue;
          }
          if (type !== 'message' && type !== 'delta') continue;
          const seq = sequenceOf(id);
          if (seen.has(seq)) {
            result.doubled += 1;
            continue;
          }
          seen.add(seq);
          // A `delta` carries the raw text it adds beside its rendered blocks; older pieces were escaped text.
          result.text += type === 'delta' ? (JSON.parse(data.join('\n')) as { raw: string }).raw : pieceText(data.join('\n'));
          piecesHere += 1;
          opts.onPiece?.(result.text, seen.size);
          if (dropAt !== undefined && piecesHere >= dropAt) {
            dropAt = undefined;
            controller.abort();
          }
        }
        if (result.done) break;
      }
    } catch {
      // dropped (by us, the hub going away, or the deadline): resume from the last id
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    if (!result.done && !hasLeft()) result.reconnects += 1;
  }
  if (seen.size > 0) {
    const last = Math.max(...seen);
    for (let seq = firstSeq + 1; seq <= last; seq++) if (!seen.has(seq)) result.lost += 1;
  }
  return result;
}

export interface Watched {
  status: number;
  /** the `Last-Event-ID` the hub answered with, if any */
  lastEventIdHeader: string | null;
  /** events of any kind the subscription received (comments and heartbeats aside) */
  events: number;
}

/**
 * Everything one subscription receives on `topic` until `until` resolves,
 * whatever the message: for a subscriber who must receive nothing at all.
 */
export async function watchTopic(opts: { baseUrl: string; cookie: string; topic: string; until: Promise<void>; lastEventID?: string }): Promise<Watched> {
  const controller = new AbortController();
  const url = new URL('/.well-known/mercure', opts.baseUrl);
  url.searchParams.set('topic', opts.topic);
  if (opts.lastEventID) url.searchParams.set('lastEventID', opts.lastEventID);
  const response = await fetch(url, { headers: { cookie: opts.cookie, accept: 'text/event-stream' }, signal: controller.signal });
  // Only once the hub has answered: its headers are part of what is watched.
  void opts.until.then(() => controller.abort());
  const watched: Watched = { status: response.status, lastEventIdHeader: response.headers.get('last-event-id'), events: 0 };
  try {
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of response.body ?? []) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      watched.events += lines.filter((line) => line.startsWith('data:')).length;
    }
  } catch {
    // aborted when `until` resolved
  }
  return watched;
}
