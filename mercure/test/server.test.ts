import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { PUBLISHER_KEY, SseClient, SUBSCRIBER_KEY } from './helper.js';

// The process as production runs it: the built dist/server.js (build first: npm run build -w @homeagent/mercure).
const SERVER = fileURLToPath(new URL('../dist/server.js', import.meta.url));
t.setTimeout(60_000);

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [SERVER], { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return { child, out: () => stdout, err: () => stderr };
}

t.test('a bad variable stops the process with one line naming it', async (t) => {
  const p = run({ MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY, MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY, MERCURE_HEARTBEAT: 'often' });
  const [code] = await once(p.child, 'exit');
  t.equal(code, 1);
  t.equal(p.err(), 'mercure: MERCURE_HEARTBEAT: expected a duration such as 40s, 500ms or 0, got "often"\n');
});

t.test('listens on HOST/PORT, logs JSON without secrets, closes cleanly on SIGTERM', async (t) => {
  const p = run({ MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY, MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY, HOST: '127.0.0.1', PORT: '0', MERCURE_ANONYMOUS: '1' });
  t.teardown(() => p.child.kill('SIGKILL'));
  let url: string | undefined;
  while (url === undefined) {
    await once(p.child.stdout, 'data');
    for (const line of p.out().split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line);
      if (entry.msg === 'listening') url = entry.url;
    }
  }
  t.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  t.equal((await fetch(`${url}/healthz`)).status, 200);
  const res = await fetch(`${url}/.well-known/mercure?topic=a&authorization=${'x'.repeat(20)}`, { headers: { authorization: 'Bearer secret-token-value', cookie: 'mercureAuthorization=secret-cookie' } });
  t.equal(res.status, 401);
  const body = res.body!.getReader();
  await body.cancel();
  // The hub decodes query names, so an encoded name is still the token and must be redacted too.
  const encoded = await fetch(`${url}/.well-known/mercure?topic=a&%61uthorization=${'y'.repeat(20)}&Authorization=${'z'.repeat(20)}`);
  t.equal(encoded.status, 401);
  await encoded.body!.cancel();
  const stream = await SseClient.open(url, ['a']);
  await stream.until((c) => c.comments >= 1, 'the stream to open');
  p.child.kill('SIGTERM');
  const [code] = await once(p.child, 'exit');
  t.equal(code, 0, 'exit 0 after a graceful close');
  await stream.untilEnded();
  t.ok(stream.completed, 'the open stream was ended cleanly');
  t.match(p.out(), /authorization=\[redacted\].*"msg":"incoming request"/, 'the request was logged, its query token redacted');
  t.notMatch(p.out(), /secret-token-value|secret-cookie|x{20}|y{20}|z{20}/, 'no token in the logs');
  t.match(p.out(), /%61uthorization=\[redacted\]/, 'the encoded name was logged with its value redacted');
});

t.test('a taken port stops the process with a line that names it', async (t) => {
  const { createServer } = await import('node:net');
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as import('node:net').AddressInfo).port;
  const p = run({ MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY, MERCURE_SUBSCRIBER_JWT_KEY: SUBSCRIBER_KEY, HOST: '127.0.0.1', PORT: String(port) });
  const [code] = await once(p.child, 'exit');
  t.equal(code, 1);
  t.equal(p.err(), `mercure: port ${port} on 127.0.0.1 is already in use\n`);
});
