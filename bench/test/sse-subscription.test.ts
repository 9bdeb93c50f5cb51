import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { BrowserClient } from '../src/browser-client.js';
import { SseSubscription } from '../src/sse-subscription.js';

/** A stand-in hub: answers the event stream the test writes, and records what the client sent. */
async function startFakeHub(t: Test) {
  const streams: http.ServerResponse[] = [];
  const seen: http.IncomingHttpHeaders[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/login') {
      res.writeHead(303, {
        location: '/',
        'set-cookie': ['session=s1; Path=/; HttpOnly', 'mercureAuthorization=jwt1; Path=/.well-known/mercure; HttpOnly', 'csrf=; Path=/; Max-Age=0'],
      });
      res.end();
      return;
    }
    if (req.url?.startsWith('/.well-known/mercure')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      streams.push(res);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<form><input type="hidden" name="_csrf" value="a&amp;b"></form>');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => {
    for (const s of streams) s.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, streams, seen };
}

t.test('the client keeps cookies by path and reads the form token', async (t) => {
  const hub = await startFakeHub(t);
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  const client = new BrowserClient(hub.port, agent);
  await client.request('GET', '/login');
  t.equal(client.cookie('session'), 's1');
  t.equal(client.cookie('csrf'), undefined, 'an expired cookie is dropped');
  t.equal(client.cookieHeader('/c/1'), 'session=s1', 'the hub cookie stays on its path');
  t.equal(client.cookieHeader('/.well-known/mercure?topic=x'), 'session=s1; mercureAuthorization=jwt1');
  await client.get('/');
  t.equal(client.csrfToken, 'a&b', 'the token is read unescaped');
  t.equal(hub.seen.at(-1)?.host, `localhost:${hub.port}`, 'Host names the public origin');
});

t.test('events are parsed as EventSource does and waited for by condition', async (t) => {
  const hub = await startFakeHub(t);
  const client = new BrowserClient(hub.port, new http.Agent());
  await client.request('GET', '/login');
  const subscription = await SseSubscription.open(client, '/.well-known/mercure?topic=a');
  t.teardown(() => subscription.close());
  t.match(hub.seen.at(-1)?.cookie, /mercureAuthorization=jwt1/, 'subscribes with the hub cookie');
  const stream = hub.streams[0]!;

  const firstText = subscription.waitFor((e) => e.type === 'message', 10_000, 'text');
  // split across writes, CRLF, a comment, two data lines, a named event
  stream.write(': heartbeat\n\nid: m:000001\nda');
  stream.write('ta: Hello\r\ndata: world\n\n');
  const first = await firstText;
  t.same({ type: first.type, data: first.data, id: first.id }, { type: 'message', data: 'Hello\nworld', id: 'm:000001' });

  stream.write('event: done\nid: m:000002\ndata: {"state":"complete"}\n\n');
  const done = await subscription.waitFor((e) => e.type === 'done', 10_000, 'done');
  t.equal(done.data, '{"state":"complete"}');
  t.ok(done.at >= first.at, 'arrival times are in order');
  t.equal(subscription.events.length, 2, 'the comment is not an event');
  const again = await subscription.waitFor((e) => e.type === 'message', 10_000, 'text');
  t.equal(again, first, 'an event already received satisfies a later wait');
});

t.test('a wait fails when the stream ends or nothing comes', async (t) => {
  const hub = await startFakeHub(t);
  const client = new BrowserClient(hub.port, new http.Agent());
  const subscription = await SseSubscription.open(client, '/.well-known/mercure?topic=b');
  t.teardown(() => subscription.close());
  await t.rejects(subscription.waitFor(() => false, 50, 'nothing'), { code: 'sse_timeout' });
  const pending = subscription.waitFor((e) => e.type === 'done', 10_000, 'done');
  hub.streams[0]!.end();
  await t.rejects(pending, { code: 'sse_failed' });
});
