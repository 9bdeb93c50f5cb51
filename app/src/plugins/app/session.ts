/**
 * Who is signed in. The `session` cookie is a jose HS256 JWT naming the
 * agent's session row; every request that needs a person asks the agent
 * whether that row still stands, so sign-out and revocation take effect at
 * once. The `mercureAuthorization` cookie lets the browser subscribe to the
 * person's own hub topics and nothing else.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SignJWT, jwtVerify } from 'jose';
import { DISABLED_MESSAGE, userTopicSelector, type SessionResponse } from '@homeagent/contract';
import { AgentRequestError } from '../../agent-api/agent-errors.js';

export const SESSION_COOKIE = 'session';
export const MERCURE_COOKIE = 'mercureAuthorization';
export const MERCURE_COOKIE_PATH = '/.well-known/mercure';

declare module 'fastify' {
  interface FastifyRequest {
    /** the signed-in person and session, or `undefined`; asks the agent once per request */
    currentSession(): Promise<SessionResponse | undefined>;
    /**
     * The signed-in person and session, left by requireSession (and
     * requireAdmin): read it only in routes behind one of them.
     */
    signedIn: SessionResponse;
  }
  interface FastifyReply {
    startSession(session: SessionResponse): Promise<void>;
    /** (re)sets only the hub cookie: the app never sees it (its path is the hub's), so pages renew it */
    issueHubCookie(session: SessionResponse): Promise<void>;
    endSession(): void;
  }
  interface FastifyInstance {
    /** preHandler: pages for signed-in people only */
    requireSession: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** after `requireSession`: pages for admins only */
    requireAdmin: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

/**
 * Thrown by `requireSession`; the error handler turns it into a redirect to
 * the sign-in page (which says why when the account was disabled).
 */
export class SignInRequiredError extends Error {
  readonly code = 'sign_in_required';
  readonly statusCode = 401;
  readonly disabled: boolean;
  constructor(options?: { cause?: unknown; disabled?: boolean }) {
    super(options?.disabled ? DISABLED_MESSAGE : 'Please sign in to continue.', options);
    this.name = 'SignInRequiredError';
    this.disabled = options?.disabled ?? false;
  }
}

/** Thrown by `requireAdmin` for a signed-in member. */
export class AdminOnlyError extends Error {
  readonly code = 'admin_only';
  readonly statusCode = 403;
  constructor(options?: { cause?: unknown }) {
    super('Only an admin of this HomeAgent can do that.', options);
    this.name = 'AdminOnlyError';
  }
}

/** How long a subscriber token lives; renewed with every page and every send. */
export const HUB_COOKIE_TTL_MS = 60 * 60 * 1000;
const pending = new WeakMap<FastifyRequest, Promise<SessionResponse | undefined>>();
/** Requests whose session was ended by disabling its person. */
const disabledSessions = new WeakSet<FastifyRequest>();

export default fp(
  async (app) => {
    const { config, agent } = app;
    const sessionKey = new TextEncoder().encode(config.sessionSecret);
    const mercureKey = new TextEncoder().encode(config.mercureSubscriberJwtKey);
    const audience = config.publicUrl;

    async function load(request: FastifyRequest): Promise<SessionResponse | undefined> {
      const token = request.cookies[SESSION_COOKIE];
      if (!token) return undefined;
      let sessionId: string;
      try {
        const { payload } = await jwtVerify(token, sessionKey, { algorithms: ['HS256'], audience });
        if (typeof payload.sid !== 'string' || payload.sid === '') return undefined;
        sessionId = payload.sid;
      } catch {
        // Forged, expired or signed with an older secret: simply not signed in.
        return undefined;
      }
      // AgentUnavailableError propagates: "agent down" is a 503, not "signed out".
      try {
        return await agent.sessions.get(sessionId);
      } catch (error) {
        if (!(error instanceof AgentRequestError) || error.code !== 'account_disabled') throw error;
        disabledSessions.add(request);
        return undefined;
      }
    }

    app.decorateRequest('signedIn', null as unknown as SessionResponse);
    app.decorateRequest('currentSession', function (this: FastifyRequest) {
      let promise = pending.get(this);
      if (!promise) {
        promise = load(this);
        pending.set(this, promise);
      }
      return promise;
    });

    const cookieBase = { httpOnly: true, secure: config.secureCookies } as const;

    async function setHubCookie(reply: FastifyReply, signedIn: SessionResponse): Promise<void> {
      // Short-lived: signing out cannot reach a cookie the app never sees (its
      // path is the hub's), so a copy taken from a device stops working within
      // the hour. Pages and sends renew it; the hub ends a stream at expiry.
      const expires = new Date(Math.min(Date.parse(signedIn.session.expiresAt), Date.now() + HUB_COOKIE_TTL_MS));
      const mercureJwt = await new SignJWT({ mercure: { subscribe: [userTopicSelector(config.publicUrl, signedIn.user.id)] } })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(signedIn.user.id)
        .setExpirationTime(Math.floor(expires.getTime() / 1000))
        .sign(mercureKey);
      reply.setCookie(MERCURE_COOKIE, mercureJwt, { ...cookieBase, sameSite: 'strict', path: MERCURE_COOKIE_PATH, expires });
    }

    app.decorateReply('startSession', async function (this: FastifyReply, signedIn: SessionResponse) {
      const expires = new Date(signedIn.session.expiresAt);
      const sessionJwt = await new SignJWT({ sid: signedIn.session.id })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(signedIn.user.id)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime(Math.floor(expires.getTime() / 1000))
        .sign(sessionKey);
      this.setCookie(SESSION_COOKIE, sessionJwt, { ...cookieBase, sameSite: 'lax', path: '/', expires });
      await setHubCookie(this, signedIn);
    });

    app.decorateReply('issueHubCookie', async function (this: FastifyReply, signedIn: SessionResponse) {
      await setHubCookie(this, signedIn);
    });

    app.decorateReply('endSession', function (this: FastifyReply) {
      this.clearCookie(SESSION_COOKIE, { ...cookieBase, sameSite: 'lax', path: '/' });
      this.clearCookie(MERCURE_COOKIE, { ...cookieBase, sameSite: 'strict', path: MERCURE_COOKIE_PATH });
    });

    app.decorate('requireSession', async function (request: FastifyRequest, reply: FastifyReply) {
      const signedIn = await request.currentSession();
      if (signedIn) {
        request.signedIn = signedIn;
        return;
      }
      // A stale cookie would otherwise be re-checked with the agent on every request.
      if (request.cookies[SESSION_COOKIE]) reply.endSession();
      throw new SignInRequiredError({ disabled: disabledSessions.has(request) });
    });

    app.decorate('requireAdmin', async function (request: FastifyRequest) {
      const signedIn = await request.currentSession();
      if (!signedIn) throw new SignInRequiredError({ disabled: disabledSessions.has(request) });
      // The agent refuses members too (403 admin_only); checking here keeps
      // them from even seeing the form.
      if (signedIn.user.role !== 'admin') throw new AdminOnlyError();
      request.signedIn = signedIn;
    });
  },
  { name: 'session', dependencies: ['config', 'agent-client', '@fastify/cookie'] },
);
