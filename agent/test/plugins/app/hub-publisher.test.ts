import t from 'tap';
import { decodeJwt } from 'jose';
import { HubPublisher } from '../../../src/plugins/app/hub-publisher.js';
import { LogCapture, PUBLIC_URL, PUBLISHER_KEY, startStandIns, subscriberToken } from '../../helper.js';
import { subscribe } from '../../sse-client.js';
import { conversationTopic } from '@homeagent/contract';
import pino from 'pino';

t.setTimeout(120_000);

const standIns = await startStandIns(t, { hub: true });
const publishUrl = `${standIns.hub!.url}/.well-known/mercure`;

t.test('updates reach the owner only, as private updates with their id and type', async (t) => {
  const logs = new LogCapture();
  const publisher = new HubPublisher(publishUrl, PUBLISHER_KEY, pino(logs));
  const topic = conversationTopic(PUBLIC_URL, 'owner1', 'conv1');
  const owner = await subscribe({ hubUrl: standIns.hub!.url, topics: [topic], token: await subscriberToken('owner1') });
  const stranger = await subscribe({ hubUrl: standIns.hub!.url, topics: [topic], token: await subscriberToken('someone-else') });
  t.teardown(() => {
    owner.close();
    stranger.close();
  });

  t.equal(await publisher.publish({ topic, id: 'm1:000001', data: 'line one\nline two' }), true);
  t.equal(await publisher.publish({ topic, id: 'm1:000002', type: 'done', data: '{"ok":true}' }), true);
  await owner.waitFor((e) => e.type === 'done');
  t.same(owner.events, [
    { id: 'm1:000001', type: 'message', data: 'line one\nline two' },
    { id: 'm1:000002', type: 'done', data: '{"ok":true}' },
  ]);
  t.equal(stranger.events.length, 0, 'a subscriber without the right claim gets nothing');
});

t.test('the publisher JWT is HS256 with publish rights, reused until near expiry', async (t) => {
  const seen: string[] = [];
  // A real HTTP listener standing where the hub would be, to read the header the agent sends.
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address() as { port: number };
  const publisher = new HubPublisher(`http://127.0.0.1:${address.port}/.well-known/mercure`, PUBLISHER_KEY, pino({ level: 'silent' }));
  await publisher.publish({ topic: 'x', id: 'a', data: '1' });
  await publisher.publish({ topic: 'x', id: 'b', data: '2' });
  t.equal(seen.length, 2);
  t.equal(seen[0], seen[1], 'the token is cached');
  const claims = decodeJwt(seen[0]!.replace(/^Bearer /, ''));
  t.same(claims.mercure, { publish: ['*'] });
  t.ok(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000 + 3000, 'valid for about an hour');
});

t.test('a hub that refuses or is down gives false and a warning, never an exception', async (t) => {
  const logs = new LogCapture();
  const wrongKey = new HubPublisher(publishUrl, 'not-the-publisher-key-0123456789abcdef', pino(logs));
  t.equal(await wrongKey.publish({ topic: 'https://x/y', id: 'z', data: 'd' }), false);
  const down = new HubPublisher('http://127.0.0.1:9/.well-known/mercure', PUBLISHER_KEY, pino(logs));
  t.equal(await down.publish({ topic: 'https://x/y', id: 'z', data: 'd' }), false);
  const warnings = logs.lines.filter((l) => l.msg === 'publishing to the hub failed');
  t.equal(warnings.length, 2);
  t.match(warnings[0], { level: 40, updateId: 'z', err: { message: /hub answered 401/ } });
  t.notOk(logs.raw.some((l) => l.includes('not-the-publisher-key')), 'the key is not logged');
});

t.test('with attempts, a publish is retried until the hub takes it', async (t) => {
  const { createServer } = await import('node:http');
  let calls = 0;
  const server = createServer((req, res) => {
    calls += 1;
    req.resume();
    if (calls < 3) res.writeHead(503).end('busy');
    else res.end('urn:uuid:1');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const logs = new LogCapture();
  const publisher = new HubPublisher(`http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/mercure`, PUBLISHER_KEY, pino(logs));
  t.equal(await publisher.publish({ topic: 'x', id: 'm:000009', type: 'done', data: '{}' }, 3), true);
  t.equal(calls, 3, 'two failures, then success');
  calls = 0;
  t.equal(await publisher.publish({ topic: 'x', id: 'm:000001', data: 'a' }), false, 'a single attempt gives up at once');
  t.equal(calls, 1);
});

t.test('an update the hub missed is tried again in the background until the hub takes it, and no more after close', async (t) => {
  // A listener standing where the hub would be: it refuses (503) as a hub still starting does, then takes updates.
  const { createServer } = await import('node:http');
  let refusals = 3;
  const taken: string[] = [];
  let tookOne!: () => void;
  const took = new Promise<void>((resolve) => (tookOne = resolve));
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      if (refusals > 0) {
        refusals -= 1;
        res.statusCode = 503;
        res.end('starting');
        return;
      }
      taken.push(new URLSearchParams(body).get('id') ?? '');
      res.end('ok');
      tookOne();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/.well-known/mercure`;
  const logs = new LogCapture();
  const publisher = new HubPublisher(url, PUBLISHER_KEY, pino(logs));
  t.equal(await publisher.publish({ topic: 'x', id: 'done-1', type: 'done', data: '{}' }), false, 'refused at first');
  publisher.publishLater({ topic: 'x', id: 'done-1', type: 'done', data: '{}' });
  await took;
  const said = await logs.waitFor((l) => l.msg === 'published an update the hub had missed');
  t.same(taken, ['done-1'], 'published once the hub takes updates');
  t.equal(said.attempt, 3, 'on the attempt after the refusals');

  // After close, nothing more is sent.
  refusals = 1_000;
  const closed = new HubPublisher(url, PUBLISHER_KEY, pino({ level: 'silent' }));
  closed.publishLater({ topic: 'x', id: 'never', data: '{}' }, 3);
  closed.close();
  const before = refusals;
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  t.equal(refusals, before, 'no attempt after close');
});
