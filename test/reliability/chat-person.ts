/**
 * A person using HomeAgent through the edge as a browser does (cookies,
 * forms, htmx fragments), with what the tests need to know about them: their
 * user id (from their topic) and the ids of what they sent.
 */
import { HttpVisitor, type VisitResponse } from '../../app/test/http-visitor.js';

export interface Sent {
  response: VisitResponse;
  /** undefined when the send was refused */
  assistantId?: string;
  userMessageId?: string;
  topic?: string;
}

function unescapeAttribute(value: string): string {
  return value.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

export class ChatPerson extends HttpVisitor {
  userId = '';

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
    const { path, id } = await this.startChat('Hello');
    await this.replyFinished(path);
    return id;
  }

  /** Sends as the page's composer does (an htmx form post), from a freshly loaded conversation page. */
  async send(conversationId: string, text: string): Promise<Sent> {
    if (!this.token) await this.get(`/c/${conversationId}`);
    const response = await this.postPartial(`/c/${conversationId}/messages`, { text });
    if (response.status !== 200) return { response };
    const ids = [...response.body.matchAll(/id="message-([0-9a-z]+)"/g)].map((m) => m[1]!);
    // The page's one live connection names the conversation's topic first (the send's answer no longer carries it).
    const connect = /hx-sse:connect="([^"]+)"/.exec(response.body)?.[1] ?? /hx-sse:connect="([^"]+)"/.exec((await this.get(`/c/${conversationId}`)).body)?.[1];
    const topic = connect ? new URL(unescapeAttribute(connect), this.baseUrl).searchParams.get('topic') ?? undefined : undefined;
    // The topic names the person (…/users/<id>/conversations/<id>): the id the agent's API wants.
    const userId = topic ? /\/users\/([0-9a-z]+)\/conversations\//.exec(topic)?.[1] : undefined;
    if (userId) this.userId = userId;
    return { response, userMessageId: ids[0], assistantId: ids[1], topic };
  }

  /** The value of the hub cookie the app set, for subscribing as this person's browser does. */
  hubCookie(): string {
    const value = this.jar.mercureAuthorization;
    if (!value) throw new Error(`${this.username} has no hub cookie`);
    return `mercureAuthorization=${value}`;
  }
}
