import net from 'node:net';
import t from 'tap';
import { buildAgent, startStandIns } from './helper.js';

// dynalite and the real SDK on a shared machine: the default 30 s is too tight.
t.setTimeout(180_000);

/** A real TCP server that accepts connections and never answers: a database that hangs. */
async function blackhole(tap: { teardown(fn: () => unknown): void }): Promise<{ url: string; connections: () => number }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.teardown(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, connections: () => accepted };
}

/** The answer, or a failure naming what hung (never a guessed sleep: the bound only stops a hang). */
async function answered<T>(what: string, promise: Promise<T>, boundMs = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${boundMs} ms`)), boundMs);
  });
  try {
    return await Promise.race([promise, hung]);
  } finally {
    clearTimeout(timer);
  }
}

t.test('a database that accepts and never answers: 503 with a sentence, /readyz says so, /healthz stays cheap', async (t) => {
  const standIns = await startStandIns(t);
  const hole = await blackhole(t);
  const realEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = hole.url;
  t.teardown(() => {
    process.env.AWS_ENDPOINT_URL_DYNAMODB = realEndpoint;
  });
  const agent = await buildAgent(t, standIns, { DYNAMODB_CONNECT_TIMEOUT_MS: '300', DYNAMODB_REQUEST_TIMEOUT_MS: '400' });

  const res = await answered('GET /v1/sessions/:id', agent.call('GET', '/v1/sessions/some-session-id-0123456789'));
  t.ok(hole.connections() > 0, 'the request did reach the silent database');
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'database_unavailable', message: /database is not answering/ });

  const ready = await answered('GET /readyz', agent.app.inject({ method: 'GET', url: '/readyz' }));
  t.equal(ready.statusCode, 503, 'readiness fails');
  t.match(ready.json(), { status: 'unready', database: 'unreachable' });
  const health = await agent.app.inject({ method: 'GET', url: '/healthz' });
  t.equal(health.statusCode, 200, 'liveness does not touch the database');
  t.ok(agent.logs.lines.some((l) => l.msg === 'request failed' && JSON.stringify(l).includes('DatabaseUnavailableError')), 'logged with its cause');
});

t.test('/readyz is 200 while the database answers, without a service key', async (t) => {
  const standIns = await startStandIns(t);
  const agent = await buildAgent(t, standIns);
  const ready = await agent.app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', database: 'ok' });
});
