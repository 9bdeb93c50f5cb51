/**
 * scripts/healthcheck.mjs, the command every image's HEALTHCHECK (and the
 * ECS task definition) runs: healthy only on a 2xx from GET /healthz.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import t from 'tap';
import { repoRoot } from './bats-report.js';

const script = join(repoRoot, 'scripts/healthcheck.mjs');

function runHealthcheck(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

async function serve(t: { teardown(fn: () => unknown): void }, handler: Parameters<typeof createServer>[1]): Promise<{ port: number; paths: string[] }> {
  const paths: string[] = [];
  const server: Server = createServer((req, res) => { paths.push(req.url ?? ''); handler!(req, res); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => { server.closeAllConnections(); return new Promise<void>((r) => server.close(() => r())); });
  return { port: (server.address() as AddressInfo).port, paths };
}

t.test('exits 0 when /healthz answers 200 on PORT', async (t) => {
  const { port, paths } = await serve(t, (_req, res) => { res.setHeader('content-type', 'application/json'); res.end('{"status":"ok"}'); });
  const r = await runHealthcheck({ PORT: String(port) });
  t.equal(r.code, 0);
  t.same(paths, ['/healthz']);
});

t.test('exits 1 on a 503 and says why', async (t) => {
  const { port } = await serve(t, (_req, res) => { res.statusCode = 503; res.end(); });
  const r = await runHealthcheck({ PORT: String(port) });
  t.equal(r.code, 1);
  t.match(r.stderr, /answered 503/);
});

t.test('exits 1 when nothing listens', async (t) => {
  // A port that was just free: bind it, then close it again.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const closedPort = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const r = await runHealthcheck({ PORT: String(closedPort) });
  t.equal(r.code, 1);
  t.match(r.stderr, /unhealthy/);
});

t.test('exits 1 when the service hangs past the timeout', async (t) => {
  const { port } = await serve(t, () => undefined); // never answers
  const r = await runHealthcheck({ PORT: String(port), HEALTHCHECK_TIMEOUT_MS: '200' });
  t.equal(r.code, 1);
  t.match(r.stderr, /unhealthy/);
});
