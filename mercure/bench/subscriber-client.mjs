// One load-generator process: holds a share of the SSE subscribers on raw
// sockets (lighter than an HTTP client, so the client side is not the
// bottleneck) bound to its own 127.0.0.x source addresses, and reports to
// the orchestrator (run.mjs) over IPC.
import net from 'node:net';
import { performance } from 'node:perf_hooks';

const now = () => performance.timeOrigin + performance.now();
const sockets = [];
const counts = new Map(); // id prefix → events received
const expected = new Map(); // id prefix → count that completes it
const rounds = new Map(); // broadcast id → latencies (ms)
let broadcastMembers = 0;

function count(prefix) {
  const n = (counts.get(prefix) ?? 0) + 1;
  counts.set(prefix, n);
  if (expected.get(prefix) === n) process.send({ type: 'done', prefix, count: n });
}

function onEvent(id, data) {
  if (id.startsWith('b:')) {
    let list = rounds.get(id);
    if (!list) rounds.set(id, (list = []));
    list.push(now() - Number(data));
    if (list.length === broadcastMembers) {
      process.send({ type: 'round', id, latencies: list });
      rounds.delete(id);
    }
    return;
  }
  const colon = id.indexOf(':');
  if (colon > 0) count(id.slice(0, colon));
}

function open({ port, localAddress, topic, token }) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, localAddress });
    socket.setEncoding('utf8');
    let opened = false;
    let tail = '';
    socket.on('data', (chunk) => {
      let buf = tail + chunk;
      if (!opened) {
        if (!buf.startsWith('HTTP/1.1 200')) return reject(new Error(`subscribe refused: ${buf.slice(0, 80)}`));
        opened = true;
        resolve(socket);
      }
      const last = buf.lastIndexOf('\n\n');
      if (last === -1) {
        tail = buf.length > 65536 ? '' : buf;
        return;
      }
      tail = buf.slice(last + 2);
      buf = buf.slice(0, last + 2);
      for (const m of buf.matchAll(/id: ([^\n]+)\ndata: ([^\n]*)\n/g)) onEvent(m[1], m[2]);
    });
    socket.on('error', (error) => (opened ? undefined : reject(error)));
    socket.write(
      `GET /.well-known/mercure?topic=${encodeURIComponent(topic)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n` +
        `Authorization: Bearer ${token}\r\nAccept: text/event-stream\r\n\r\n`,
    );
  });
}

process.on('message', async (message) => {
  if (message.cmd === 'connect') {
    const { port, addresses, topics, token, concurrency, broadcastTopics } = message;
    let next = 0;
    let failed = 0;
    const worker = async () => {
      while (next < topics.length) {
        const i = next++;
        const topic = topics[i];
        try {
          sockets.push(await open({ port, localAddress: addresses[i % addresses.length], topic, token }));
          if (broadcastTopics.includes(topic)) broadcastMembers++;
        } catch (error) {
          failed++;
          if (failed === 1) process.send({ type: 'log', message: String(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    process.send({ type: 'connected', count: sockets.length, failed });
  } else if (message.cmd === 'expect') {
    expected.set(message.prefix, message.count);
    if ((counts.get(message.prefix) ?? 0) >= message.count) process.send({ type: 'done', prefix: message.prefix, count: message.count });
  } else if (message.cmd === 'disconnect') {
    for (const s of sockets) s.destroy();
    sockets.length = 0;
    counts.clear();
    expected.clear();
    rounds.clear();
    broadcastMembers = 0;
    process.send({ type: 'disconnected' });
  } else if (message.cmd === 'exit') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});
process.send({ type: 'ready' });
