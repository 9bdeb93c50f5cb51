/**
 * The app on its own, with nothing behind it: headers, static files,
 * redirects without a session, CSRF refusals, and an unreachable agent.
 * (Everything that needs the agent lives in the stack tests.)
 */
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import t from 'tap';
import homeagentApp, { serverOptions } from '../src/app.js';
import { FORM_TYPE, TEST_SECRETS, buildApp, cookieHeader, cookieJar, csrfTokenOf, formBody, testConfig } from './app-builder.js';

/** A port that was free a moment ago and has nothing listening now: "the agent is down". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const ORIGIN = 'http://chat.test';

t.test('app on its own', async (t) => {
  const agentPort = await closedPort();
  const app = await buildApp(testConfig({ AGENT_URL: `http://127.0.0.1:${agentPort}` }));
  t.teardown(() => app.close());

  t.test('healthz answers ok', async (t) => {
    const res = await app.inject('/healthz');
    t.equal(res.statusCode, 200);
    t.same(res.json(), { status: 'ok' });
  });

  t.test('every page carries the strict CSP and friends', async (t) => {
    const res = await app.inject('/sign-in');
    t.equal(res.statusCode, 200);
    const csp = String(res.headers['content-security-policy']);
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "img-src 'self' data:",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'self'",
      "object-src 'none'",
    ]) {
      t.ok(csp.includes(directive), `CSP has ${directive}`);
    }
    t.notMatch(csp, /unsafe-inline|unsafe-eval/);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.notMatch(res.body, /<script>|<style>| style="| hx-on/, 'no inline script or style in the page');
  });

  t.test('htmx, its SSE extension and our files are served from our origin, hashed, compressed, immutable', async (t) => {
    const { assetUrl } = await import('../src/static-assets.js');
    const htmxUrl = assetUrl('htmx.js');
    t.match(htmxUrl, /^\/static\/htmx\.[A-Za-z0-9_-]{10}\.js$/, 'a content-hashed name');
    const htmx = await app.inject(htmxUrl);
    t.equal(htmx.statusCode, 200);
    t.match(htmx.headers['content-type'], /javascript/);
    t.match(htmx.body, /4\.0\.1/);
    t.equal(htmx.headers['cache-control'], 'public, max-age=31536000, immutable');
    const sse = await app.inject(assetUrl('hx-sse.js'));
    t.equal(sse.statusCode, 200);
    t.match(sse.body, /registerExtension\(.sse./);
    for (const encoding of ['br', 'gzip']) {
      const compressed = await app.inject({ url: assetUrl('app.js'), headers: { 'accept-encoding': `${encoding}, deflate` } });
      t.equal(compressed.headers['content-encoding'], encoding, `${encoding} when the browser takes it`);
      t.ok(compressed.rawPayload.length < (await app.inject(assetUrl('app.js'))).rawPayload.length / 2, `${encoding} is much smaller`);
      t.equal(compressed.headers.vary, 'accept-encoding');
    }
    t.equal((await app.inject('/vendor/htmx/htmx.js')).statusCode, 404);
    t.equal((await app.inject('/static/htmx.js')).statusCode, 404, 'only hashed names');
    t.equal((await app.inject('/static/../package.json')).statusCode, 404);
    t.equal((await app.inject(assetUrl('app.css'))).statusCode, 200);
    const manifest = await app.inject('/manifest.webmanifest');
    t.equal(manifest.statusCode, 200);
    const icons = manifest.json().icons as Array<{ src: string; purpose: string }>;
    t.ok(icons.some((i) => i.purpose === 'maskable'), 'a maskable icon');
    for (const icon of icons) t.equal((await app.inject(icon.src)).statusCode, 200, icon.src);
    t.equal(manifest.json().display, 'standalone');
  });

  t.test('every error says its request id, 4xx too, in the page and in X-Request-Id', async (t) => {
    const res = await app.inject({ url: '/no-such-page', headers: { 'x-request-id': 'req-abcdefgh-1234' } });
    t.equal(res.statusCode, 404);
    t.equal(res.headers['x-request-id'], 'req-abcdefgh-1234');
    t.match(res.body, /reference req-abcdefgh-1234/);
    const ok = await app.inject('/sign-in');
    t.match(ok.headers['x-request-id'], /\S{8,}/, 'every response names its id');
  });

  t.test('pages without a session redirect to sign-in', async (t) => {
    for (const url of ['/', '/c/abc123', '/c/abc123/m/def456']) {
      const res = await app.inject(url);
      t.equal(res.statusCode, 303, url);
      t.equal(res.headers.location, '/sign-in', url);
    }
  });

  t.test('a forged session cookie is no session', async (t) => {
    const res = await app.inject({ url: '/', headers: { cookie: 'session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.bad' } });
    t.equal(res.statusCode, 303);
    t.equal(res.headers.location, '/sign-in');
  });

  t.test('htmx requests without a session are sent to sign-in with HX-Redirect', async (t) => {
    const res = await app.inject({
      url: '/c/abc123/m/def456',
      headers: { 'hx-request': 'true', 'hx-request-type': 'partial' },
    });
    t.equal(res.statusCode, 401);
    t.equal(res.headers['hx-redirect'], '/sign-in');
    t.match(res.body, /Please sign in/);

    // A send after the session ended: asked to sign in, not told the form expired.
    const send = await app.inject({
      method: 'POST',
      url: '/c/abc123/messages',
      headers: { ...FORM_TYPE, origin: ORIGIN, 'hx-request': 'true', 'hx-request-type': 'partial' },
      payload: formBody({ _csrf: 'from-the-old-session', text: 'hello' }),
    });
    t.equal(send.statusCode, 401);
    t.equal(send.headers['hx-redirect'], '/sign-in');
  });

  t.test('the sign-in page has the labelled fields and the button', async (t) => {
    const res = await app.inject('/sign-in');
    t.match(res.body, /<label for="username">Username<\/label>/);
    t.match(res.body, /<label for="password">Password<\/label>/);
    t.match(res.body, /<button type="submit" class="button-primary">Sign in<\/button>/);
    t.match(String(res.headers['set-cookie']), /csrf=.*HttpOnly.*SameSite=Lax/);
  });

  t.test('the register page has the labelled fields and the button', async (t) => {
    const res = await app.inject('/register');
    for (const label of ['Invite code', 'Username', 'Display name', 'Password']) {
      t.match(res.body, new RegExp(`<label for="[a-z-]+">${label}</label>`), label);
    }
    t.match(res.body, />Create account<\/button>/);
  });

  t.test('POST without a CSRF token is refused with 403', async (t) => {
    const page = await app.inject('/sign-in');
    const jar = cookieJar(page.headers['set-cookie']);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: ORIGIN },
      payload: formBody({ username: 'someone', password: 'whatever-long' }),
    });
    t.equal(res.statusCode, 403);
    t.match(res.body, /security token/);
  });

  t.test('POST with a wrong CSRF token is refused with 403', async (t) => {
    const page = await app.inject('/sign-in');
    const jar = cookieJar(page.headers['set-cookie']);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: ORIGIN },
      payload: formBody({ _csrf: 'not-the-token', username: 'someone', password: 'whatever-long' }),
    });
    t.equal(res.statusCode, 403);
  });

  t.test("a token from someone else's csrf cookie is refused", async (t) => {
    const mine = await app.inject('/sign-in');
    const theirs = await app.inject('/sign-in');
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { ...FORM_TYPE, cookie: cookieHeader(cookieJar(mine.headers['set-cookie'])), origin: ORIGIN },
      payload: formBody({ _csrf: csrfTokenOf(theirs.body), username: 'someone', password: 'whatever-long' }),
    });
    t.equal(res.statusCode, 403);
  });

  t.test('a POST from another origin is refused with 403 even with a good token', async (t) => {
    const page = await app.inject('/sign-in');
    const jar = cookieJar(page.headers['set-cookie']);
    for (const headers of [{ origin: 'https://evil.example' }, { origin: 'null' }, { referer: 'https://evil.example/x' }]) {
      const res = await app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { ...FORM_TYPE, cookie: cookieHeader(jar), ...headers },
        payload: formBody({ _csrf: csrfTokenOf(page.body), username: 'someone', password: 'whatever-long' }),
      });
      t.equal(res.statusCode, 403, JSON.stringify(headers));
      t.match(res.body, /another site than http:\/\/chat\.test/);
    }
  });

  t.test('a JSON body is refused with 415, not parsed', async (t) => {
    const page = await app.inject('/sign-in');
    const jar = cookieJar(page.headers['set-cookie']);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { cookie: cookieHeader(jar), origin: ORIGIN, 'content-type': 'application/json', 'x-csrf-token': csrfTokenOf(page.body) },
      payload: JSON.stringify({ username: 'someone', password: 'whatever-long' }),
    });
    t.equal(res.statusCode, 415);
  });

  t.test('form errors are shown next to the form without asking the agent', async (t) => {
    const page = await app.inject('/register');
    const jar = cookieJar(page.headers['set-cookie']);
    const res = await app.inject({
      method: 'POST',
      url: '/register',
      headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: ORIGIN },
      payload: formBody({ _csrf: csrfTokenOf(page.body), inviteCode: 'abc', username: 'No Spaces!', displayName: 'Ann <b>', password: 'short' }),
    });
    t.equal(res.statusCode, 400);
    t.match(res.body, /Username may only contain lower-case letters/);
    t.match(res.body, /Password is too short: use at least 10 characters/);
    t.match(res.body, /value="No Spaces!"/, 'typed username kept');
    t.match(res.body, /value="Ann &lt;b&gt;"/, 'typed display name kept, escaped');
    t.match(res.body, /value="abc"/, 'typed invite code kept');
    t.notMatch(res.body, /value="short"/, 'password not echoed');
  });

  t.test('the agent being down is a 503 page, not a crash', async (t) => {
    const page = await app.inject('/sign-in');
    const jar = cookieJar(page.headers['set-cookie']);
    const res = await app.inject({
      method: 'POST',
      url: '/sign-in',
      headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: ORIGIN },
      payload: formBody({ _csrf: csrfTokenOf(page.body), username: 'someone', password: 'whatever-long' }),
    });
    t.equal(res.statusCode, 503);
    t.match(res.body, /not reachable right now/);
    t.match(res.body, /reference /, 'the request id is shown for 5xx');
  });

  t.test('a forwarded request id is used only when it is a plain token', async (t) => {
    const down = async (requestId: string) => {
      const page = await app.inject('/sign-in');
      const jar = cookieJar(page.headers['set-cookie']);
      const res = await app.inject({
        method: 'POST',
        url: '/sign-in',
        headers: { ...FORM_TYPE, cookie: cookieHeader(jar), origin: ORIGIN, 'x-request-id': requestId },
        payload: formBody({ _csrf: csrfTokenOf(page.body), username: 'someone', password: 'whatever-long' }),
      });
      t.equal(res.statusCode, 503);
      return /reference ([^)<]+)\)/.exec(res.body)?.[1];
    };
    t.equal(await down('edge-0123456789abcdef'), 'edge-0123456789abcdef', 'a plain id from the edge is kept');
    const forged = await down('forged id with spaces and <b>markup</b>');
    t.ok(forged, 'an id is still shown');
    t.notMatch(forged!, /forged|markup/, 'but not the one the client made up');
    t.match(forged!, /^[0-9a-f-]{36}$/, 'a fresh UUID instead');
  });

  t.test('an over-long address is a plain 414 line with its own strict headers, the URL not echoed', async (t) => {
    const id = 'x'.repeat(600);
    const res = await app.inject(`/c/${id}`);
    t.equal(res.statusCode, 414);
    t.match(res.headers['content-type'], /text\/html/);
    t.equal(res.headers['content-security-policy'], "default-src 'none'");
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.match(res.body, /That address is too long/);
    t.notMatch(res.body, /xxxxxxxx/, 'the path is not echoed');
  });

  t.test('unknown addresses are a 404 page', async (t) => {
    const res = await app.inject('/nope');
    t.equal(res.statusCode, 404);
    t.match(res.body, /There is no page at this address/);
  });
});

t.test('cookies, tokens and keys are not logged', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = testConfig({ LOG_LEVEL: 'trace' });
  const options = serverOptions(config);
  const server = Fastify({ ...options, logger: { ...(options.logger as object), stream: sink } });
  await server.register(homeagentApp, { config });
  t.teardown(() => server.close());

  const secretCookie = 'session=very-secret-session-cookie-value; csrf=very-secret-csrf-cookie';
  await server.inject({ url: '/', headers: { cookie: secretCookie, authorization: 'Bearer very-secret-bearer' } });
  await server.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { ...FORM_TYPE, cookie: secretCookie, origin: 'http://chat.test', 'x-csrf-token': 'very-secret-token' },
    payload: formBody({ username: 'ann', password: 'very-secret-password' }),
  });

  const log = lines.join('');
  t.ok(lines.length > 0, 'something was logged');
  for (const secret of ['very-secret', ...Object.values(TEST_SECRETS)]) {
    t.notOk(log.includes(secret), `"${secret.slice(0, 12)}…" is not in the log`);
  }
});
