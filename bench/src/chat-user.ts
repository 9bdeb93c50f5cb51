/**
 * A person using HomeAgent through the edge: registering with an invite,
 * signing in, opening chats and sending messages the way the pages' forms
 * and htmx do, then following the reply on the hub like the assistant bubble.
 */
import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { BenchError } from './bench-error.js';
import { BrowserClient, decodeAttribute } from './browser-client.js';
import { SseSubscription } from './sse-subscription.js';

export interface ReplyTiming {
  /** POST of the message form until its answer (the two bubbles) arrived */
  postMs: number;
  /** POST until the first piece of reply text reached the subscriber */
  firstTokenMs: number;
  /** POST until the `done` event */
  doneMs: number;
  outputTokens: number;
  /** characters of (HTML-escaped) reply text received */
  chars: number;
  state: string;
}

export interface Credentials {
  username: string;
  password: string;
}

export class ChatUser {
  constructor(
    readonly client: BrowserClient,
    readonly credentials: Credentials,
  ) {}

  static async register(port: number, agent: http.Agent, inviteCode: string, credentials: Credentials): Promise<ChatUser> {
    const client = new BrowserClient(port, agent);
    await client.get('/register');
    const res = await client.post(
      '/register',
      { inviteCode, username: credentials.username, displayName: credentials.username, password: credentials.password },
      { expectStatus: 303 },
    );
    if (!client.cookie('session') || !client.cookie('mercureAuthorization')) {
      throw new BenchError('unexpected_page', `registering did not sign in (redirect to ${String(res.headers.location)})`);
    }
    // The token is now bound to the session: take it from a signed-in page.
    await client.get('/');
    return new ChatUser(client, credentials);
  }

  /** A fresh browser signing in; resolves with the user and how long the sign-in POST took. */
  static async signIn(port: number, agent: http.Agent, credentials: Credentials): Promise<{ user: ChatUser; signInMs: number }> {
    const client = new BrowserClient(port, agent);
    await client.get('/sign-in');
    const res = await client.post('/sign-in', { ...credentials }, { expectStatus: 303 });
    if (!client.cookie('session')) throw new BenchError('unexpected_page', 'signing in set no session cookie');
    return { user: new ChatUser(client, credentials), signInMs: res.elapsedMs };
  }

  /**
   * Starts a chat the way "New chat" does (issue 9: nothing is stored until
   * then): the first message posted from /c/new creates the conversation,
   * and its answer brings the page's live connection, which is followed to
   * the reply's `done`. Resolves with the new chat's id once the reply ended.
   */
  async startChat(text: string, timeoutMs: number): Promise<string> {
    if (!this.client.csrfToken) await this.client.get('/c/new');
    const res = await this.client.post('/c/new/messages', { text }, { expectStatus: 200, htmx: true });
    const path = /^\/c\/([A-Za-z0-9_-]+)$/.exec(String(res.headers['hx-replace-url']));
    const connect = /hx-sse:connect="([^"]+)"/.exec(res.body);
    const bubble = /id="message-([^"]+)"[^>]*data-state="streaming"/.exec(res.body);
    if (!path || !connect || !bubble) throw new BenchError('unexpected_page', 'the first message of a new chat answered without the chat, its live connection or a streaming reply');
    const id = decodeAttribute(bubble[1]!);
    const subscription = await SseSubscription.open(this.client, decodeAttribute(connect[1]!));
    try {
      const done = await subscription.waitFor((e) => e.type === 'done' && e.id?.startsWith(`${id}:`) === true, timeoutMs, "the first reply's `done` event");
      const detail = JSON.parse(done.data) as { state?: string; error?: string };
      if (detail.state !== 'complete') throw new BenchError('reply_failed', `a new chat's first reply ended ${detail.state ?? 'unknown'}${detail.error ? `: ${detail.error}` : ''}`);
    } finally {
      subscription.close();
    }
    return path[1]!;
  }

  /** `count` chats started with `text` (numbered), at most `atOnce` at a time. */
  async startChats(count: number, text: string, opts: { atOnce: number; timeoutMs: number; expired: () => boolean }): Promise<string[]> {
    const chats: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < count && !opts.expired()) chats.push(await this.startChat(`${text} (${++next})`, opts.timeoutMs));
    };
    await Promise.all(Array.from({ length: Math.min(opts.atOnce, count) }, worker));
    return chats;
  }

  /**
   * Sends a message as the composer does, subscribes as the new assistant
   * bubble does, and follows the reply to its `done` event.
   */
  async reply(conversationId: string, text: string, timeoutMs: number): Promise<ReplyTiming> {
    // The chat page holds one live connection (its #live element), open before anything is sent.
    const page = await this.client.get(`/c/${conversationId}`);
    const connect = /hx-sse:connect="([^"]+)"/.exec(page.body);
    if (!connect) throw new BenchError('unexpected_page', 'the chat page has no live connection');
    const subscription = await SseSubscription.open(this.client, decodeAttribute(connect[1]!));
    try {
      const started = performance.now();
      const res = await this.client.post(`/c/${conversationId}/messages`, { text }, { expectStatus: 200, htmx: true });
      const postMs = performance.now() - started;
      const messageId = /id="message-([^"]+)"[^>]*data-state="streaming"/.exec(res.body);
      if (!messageId) throw new BenchError('unexpected_page', 'the message form answered without a streaming reply bubble');
      const id = decodeAttribute(messageId[1]!);
      const ofThis = (e: { id?: string }) => e.id?.startsWith(`${id}:`) === true;
      const first = await subscription.waitFor((e) => ofThis(e) && (e.type === 'delta' || e.type === 'done'), timeoutMs, 'first reply text');
      const done = await subscription.waitFor((e) => ofThis(e) && e.type === 'done', timeoutMs, '`done` event');
      let detail: { messageId?: string; state?: string; usage?: { outputTokens?: number }; error?: string };
      try {
        detail = JSON.parse(done.data) as typeof detail;
      } catch (cause) {
        throw new BenchError('reply_failed', 'the `done` event did not carry JSON', { cause });
      }
      if (detail.messageId !== id) throw new BenchError('reply_failed', `the \`done\` event names message ${detail.messageId}, not ${id}`);
      if (first.type !== 'delta') throw new BenchError('reply_failed', `the reply ended (${detail.state}: ${detail.error ?? 'no text'}) before any text`);
      const chars = subscription.events.filter((e) => ofThis(e) && e.type === 'delta').reduce((sum, e) => sum + e.data.length, 0);
      return {
        postMs,
        firstTokenMs: first.at - started,
        doneMs: done.at - started,
        outputTokens: detail.usage?.outputTokens ?? 0,
        chars,
        state: detail.state ?? 'unknown',
      };
    } finally {
      subscription.close();
    }
  }
}
