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

  /** As an admin: makes a one-day member invite on the "Invite someone" page and returns its code. */
  async createInvite(): Promise<string> {
    await this.get('/invites');
    const { body } = await this.post('/invites', { role: 'member', expiresInDays: '1' });
    const code = /id="created-invite-code"[^>]*\svalue="([^"]+)"/.exec(body)?.[1];
    if (!code) throw new Error(`no invite was created: ${body.slice(0, 300)}`);
    return code;
  }
}
