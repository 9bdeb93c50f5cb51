import net from 'node:net';
import t from 'tap';
import { chunk, headerValue } from '../../../src/routes/well-known-mercure/sse-response.js';
import { buildHub, publish, publisherToken } from '../../helper.js';

t.test('chunk frames a buffer as one HTTP/1.1 chunk, and reuses it for the same frame', async (t) => {
  const frame = Buffer.from('id: 1\ndata: é\n\n');
  const framed = chunk(frame);
  t.equal(framed.toString(), `${frame.length.toString(16)}\r\nid: 1\ndata: é\n\n\r\n`);
  t.equal(chunk(frame), framed, 'same Buffer instance for the same frame');
  t.not(chunk(Buffer.from('x')), framed);
});

t.test('headerValue keeps ASCII and percent-encodes anything else', async (t) => {
  t.equal(headerValue('m1:000001'), 'm1:000001');
  t.equal(headerValue('é-1'), '%C3%A9-1');
});

/** A raw HTTP exchange, to see the bytes exactly. */
function exchange(port: number, request: string, until: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (until(text)) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
    socket.write(request);
  });
}

t.test('HTTP/1.1: chunked; HTTP/1.0: an unframed body; a Unicode Last-Event-ID is percent-encoded in the header', async (t) => {
  const { fastify, url } = await buildHub({ MERCURE_ANONYMOUS: '1' });
  t.teardown(() => fastify.close());
  const port = Number(new URL(url).port);
  await publish(url, { topic: 'a', id: 'é-1', data: 'first' }, await publisherToken());
  await publish(url, { topic: 'a', id: 'two', data: 'second' }, await publisherToken());

  const v11 = await exchange(port, `GET /.well-known/mercure?topic=a&lastEventID=${encodeURIComponent('é-1')} HTTP/1.1\r\nHost: x\r\n\r\n`, (s) => s.includes('second'));
  t.match(v11, /^HTTP\/1\.1 200 OK\r\n/);
  t.match(v11, /\r\ntransfer-encoding: chunked\r\n/);
  t.match(v11, /\r\nlast-event-id: %C3%A9-1\r\n/);
  t.match(v11, /\r\n\r\n2\r\n:\n\r\n[0-9a-f]+\r\nid: two\ndata: second\n\n\r\n$/);

  const v10 = await exchange(port, `GET /.well-known/mercure?topic=a&lastEventID=earliest HTTP/1.0\r\nHost: x\r\n\r\n`, (s) => s.includes('second\n\n'));
  t.match(v10, /^HTTP\/1\.0 200 OK\r\n/);
  t.notMatch(v10, /transfer-encoding/);
  t.match(v10, /\r\n\r\n:\nid: é-1\ndata: first\n\nid: two\ndata: second\n\n$/);
});
