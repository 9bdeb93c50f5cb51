import t, { type Test } from 'tap';
import http from 'node:http';
import { once, EventEmitter } from 'node:events';
import type { AddressInfo } from 'node:net';
import { startEdge } from '../src/edge.js';

type TapTest = Test;

/**
 * A small upstream standing in for the app or the hub: it reports what it
 * received, and its event stream and echo move only when the test says so,
 * which makes "not buffered" observable without timing.
 */
async function upstream(t: TapTest, name: string) {
  const control = new EventEmitter();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.flushHeaders();
      const send = (data: string) => res.write(`data: ${data}\n\n`);
      control.on('send', send);
      res.on('close', () => {
        control.off('send', send);
        control.emit('client-gone', res.writableFinished);
      });
      control.emit('subscribed');
      return;
    }
    if (url.pathname === '/upload') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      req.on('data', (chunk: Buffer) => res.write(`got:${chunk.toString()}\n`));
      req.on('end', () => res.end('end\n'));
      return;
    }
    if (url.pathname === '/limited') {
      // What Fastify does for a body over its limit: answer at once, without
      // reading the body, and close the connection behind the answer.
      const body = 'too large';
      res.writeHead(413, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(body);
      control.emit('refused');
      return;
    }
    if (url.pathname === '/hang-up') {
      req.socket.destroy();
      return;
    }
    if (url.pathname === '/cookies') {
      res.writeHead(303, [['Location', '/next'], ['Set-Cookie', 'a=1; HttpOnly'], ['Set-Cookie', 'b=2; HttpOnly']].flat());
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ name, method: req.method, url: req.url, headers: req.headers }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, control, server };
}

async function setup(t: TapTest) {
  const app = await upstream(t, 'app');
  const hub = await upstream(t, 'hub');
  const edge = await startEdge({ host: '127.0.0.1', port: 0, appUrl: app.url, hubUrl: hub.url });
  t.teardown(() => edge.close());
  return { app, hub, edge };
}

async function getJson(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers });
  return { status: res.status, body: (await res.json()) as { name: string; url: string; headers: Record<string, string> } };
}

