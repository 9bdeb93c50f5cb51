/**
 * The one listen/close every stand-in uses: a taken port is an error to
 * handle, a wildcard bind is reached on loopback, and close() does not wait
 * for a client's kept-alive connection.
 */
import t from 'tap';
import http from 'node:http';
import { closeServer, listen } from '../src/local-server.js';

t.test('a wildcard bind is reached on the loopback address', async (t) => {
  const server = http.createServer((_req, res) => res.end('here'));
  const listening = await listen(server, { host: '0.0.0.0' });
  t.teardown(() => closeServer(server));
  t.equal(listening.address, '0.0.0.0');
  t.equal(listening.url, `http://127.0.0.1:${listening.port}`);
  const res = await fetch(listening.url);
  t.equal(await res.text(), 'here');
});

t.test('a taken port rejects, with the caller\'s error when it gives one', async (t) => {
  const first = http.createServer();
  const { port } = await listen(first);
  t.teardown(() => closeServer(first));
  await t.rejects(listen(http.createServer(), { port }), { code: 'EADDRINUSE' });
  await t.rejects(
    listen(http.createServer(), { port, failure: (err, p) => new Error(`port ${p} is taken (${err.code})`) }),
    { message: `port ${port} is taken (EADDRINUSE)` },
  );
});

t.test('close ends a kept-alive connection at once, and a second close is the same stop', async (t) => {
  const server = http.createServer((_req, res) => res.end('ok'));
  const { url } = await listen(server);
  const agent = new http.Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  await new Promise<void>((resolve, reject) => {
    http.get(url, { agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
  });
  t.equal(Object.values(agent.freeSockets).flat().length, 1, 'the client keeps its connection open');
  const stop = closeServer(server);
  t.equal(closeServer(server), stop);
  await stop;
  t.equal(server.listening, false);
});
