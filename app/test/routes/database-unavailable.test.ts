/**
 * DynamoDB stops answering (connections are accepted, nothing comes back):
 * the person gets the friendly 503 page within the agent's timeouts, not a
 * page that spins forever. The agent's table sits behind a TCP relay the test
 * can switch to "silent"; everything else is the real local stack.
 */
import net from 'node:net';
import t from 'tap';
import { startDynamo } from '@homeagent/local/dynamodb';
import { HttpVisitor } from '../http-visitor.js';
import { startLocalStack } from '../local-stack.js';

t.setTimeout(300_000);

/** Forwards to `target` until `silence()`: then it drops the open connections and accepts new ones without answering. */
async function relay(target: string) {
  const { hostname, port } = new URL(target);
  const open = new Set<net.Socket>();
  let silent = false;
  let acceptedWhileSilent = 0;
  const server = net.createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (silent) {
      acceptedWhileSilent++;
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    silence() {
      silent = true;
      for (const socket of open) socket.destroy();
    },
    acceptedWhileSilent: () => acceptedWhileSilent,
    close: () => {
      for (const socket of open) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

t.test('the database hangs: the sign-in answers 503 with the friendly page', async (t) => {
  const dynamo = await startDynamo();
  t.teardown(() => dynamo.close());
  const table = await relay(dynamo.endpoint);
  t.teardown(() => table.close());
  const { stack } = await startLocalStack(t, 'homeagent-db-down-', {
    env: { agent: { AWS_ENDPOINT_URL_DYNAMODB: table.url, TABLE_NAME: dynamo.tableName } },
  });
  const visitor = new HttpVisitor(stack.url);
  await visitor.get('/sign-in');
  const before = await visitor.post('/sign-in', { username: 'ann', password: 'not the password' });
  t.equal(before.status, 401, 'while the database answers, a wrong password is just that');

  table.silence();
  const during = await visitor.post('/sign-in', { username: 'ann', password: 'not the password' });
  t.ok(table.acceptedWhileSilent() > 0, 'the agent did try the silent database');
  t.equal(during.status, 503);
  t.match(during.body, /<title>[^<]*Service unavailable/);
  t.match(during.body, /The database is not answering right now/);
  const ready = await fetch(`${stack.endpoints.agent}/readyz`);
  t.equal(ready.status, 503, "the agent's readiness says so");
  t.match(await ready.json(), { database: 'unreachable' });
  t.equal((await fetch(`${stack.url}/healthz`)).status, 200, 'liveness stays cheap');
});
