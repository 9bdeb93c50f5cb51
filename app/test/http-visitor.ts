/**
 * A visitor of a running HomeAgent over real HTTP (through the edge), who
 * keeps cookies like a browser and sends forms the way a browser does.
 */
import { cookieHeader, cookieJar, csrfTokenOf, formBody, FORM_TYPE } from './app-builder.js';

export interface VisitResponse {
  status: number;
  headers: Headers;
  body: string;
}

export class HttpVisitor {
  readonly jar: Record<string, string> = {};
  /** the CSRF token of the last page that had one */
  token = '';

  constructor(readonly baseUrl: string) {}

  async #request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<VisitResponse> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { cookie: cookieHeader(this.jar), ...init.headers },
      body: init.body,
    });
    cookieJar(response.headers.getSetCookie(), this.jar);
    const body = await response.text();
    const match = /name="_csrf" value="([^"]+)"/.exec(body);
    if (match) this.token = csrfTokenOf(body);
    return { status: response.status, headers: response.headers, body };
  }

  get(path: string, headers: Record<string, string> = {}): Promise<VisitResponse> {
    return this.#request('GET', path, { headers });
  }

  /** GET as htmx does when it swaps a fragment into the page. */
  getPartial(path: string): Promise<VisitResponse> {
    return this.get(path, { 'hx-request': 'true', 'hx-request-type': 'partial' });
  }

  /** POST a form with the current CSRF token (unless `_csrf` is given) from our own origin. */
  post(path: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<VisitResponse> {
    return this.#request('POST', path, {
      headers: { ...FORM_TYPE, origin: this.baseUrl, ...headers },
      body: formBody({ _csrf: this.token, ...fields }),
    });
  }

  postPartial(path: string, fields: Record<string, string | string[]>): Promise<VisitResponse> {
    return this.post(path, fields, { 'hx-request': 'true', 'hx-request-type': 'partial' });
  }

  /** Registers and lands signed in on the conversation list. */
  async register(inviteCode: string, username: string, password = 'correct horse battery staple'): Promise<VisitResponse> {
    await this.get('/register');
    return this.post('/register', { inviteCode, username, displayName: `${username} Example`, password });
  }

  /**
   * Starts a chat the way the page does: "New chat" (/c/new), then the first message
   * through htmx, which creates the conversation. Returns its path and the fragment sent back.
   */
  async startChat(text: string, fields: Record<string, string> = {}): Promise<{ path: string; id: string; sent: VisitResponse }> {
    await this.get('/c/new');
    const sent = await this.postPartial('/c/new/messages', { text, ...fields });
    const path = sent.headers.get('hx-replace-url') ?? '';
    const id = /^\/c\/([a-z0-9]+)$/.exec(path)?.[1];
    if (!id) throw new Error(`no chat was started: ${sent.status} ${sent.body.slice(0, 300)}`);
    return { path, id, sent };
  }

  /** Waits until no reply of the chat at `path` is streaming any more (a condition, polled). */
  async replyFinished(path: string, timeoutMs = 60_000): Promise<VisitResponse> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const page = await this.get(path);
      if (!/data-state="streaming"/.test(page.body)) return page;
      if (Date.now() > deadline) throw new Error(`the reply in ${path} did not finish`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Starts a chat with one message and waits for its reply; returns the chat's path. */
  async chat(text: string): Promise<string> {
    const { path } = await this.startChat(text);
    await this.replyFinished(path);
    return path;
  }

  /** As an admin: makes a one-day member invite on the "Invite someone" page and returns its code. */
  async createInvite(): Promise<string> {
    await this.get('/invites');
    const { body } = await this.post('/invites', { role: 'member', expiresInDays: '1' });
    const code = /id="created-invite-code"[^>]*\svalue="([^"]+)"/.exec(body)?.[1];
    if (!code) throw new Error(`no invite was created: ${body.slice(0, 300)}`);
    return code;
  }
}
