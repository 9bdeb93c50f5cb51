// Hub benchmark: `npm run bench:hub` (root) or `npm run bench -w @homeagent/mercure`.
// Starts the built hub (node dist/server.js) as its own process, connects up
// to --subscribers SSE subscribers from --clients load-generator processes
// over several 127.0.0.x source addresses, and reports:
//   - hub RSS per 1,000 subscribers at several steps,
//   - latency p50/p99 of one update broadcast to 10,000 subscribers,
//   - publish throughput to a topic with 1 and with 1,000 subscribers.
// Bounded in time: every phase has a deadline, and the whole run stops after --max-seconds.
import { fork, spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';

const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '18000' },
    clients: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '12' },
    'max-seconds': { type: 'string', default: '600' },
  },
});
const N = Number(args.subscribers);
const CLIENTS = Number(args.clients);
const ROUNDS = Number(args.rounds);
const PUBLISHER_KEY = 'bench-publisher-key-0123456789abcdef0123456789';
const SUBSCRIBER_KEY = 'bench-subscriber-key-0123456789abcdef012345678';
const BASE = 'https://bench.example';
const G1000 = `${BASE}/g1000`;
const REST = `${BASE}/rest`;
const BROADCAST = [G1000, REST];
const now = () => performance.timeOrigin + performance.now();
const log = (...a) => console.error('[bench]', ...a);

function topicOf(i) {
  if (i === N - 1) return `${BASE}/users/${i}`; // the one-subscriber topic
  if (i < 1000) return G1000;
  if (i < 10_000) return REST;
  return `${BASE}/users/${i}`;
}

const children = [];
const servers = [];
let hub;
function cleanup() {
  for (const c of [...children, ...servers]) if (c.exitCode === null) c.kill('SIGKILL');
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}
const overall = setTimeout(() => {
  log(`stopped: over ${args['max-seconds']} s`);
  cleanup();
  process.exit(1);
}, Number(args['max-seconds']) * 1000);
overall.unref();

function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))),
  ]);
}

