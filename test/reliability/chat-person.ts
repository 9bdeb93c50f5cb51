/**
 * A person using HomeAgent through the edge as a browser does (cookies,
 * forms, htmx fragments), with what the tests need to know about them: their
 * user id (from their topic) and the ids of what they sent.
 */
import { setTimeout as wait } from 'node:timers/promises';
import { HttpVisitor, type VisitResponse } from '../../app/test/http-visitor.js';

export interface Sent {
  response: VisitResponse;
  /** undefined when the send was refused */
  assistantId?: string;
  userMessageId?: string;
  topic?: string;
  /** every answer this send got, the refusals it waited out first (a person pressing Send again) */
  attempts: VisitResponse[];
}

/** How often a person presses Send again after "try again in N seconds" before giving up. */
export const SEND_ATTEMPTS = 60;

/** The seconds a designed refusal asks to wait (a 503 with Retry-After), or undefined for any other answer. */
export function retryAfterOf(response: VisitResponse): number | undefined {
  const value = response.headers.get('retry-after');
  return response.status === 503 && value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}

const sendKeyOf = (page: string) => /name="sendKey" value="([A-Za-z0-9_-]+)"/.exec(page)?.[1];

/** How long a person waits before reloading a page that did not load, when it says nothing about when. */
const RELOAD_WAIT_MS = 1_000;

/**
 * Posts as the composer does, and again after each designed refusal, once its
 * Retry-After has passed: the same form (text and send key), as a person who
 * reads "try again in N seconds" and presses Send again.
 */
async function politely(post: () => Promise<VisitResponse>): Promise<VisitResponse[]> {
  const attempts: VisitResponse[] = [];
  for (;;) {
    const response = await post().catch((error: unknown) => connectionLost(error));
    attempts.push(response);
    // A connection cut before any answer: the person presses Send again (the same key: it cannot send twice).
    const seconds = response.status === CONNECTION_LOST ? RELOAD_WAIT_MS / 1000 : retryAfterOf(response);
    if (seconds === undefined || attempts.length >= SEND_ATTEMPTS) return attempts;
    await wait(seconds * 1000);
  }
}

/** The status of an attempt whose connection was cut before any answer (counted apart from HTTP answers). */
export const CONNECTION_LOST = 0;

/** A connection the stack reset before answering (fetch throws), as an attempt without an answer. */
function connectionLost(error: unknown): VisitResponse {
  if (!(error instanceof TypeError)) throw error;
  return { status: CONNECTION_LOST, headers: new Headers(), body: (error.cause as Error | undefined)?.message ?? error.message };
}

function unescapeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export class ChatPerson extends HttpVisitor {
  userId = '';

  /** The composer's send key of the page at `path`: a page that did not load (an overloaded stack) is loaded again. */
  async composerKey(path: string): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      const page = await this.get(path).catch((error: unknown) => connectionLost(error));
      const key = sendKeyOf(page.body);
      if (key) return key;
      if (attempt >= SEND_ATTEMPTS) throw new Error(`${path} showed no composer after ${attempt} loads: ${page.status} ${page.body.slice(0, 200)}`);
      await wait((retryAfterOf(page) ?? 0) * 1000 || RELOAD_WAIT_MS);
    }
  }

  constructor(
    baseUrl: string,
    readonly username: string,
  ) {
    super(baseUrl);
  }

  /** Registers with `invite` and lands signed in. */
  async join(invite: string): Promise<void> {
    // As a person arrives: through the invite link (/register?invite=<code>).
    await this.get(`/register?invite=${encodeURIComponent(invite)}`);
    const registered = await this.register(invite, this.username);
    if (registered.status !== 303) throw new Error(`${this.username} could not register: ${registered.status} ${registered.body.slice(0, 200)}`);
  }

  /** A chat begins with its first message (POST /c stores nothing): one short exchange, awaited, so the next send is free. */
  async newConversation(): Promise<string> {
    const sendKey = await this.composerKey('/c/new');
    const attempts = await politely(() => this.postPartial('/c/new/messages', { text: 'Hello', sendKey }));
    const sent = attempts.at(-1)!;
    const path = sent.headers.get('hx-replace-url') ?? '';
    const id = /^\/c\/([a-z0-9]+)$/.exec(path)?.[1];
    if (!id) throw new Error(`no chat was started after ${attempts.length} attempts: ${sent.status} ${sent.body.slice(0, 300)}`);
    await this.replyFinished(path);
    return id;
  }

  /**
   * Sends as the page's composer does (an htmx form post, with the composer's
   * send key), from a freshly loaded conversation page; after a designed
   * refusal, the same form again once its Retry-After has passed.
   */
  async send(conversationId: string, text: string, fields: Record<string, string> = {}): Promise<Sent> {
    const sendKey = await this.composerKey(`/c/${conversationId}`);
    const attempts = await politely(() => this.postPartial(`/c/${conversationId}/messages`, { ...fields, text, sendKey }));
    const response = attempts.at(-1)!;
    if (response.status !== 200) return { response, attempts };
    const ids = [...response.body.matchAll(/id="message-([0-9a-z]+)"/g)].map((m) => m[1]!);
    // The page's one live connection names the conversation's topic first (the send's answer no longer carries it).
    const connect = /hx-sse:connect="([^"]+)"/.exec(response.body)?.[1] ?? /hx-sse:connect="([^"]+)"/.exec((await this.get(`/c/${conversationId}`)).body)?.[1];
    const topic = connect ? new URL(unescapeAttribute(connect), this.baseUrl).searchParams.get('topic') ?? undefined : undefined;
    // The topic names the person (…/users/<id>/conversations/<id>): the id the agent's API wants.
    const userId = topic ? /\/users\/([0-9a-z]+)\/conversations\//.exec(topic)?.[1] : undefined;
    if (userId) this.userId = userId;
    return { response, userMessageId: ids[0], assistantId: ids[1], topic, attempts };
  }

  /** The value of the hub cookie the app set, for subscribing as this person's browser does. */
  hubCookie(): string {
    const value = this.jar.mercureAuthorization;
    if (!value) throw new Error(`${this.username} has no hub cookie`);
    return `mercureAuthorization=${value}`;
  }
}
