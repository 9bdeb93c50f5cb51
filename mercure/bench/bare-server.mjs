// The floor the hub is measured against: a bare Node HTTP server that holds
// SSE sockets and, on POST, writes one pre-framed Buffer to each of them in a
// plain loop. No topics, no authorization, no history. Started by run.mjs.
import http from 'node:http';

const sockets = new Set();
const server = http.createServer((req, res) => {
  if (req.url === '/healthz') return res.end('ok');
  if (req.method === 'GET') {
    const socket = req.socket;
    socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n2\r\n:\n\r\n');
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const form = new URLSearchParams(body);
    const frame = Buffer.from(`id: ${form.get('id')}\ndata: ${form.get('data')}\n\n`);
    const framed = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, Buffer.from('\r\n')]);
    for (const socket of sockets) socket.write(framed);
    res.end(form.get('id'));
  });
});
server.listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => {
  for (const s of sockets) s.destroy();
  server.close(() => process.exit(0));
});