async function freePort() {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** Starts a server process on a free port and waits until it answers. */
async function startServer(script, env) {
  const port = await freePort();
  const proc = spawn(process.execPath, [script], { env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: String(port), ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  servers.push(proc);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  proc.on('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`${script} exited`);
    if (Date.now() > deadline) throw new Error(`timed out: starting ${script}`);
    try {
      await fetch(`${url}/healthz`);
      return { proc, url, port };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100)); // polling for the port to open
    }
  }
}

function rssMiB(pid) {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  return kb / 1024;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const started = await startServer(fileURLToPath(new URL('../dist/server.js', import.meta.url)), {
    LOG_LEVEL: 'warn',
    MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY,
    MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY,
    MERCURE_WRITE_TIMEOUT: '0',
  });
  hub = started.proc;
  const { url, port } = started;
  log(`hub pid ${hub.pid} at ${url}`);

  const enc = new TextEncoder();
  const pubToken = await new SignJWT({ mercure: { publish: ['*'] } }).setProtectedHeader({ alg: 'HS256' }).sign(enc.encode(PUBLISHER_KEY));
  const subToken = await new SignJWT({ mercure: { subscribe: [`${BASE}/{+rest}`] } }).setProtectedHeader({ alg: 'HS256' }).sign(enc.encode(SUBSCRIBER_KEY));
  // node:http with a keep-alive pool: lighter than fetch, so the publisher is less of the measurement.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const request = (target, method, path, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request(`${target}${path}`, { method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`))));
      });
      req.on('error', reject);
      req.end(body);
    });
  const publishTo = (target, topics, id, data) => {
    const body = new URLSearchParams();
    for (const t of topics) body.append('topic', t);
    body.append('id', id);
    body.append('data', data);
    body.append('private', 'on');
    return request(target, 'POST', '/.well-known/mercure', { authorization: `Bearer ${pubToken}`, 'content-type': 'application/x-www-form-urlencoded' }, body.toString());
  };
  const publish = (topics, id, data) => publishTo(url, topics, id, data);

  // Load generators.
  const client = fileURLToPath(new URL('./subscriber-client.mjs', import.meta.url));
  const inbox = [];
  const waiters = [];
  const deliver = () => {
    for (let w = 0; w < waiters.length; w++) {
      const waiter = waiters[w];
      const idx = inbox.findIndex(waiter.match);
      if (idx !== -1) {
        waiters.splice(w--, 1);
        waiter.resolve(inbox.splice(idx, 1)[0]);
      }
    }
  };
  const receive = (match) => new Promise((resolve) => (waiters.push({ match, resolve }), deliver()));
  for (let c = 0; c < CLIENTS; c++) {
    const child = fork(client, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m) => {
      if (m.type === 'log') return log(`client ${c}: ${m.message}`);
      inbox.push({ ...m, client: c });
      deliver();
    });
    children.push(child);
  }
  await withDeadline(Promise.all(children.map((_, c) => receive((m) => m.client === c && m.type === 'ready'))), 30_000, 'clients ready');

  // Warm up the hub (JIT, first allocations) before the baseline.
  await publish([`${BASE}/warmup`], 'warmup:0', '0');
  const baseline = rssMiB(hub.pid);
  const memory = [{ subscribers: 0, rssMiB: baseline }];
  log(`baseline RSS ${baseline.toFixed(1)} MiB`);

  const owner = (i) => i % CLIENTS;
  const addresses = (c) => [`127.0.0.${2 + 2 * c}`, `127.0.0.${3 + 2 * c}`];
  async function connect(targetPort, from, to) {
    const perClient = Array.from({ length: CLIENTS }, () => []);
    for (let i = from; i < to; i++) perClient[owner(i)].push(topicOf(i));
    children.forEach((child, c) =>
      child.send({ cmd: 'connect', port: targetPort, addresses: addresses(c), topics: perClient[c], token: subToken, concurrency: 50, broadcastTopics: BROADCAST }),
    );
    const reports = await withDeadline(
      Promise.all(children.map((_, c) => receive((m) => m.client === c && m.type === 'connected'))),
      240_000,
      `connecting ${to} subscribers`,
    );
    const failed = reports.reduce((a, r) => a + r.failed, 0);
    if (failed > 0) throw new Error(`${failed} subscriptions failed connecting ${from}..${to}`);
  }
  const steps = [1000, 2000, 5000, 10_000, 14_000, 18_000, 25_000, 40_000].filter((s) => s < N).concat([N]);
  let connected = 0;
  for (const step of steps) {
    const started = now();
    await connect(port, connected, step);
    connected = step;
    const rss = rssMiB(hub.pid);
    memory.push({ subscribers: step, rssMiB: rss });
    log(`${step} subscribers in ${((now() - started) / 1000).toFixed(1)} s; hub RSS ${rss.toFixed(1)} MiB`);
  }

  // Broadcast latency: one private update to the 10,000 subscribers of g1000 + rest.
  const members = Array.from({ length: CLIENTS }, () => 0);
  for (let i = 0; i < N; i++) if (BROADCAST.includes(topicOf(i))) members[owner(i)]++;
  const audience = members.reduce((a, b) => a + b, 0);
  async function broadcast(target) {
    const latencies = [];
    const roundMax = [];
    for (let r = 0; r < ROUNDS; r++) {
      const id = `b:${r}`;
      const reports = children.map((_, c) => (members[c] > 0 ? receive((m) => m.type === 'round' && m.id === id && m.client === c) : Promise.resolve({ latencies: [] })));
      await publishTo(target, BROADCAST, id, String(now()));
      const got = await withDeadline(Promise.all(reports), 60_000, `broadcast ${id}`);
      const round = got.flatMap((g) => g.latencies);
      if (r >= 2) {
        // The first two rounds warm up the JIT; they are not counted.
        latencies.push(...round);
        roundMax.push(Math.max(...round));
      }
    }
    latencies.sort((a, b) => a - b);
    return { latencies, worstRound: Math.max(...roundMax) };
  }
  const { latencies, worstRound } = await broadcast(url);

  // Throughput: many updates, 32 in flight, until the last subscriber has the last one.
  async function throughput(prefix, topic, updates, subscribersOnTopic) {
    const expect = Array.from({ length: CLIENTS }, () => 0);
    for (let i = 0; i < N; i++) if (topicOf(i) === topic) expect[owner(i)] += updates;
    children.forEach((child, c) => expect[c] > 0 && child.send({ cmd: 'expect', prefix, count: expect[c] }));
    const done = Promise.all(children.map((_, c) => (expect[c] > 0 ? receive((m) => m.type === 'done' && m.prefix === prefix && m.client === c) : undefined)));
    const started = now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < updates) await publish([topic], `${prefix}:${next++}`, 'x'.repeat(100));
      }),
    );
    await withDeadline(done, 120_000, `delivering ${prefix}`);
    const seconds = (now() - started) / 1000;
    return { topic, subscribers: subscribersOnTopic, updates, seconds, updatesPerSecond: updates / seconds, deliveriesPerSecond: (updates * subscribersOnTopic) / seconds };
  }
  // The floor for any request from this publisher at this moment: GET /healthz, 32 in flight.
  let probes = 0;
  const floorStarted = now();
  await Promise.all(Array.from({ length: 32 }, async () => { while (probes++ < 5000) await request(url, 'GET', '/healthz', {}); }));
  const requestFloor = 5000 / ((now() - floorStarted) / 1000);
  const single = await throughput('t1', topicOf(N - 1), 5000, 1);
  const thousand = await throughput('t1000', G1000, 300, Math.min(1000, N - 1));

  // The floor: the same clients and broadcasts against a bare loop over the same sockets count.
  children.forEach((child) => child.send({ cmd: 'disconnect' }));
  await Promise.all(children.map((_, c) => receive((m) => m.client === c && m.type === 'disconnected')));
  const closing = now();
  hub.kill('SIGTERM');
  const [code] = await withDeadline(once(hub, 'exit'), 60_000, 'hub shutdown');
  log(`hub closed (exit ${code}) in ${((now() - closing) / 1000).toFixed(1)} s`);
  const bare = await startServer(fileURLToPath(new URL('./bare-server.mjs', import.meta.url)), {});
  await connect(bare.port, 0, N);
  const floor = await broadcast(bare.url);
  bare.proc.kill('SIGTERM');

  const last = memory.at(-1);
  const perThousand = ((last.rssMiB - baseline) / last.subscribers) * 1000;
  const result = {
    machine: { cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`, memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1), node: process.version, kernel: os.release() },
    command: `npm run bench:hub -- --subscribers ${N} --clients ${CLIENTS}`,
    memory,
    rssPerThousandSubscribersMiB: +perThousand.toFixed(2),
    extrapolated40kMiB: +(baseline + perThousand * 40).toFixed(0),
    broadcast: { audience, rounds: ROUNDS - 2, samples: latencies.length, p50ms: +percentile(latencies, 50).toFixed(1), p99ms: +percentile(latencies, 99).toFixed(1), maxMs: +latencies.at(-1).toFixed(1), worstRoundMs: +worstRound.toFixed(1) },
    bareLoop: { p50ms: +percentile(floor.latencies, 50).toFixed(1), p99ms: +percentile(floor.latencies, 99).toFixed(1), maxMs: +floor.latencies.at(-1).toFixed(1) },
    hubToBareP99: +(percentile(latencies, 99) / percentile(floor.latencies, 99)).toFixed(2),
    healthzRequestsPerSecond: Math.round(requestFloor),
    throughput: [single, thousand].map((t) => ({ ...t, seconds: +t.seconds.toFixed(2), updatesPerSecond: Math.round(t.updatesPerSecond), deliveriesPerSecond: Math.round(t.deliveriesPerSecond) })),
  };

  console.log(`\nHub benchmark — ${result.machine.cpus}, ${result.machine.memoryGiB} GiB, Node ${result.machine.node}`);
  console.log(`subscribers  hub RSS (MiB)`);
  for (const m of memory) console.log(`${String(m.subscribers).padStart(11)}  ${m.rssMiB.toFixed(1).padStart(12)}`);
  console.log(`RSS per 1,000 subscribers: ${result.rssPerThousandSubscribersMiB} MiB (above a ${baseline.toFixed(1)} MiB baseline); 40,000 → ~${result.extrapolated40kMiB} MiB`);
  console.log(`broadcast to ${audience}: p50 ${result.broadcast.p50ms} ms, p99 ${result.broadcast.p99ms} ms, max ${result.broadcast.maxMs} ms over ${result.broadcast.rounds} rounds`);
  console.log(`bare Node loop, same sockets: p50 ${result.bareLoop.p50ms} ms, p99 ${result.bareLoop.p99ms} ms; hub/bare p99 ratio ${result.hubToBareP99}`);
  console.log(`request floor (GET /healthz, same publisher, 32 in flight): ${result.healthzRequestsPerSecond} requests/s`);
  for (const t of result.throughput) console.log(`publish to a topic with ${t.subscribers} subscriber(s): ${t.updatesPerSecond} updates/s (${t.deliveriesPerSecond} deliveries/s, ${t.updates} updates in ${t.seconds} s)`);
  console.log(JSON.stringify(result));

  for (const c of children) c.send({ cmd: 'exit' });
  await Promise.all(children.map((c) => once(c, 'exit')));
}

main().then(
  () => {
    clearTimeout(overall);
    process.exit(0);
  },
  (error) => {
    log(String(error?.stack ?? error));
    cleanup();
    process.exit(1);
  },
);
