// How much the edge adds, as ratios and percentiles, not absolute promises:
// request latency direct vs. through the edge, and the delay of an SSE event
// that the edge must pass on without buffering.
// Run: npm run bench -w @homeagent/local
import http from 'node:http';
import { once } from 'node:events';
import { startEdge } from '../dist/edge.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 500);

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), p99: percentile(sorted, 99) };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
function get(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}

async function latencies(url) {
  for (let i = 0; i < 100; i++) await get(url); // warm-up
  const samples = [];
  for (let i = 0; i < REQUESTS; i++) {
    const start = process.hrtime.bigint();
    await get(url);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return summary(samples);
}

/** Upstream: a tiny JSON answer, and an event stream that sends one event each time it is asked. */
const sse = new Set();
const upstream = http.createServer((req, res) => {
  if (req.url.startsWith('/.well-known/mercure')) {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    sse.add(res);
    res.on('close', () => sse.delete(res));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"status":"ok"}');
});
upstream.listen(0, '127.0.0.1');
await once(upstream, 'listening');
const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
const edge = await startEdge({ host: '127.0.0.1', appUrl: upstreamUrl, hubUrl: upstreamUrl });

async function eventDelays(url) {
  const req = http.get(url);
  const [res] = await once(req, 'response');
  res.setEncoding('utf8');
  while (sse.size === 0) await new Promise((r) => setImmediate(r));
  const samples = [];
  for (let i = 0; i < EVENTS; i++) {
    const start = process.hrtime.bigint();
    for (const stream of sse) stream.write(`data: ${i}\n\n`);
    await once(res, 'data');
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  req.destroy();
  while (sse.size > 0) await new Promise((r) => setImmediate(r));
  return summary(samples);
}

const direct = await latencies(`${upstreamUrl}/healthz`);
const viaEdge = await latencies(`http://127.0.0.1:${edge.port}/healthz`);
const sseDirect = await eventDelays(`${upstreamUrl}/.well-known/mercure`);
const sseEdge = await eventDelays(`http://127.0.0.1:${edge.port}/.well-known/mercure`);

const ratio = (a, b) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
console.log(`edge bench (${REQUESTS} requests, ${EVENTS} events; ms; ratio = through edge / direct)`);
for (const [name, d, e] of [['request', direct, viaEdge], ['sse event', sseDirect, sseEdge]]) {
  console.log(
    `${name.padEnd(10)} p50 ${d.p50.toFixed(3)} → ${e.p50.toFixed(3)} (x${ratio(e.p50, d.p50)})  ` +
      `p95 ${d.p95.toFixed(3)} → ${e.p95.toFixed(3)} (x${ratio(e.p95, d.p95)})  p99 x${ratio(e.p99, d.p99)}`,
  );
}
await edge.close();
agent.destroy();
upstream.closeAllConnections();
upstream.close();
