/**
 * The whole local system, started the way `npm start` starts it, on free
 * ports. Needs the services built (`npm run build`; `npm test` does that).
 */
import t from 'tap';
import net from 'node:net';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startStack, type Stack } from '../src/stack.js';

t.setTimeout(600_000);

function capture() {
  const entries: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) entries.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, entries };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function holdPort(t: { teardown(fn: () => unknown): void }): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

const dataDir = t.testdir();
let firstSecrets = '';

t.test('an empty installation: everything comes up behind the edge, with a first admin invite', async (t) => {
  const logs = capture();
  const stack: Stack = await startStack({ dataDir, logs: logs.stream, tokensPerSecond: 200, firstTokenDelayMs: 0 });
  let stopped = false;
  t.teardown(() => (stopped ? undefined : stack.stop()));

  t.match(stack.url, /^http:\/\/localhost:\d+$/);
  t.equal(Number(new URL(stack.url).port), stack.ports.edge);
  for (const port of Object.values(stack.ports)) t.ok(port > 0);

  const health = await fetch(`http://127.0.0.1:${stack.ports.edge}/healthz`);
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });

  // The hub answers its own path through the edge: without a token it refuses, it is not the app's 404.
  const hub = await fetch(`http://127.0.0.1:${stack.ports.edge}/.well-known/mercure?topic=x`);
  t.equal(hub.status, 401, 'the hub (anonymous off) refuses a subscriber without a token');
  await hub.body?.cancel();

  for (const service of ['hub', 'agent', 'app'] as const) {
    const res = await fetch(`${stack.endpoints[service]}/healthz`);
    t.equal(res.status, 200, `${service} healthy`);
  }
  t.ok(stack.endpoints.bedrock, 'the emulator runs in-process');

  t.type(stack.adminInvite, 'string');
  t.ok((stack.adminInvite ?? '').length >= 8);
  const inviteFile = join(dataDir, 'first-admin-invite.txt');
  t.equal((await readFile(inviteFile, 'utf8')).trim(), stack.adminInvite);
  t.equal((await stat(inviteFile)).mode & 0o777, 0o600);
  const secretsFile = join(dataDir, 'secrets.json');
  t.equal((await stat(secretsFile)).mode & 0o777, 0o600);
  firstSecrets = await readFile(secretsFile, 'utf8');

  t.ok(logs.entries.some((e) => e.service === 'agent' && e.msg === 'listening'), 'child log lines reach the sink, named');
  const secrets = JSON.parse(firstSecrets) as Record<string, string>;
  const allLogs = JSON.stringify(logs.entries);
  for (const [name, value] of Object.entries(secrets)) t.notOk(allLogs.includes(value), `${name} never logged`);

  const pids = Object.values(stack.pids);
  t.ok(pids.every(alive));
  await stack.stop();
  stopped = true;
  t.same(pids.filter(alive), [], 'every child is gone after stop()');
  const after = await fetch(`http://127.0.0.1:${stack.ports.edge}/healthz`).catch((e: unknown) => e);
  t.ok(after instanceof Error, 'the edge no longer listens');
});

t.test('a second start reuses the data: same secrets, no second invite', async (t) => {
  t.ok(firstSecrets, 'runs after the first start');
  const stack = await startStack({ dataDir });
  t.teardown(() => stack.stop());
  t.equal(stack.adminInvite, undefined);
  t.equal(await readFile(join(dataDir, 'secrets.json'), 'utf8'), firstSecrets);
  const health = await fetch(`http://127.0.0.1:${stack.ports.edge}/healthz`);
  t.equal(health.status, 200);

  // A service that dies while the stack runs is started again, as ECS would restart the task.
  const killed = stack.pids.agent;
  const crashed = stack.next('crashed');
  const back = stack.next('restarted');
  process.kill(killed, 'SIGKILL');
  t.match(await crashed, { service: 'agent', signal: 'SIGKILL', restartInMs: 1_000 });
  const restarted = await back;
  t.equal(restarted.service, 'agent');
  t.not(stack.pids.agent, killed, 'a new process');
  t.equal(stack.pids.agent, restarted.pid);
  t.notOk(alive(killed));
  // On the same port, so the app finds it: an authenticated call that reads the table is answered.
  const { serviceKey } = JSON.parse(firstSecrets) as { serviceKey: string };
  const session = await fetch(`${stack.endpoints.agent}/v1/sessions/no-such-session-0123456789`, { headers: { authorization: `Bearer ${serviceKey}` } });
  t.equal(session.status, 404, 'the restarted agent serves (and reaches its data)');
  await session.body?.cancel();
  const page = await fetch(`http://127.0.0.1:${stack.ports.edge}/sign-in`);
  t.equal(page.status, 200, 'the app still serves through the edge');
  await page.body?.cancel();
});

t.test('with restart off, a death is reported instead', async (t) => {
  const stack = await startStack({ dataDir, restart: false });
  t.teardown(() => stack.stop());
  process.kill(stack.pids.agent, 'SIGKILL');
  const exit = await stack.unexpectedExit;
  t.same(exit, { service: 'agent', code: null, signal: 'SIGKILL' });
});

t.test('a taken edge port is named, and nothing is left running', async (t) => {
  const port = await holdPort(t);
  const dir = t.testdir();
  await t.rejects(startStack({ dataDir: join(dir, 'data'), ports: { edge: port } }), {
    name: 'EdgeError',
    code: 'port_in_use',
    message: `port ${port} (edge) is already in use`,
  });
});

t.test('a taken service port is named, and the edge started before it is closed again', async (t) => {
  const port = await holdPort(t);
  const edgePort = await (async () => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const p = (probe.address() as net.AddressInfo).port;
    probe.close();
    await once(probe, 'close');
    return p;
  })();
  await t.rejects(startStack({ dataDir: join(t.testdir(), 'data'), ports: { edge: edgePort, hub: port } }), {
    code: 'port_in_use',
    message: `port ${port} (hub) is already in use`,
  });
  // The edge held edgePort; it must be free again.
  const again = net.createServer();
  again.listen(edgePort, '127.0.0.1');
  await once(again, 'listening');
  again.close();
});

t.test('a service that exits while starting gives its last lines, and the rest is stopped', async (t) => {
  const logs = capture();
  const err = (await startStack({
    dataDir: join(t.testdir(), 'data'),
    logs: logs.stream,
    env: { app: { SESSION_SECRET: 'short' } },
  }).catch((e: unknown) => e)) as Error & { code?: string };
  t.equal(err.code, 'service_exited');
  t.match(err.message, /^the app exited with code 1 before that it listens; its last lines:\n.*SESSION_SECRET/s);
  const started = logs.entries.filter((e) => e.service === 'stack' && typeof e.pid === 'number').map((e) => e.pid as number);
  t.equal(started.length, 2, 'hub and agent had started');
  t.same(started.filter(alive), [], 'and are gone');
});

t.test('missing builds are reported with what to run', async (t) => {
  await t.rejects(startStack({ dataDir: join(t.testdir(), 'data'), repoRoot: t.testdir() }), {
    code: 'not_built',
    message: /run `npm run build` first/,
  });
});
