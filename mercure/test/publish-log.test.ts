import { Writable } from 'node:stream';
import t from 'tap';
import Fastify from 'fastify';
import app, { serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { PUBLISHER_KEY, SUBSCRIBER_KEY, publish, publisherToken } from './helper.js';

// A publish per piece of every streaming reply: a successful one writes no log line; a refused one a warning.
t.test('a publish that is taken is not logged; one that is refused is, as a warning', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const config = loadConfig({ MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY, MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY, LOG_LEVEL: 'info' });
  const options = serverOptions(config);
  const fastify = Fastify({ ...options, logger: { ...(options.logger as object), stream } });
  await fastify.register(app, { config });
  await fastify.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => fastify.close());
  const url = `http://127.0.0.1:${(fastify.server.address() as { port: number }).port}`;

  const taken = await publish(url, { topic: 'https://example.test/a', data: 'x', id: 'one' }, await publisherToken());
  t.equal(taken.status, 200);
  const refused = await publish(url, { topic: 'https://example.test/a', data: 'x', id: 'two' }, 'not-a-jwt');
  t.equal(refused.status, 401);
  const subscribed = await fetch(`${url}/.well-known/mercure?topic=x`);
  await subscribed.body?.cancel();

  const publishLines = lines.filter((l) => (l.req as { method?: string } | undefined)?.method === 'POST' || l.msg === 'publish refused');
  t.same(publishLines.map((l) => l.msg), ['publish refused'], 'only the refusal, no request lines');
  t.equal(lines.find((l) => l.msg === 'publish refused')?.level, 40, 'at warning level');
  t.ok(lines.some((l) => l.msg === 'incoming request' && (l.req as { method?: string } | undefined)?.method === 'GET'), 'subscriptions are still logged');
});