t.test('routes /.well-known/mercure* to the hub and everything else to the app', async (t) => {
  const { edge } = await setup(t);
  t.match(edge.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const cases: Array<[string, string]> = [
    ['/', 'app'],
    ['/conversations/abc?x=1', 'app'],
    ['/.well-known/other', 'app'],
    ['/healthz', 'app'],
    ['/.well-known/mercure', 'hub'],
    ['/.well-known/mercure?topic=https%3A%2F%2Fa%2Fb&lastEventID=x', 'hub'],
    ['/.well-known/mercure/subscriptions', 'hub'],
  ];
  for (const [path, expected] of cases) {
    const { status, body } = await getJson(edge.url + path);
    t.equal(status, 200);
    t.equal(body.name, expected, `${path} → ${expected}`);
    t.equal(body.url, path, 'path and query pass unchanged');
  }
});

t.test('adds the forwarding headers an ALB adds and keeps Host', async (t) => {
  const { edge } = await setup(t);
  const port = new URL(edge.url).port;
  const { body } = await getJson(`${edge.url}/`, { 'x-forwarded-for': '203.0.113.9', cookie: 'session=abc' });
  t.equal(body.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1', 'the client address is appended');
  t.equal(body.headers['x-forwarded-proto'], 'http');
  t.equal(body.headers['x-forwarded-host'], `127.0.0.1:${port}`);
  t.equal(body.headers['x-forwarded-port'], port);
  t.equal(body.headers.host, `127.0.0.1:${port}`, 'Host is the public one, as behind an ALB');
  t.match(body.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  t.match(body.headers['x-amzn-trace-id'], /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  t.equal(body.headers.cookie, 'session=abc');
  const again = await getJson(`${edge.url}/`);
  t.not(again.body.headers['x-request-id'], body.headers['x-request-id'], 'a new id per request');
  const given = await getJson(`${edge.url}/`, { 'x-request-id': 'abc-123' });
  t.equal(given.body.headers['x-request-id'], 'abc-123', 'a well-formed incoming id is kept');
});

t.test('status, Location and repeated Set-Cookie headers pass unchanged', async (t) => {
  const { edge } = await setup(t);
  const res = await fetch(`${edge.url}/cookies`, { redirect: 'manual' });
  t.equal(res.status, 303);
  t.equal(res.headers.get('location'), '/next');
  t.same(res.headers.getSetCookie(), ['a=1; HttpOnly', 'b=2; HttpOnly']);
});

/** Reads an HTTP response's body chunk by chunk. */
function chunks(res: http.IncomingMessage) {
  res.setEncoding('utf8');
  let buffered = '';
  const events = new EventEmitter();
  res.on('data', (chunk: string) => {
    buffered += chunk;
    events.emit('data');
  });
  return {
    async until(text: string): Promise<string> {
      while (!buffered.includes(text)) await once(events, 'data');
      return buffered;
    },
    get text() {
      return buffered;
    },
  };
}

t.test('server-sent events arrive piece by piece, not buffered', async (t) => {
  const { edge, hub } = await setup(t);
  const subscribed = once(hub.control, 'subscribed');
  const req = http.get(`${edge.url}/.well-known/mercure/sse?topic=x`);
  t.teardown(() => req.destroy());
  const response = once(req, 'response');
  await subscribed;
  const [res] = (await response) as [http.IncomingMessage];
  t.equal(res.statusCode, 200, 'headers arrive before any event is written');
  t.equal(res.headers['content-type'], 'text/event-stream');
  const body = chunks(res);
  for (const piece of ['one', 'two', 'three']) {
    hub.control.emit('send', piece);
    // The next piece is sent only once this one came through the edge: a buffering proxy would hang here.
    const seen = await body.until(`data: ${piece}\n\n`);
    t.ok(seen.endsWith(`data: ${piece}\n\n`), `"${piece}" arrived on its own`);
  }
});

t.test('a request body streams to the upstream while its answer streams back', async (t) => {
  const { edge } = await setup(t);
  const req = http.request(`${edge.url}/upload`, { method: 'POST', headers: { 'content-type': 'text/plain' } });
  t.teardown(() => req.destroy());
  const response = once(req, 'response');
  req.write('first');
  const [res] = (await response) as [http.IncomingMessage];
  const body = chunks(res);
  await body.until('got:first\n');
  req.write('second');
  await body.until('got:second\n');
  req.end();
  const text = await body.until('end\n');
  t.equal(text, 'got:first\ngot:second\nend\n');
});

t.test("an upstream's early answer (413 before the body is read) passes through", async (t) => {
  const { edge, app } = await setup(t);
  let refused = 0;
  app.control.on('refused', () => refused++);
  // Large enough that the upstream closes while the edge is still writing
  // (the case that gave 502 EPIPE); several rounds, since it is a race.
  const big = Buffer.alloc(4 * 1024 * 1024, 'x');
  for (let round = 1; round <= 5; round++) {
    const res = await fetch(`${edge.url}/limited`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: big });
    t.equal(res.status, 413, `round ${round}: the upstream's status`);
    t.equal(await res.text(), 'too large', `round ${round}: the upstream's body`);
  }
  t.equal(refused, 5, 'every request reached the upstream');
  const ok = await getJson(`${edge.url}/`);
  t.equal(ok.body.name, 'app', 'the edge keeps working afterwards');
});

t.test('an upstream that hangs up mid-body without answering still gives a 502', async (t) => {
  const { edge } = await setup(t);
  const res = await fetch(`${edge.url}/hang-up`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.alloc(4 * 1024 * 1024, 'x') });
  t.equal(res.status, 502);
  t.match(await res.text(), /502 Bad Gateway.*app is not answering/s);
});

t.test('a client that goes away aborts the upstream request', async (t) => {
  const { edge, hub } = await setup(t);
  const subscribed = once(hub.control, 'subscribed');
  const req = http.get(`${edge.url}/.well-known/mercure/sse`);
  req.on('error', () => undefined);
  const response = once(req, 'response');
  await subscribed;
  const [res] = (await response) as [http.IncomingMessage];
  const body = chunks(res);
  hub.control.emit('send', 'hello');
  await body.until('hello');
  const gone = once(hub.control, 'client-gone');
  req.destroy();
  const [finishedNormally] = (await gone) as [boolean];
  t.equal(finishedNormally, false, 'the upstream saw its response cut off');
});

t.test('an upstream that is down gives a 502 page, and the edge keeps working', async (t) => {
  const app = await upstream(t, 'app');
  const closedHub = http.createServer();
  closedHub.listen(0, '127.0.0.1');
  await once(closedHub, 'listening');
  const deadUrl = `http://127.0.0.1:${(closedHub.address() as AddressInfo).port}`;
  closedHub.close();
  await once(closedHub, 'close');
  const edge = await startEdge({ host: '127.0.0.1', appUrl: app.url, hubUrl: deadUrl });
  t.teardown(() => edge.close());
  const res = await fetch(`${edge.url}/.well-known/mercure?topic=x`);
  t.equal(res.status, 502);
  t.match(res.headers.get('content-type'), /^text\/html/);
  t.match(await res.text(), /502 Bad Gateway.*hub is not answering/s);
  const ok = await getJson(`${edge.url}/`);
  t.equal(ok.body.name, 'app');
});

t.test('a taken port gives an error that names it', async (t) => {
  const { edge, app } = await setup(t);
  await t.rejects(startEdge({ host: '127.0.0.1', port: edge.port, appUrl: app.url, hubUrl: app.url }), {
    code: 'port_in_use',
    message: `port ${edge.port} (edge) is already in use`,
  });
});

t.test('a bad upstream URL is refused with its name', async (t) => {
  await t.rejects(startEdge({ appUrl: 'not a url', hubUrl: 'http://127.0.0.1:1' }), { code: 'bad_upstream', message: /appUrl/ });
});

t.test('close() returns while an event stream is open', async (t) => {
  const { edge, hub } = await setup(t);
  const subscribed = once(hub.control, 'subscribed');
  const req = http.get(`${edge.url}/.well-known/mercure/sse`);
  req.on('error', () => undefined);
  const response = once(req, 'response');
  await subscribed;
  await response;
  await edge.close();
  const err = await fetch(`${edge.url}/`).catch((e: unknown) => e);
  t.ok(err instanceof Error, 'no longer listening');
});

t.test('before its upstreams are set the edge answers 503, then routes', async (t) => {
  const app = await upstream(t, 'app');
  const hub = await upstream(t, 'hub');
  const edge = await startEdge({ host: '127.0.0.1' });
  t.teardown(() => edge.close());
  const early = await fetch(`${edge.url}/`);
  t.equal(early.status, 503);
  t.match(await early.text(), /still starting/);
  edge.setUpstreams({ appUrl: app.url, hubUrl: hub.url });
  t.equal((await getJson(`${edge.url}/x`)).body.name, 'app');
  t.equal((await getJson(`${edge.url}/.well-known/mercure`)).body.name, 'hub');
});
