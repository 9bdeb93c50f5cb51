/**
 * The process as production runs it: `node agent/dist/server.js` (built by
 * `npm run build`, which `npm test` runs first).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startDynamo } from '@homeagent/local/dynamodb';

t.setTimeout(120_000);

const entry = fileURLToPath(new URL('../dist/server.js', import.meta.url));
if (!existsSync(entry)) throw new Error(`${entry} is missing: run "npm run build -w @homeagent/agent" first`);

const KEY = 'process-test-service-key-0123456789abcdef';

function run(env: Record<string, string>) {
  const child = spawn(process.execPath, [entry], {
    env: { PATH: process.env.PATH ?? '', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

t.test('a bad variable stops the process with one line naming it', async (t) => {
  const p = run({ AGENT_SERVICE_KEY: KEY, MERCURE_PUBLISHER_JWT_KEY: 'x', PORT: 'not-a-port', PUBLIC_URL: 'https://chat.example.com' });
  const [code] = await p.exited;
  t.equal(code, 1);
  t.equal(p.err(), 'agent: configuration error: PORT must be a port number between 0 and 65535\n');
  const missing = run({ AGENT_SERVICE_KEY: KEY, MERCURE_PUBLISHER_JWT_KEY: 'x' });
  t.equal((await missing.exited)[0], 1);
  t.match(missing.err(), /^agent: configuration error: PUBLIC_URL is required/);
});

t.test('it starts, makes the first admin invite, answers health, and closes on SIGTERM', async (t) => {
  const dynamo = await startDynamo();
  t.teardown(() => dynamo.close());
  const p = run({
    PUBLIC_URL: 'https://chat.example.com',
    AGENT_SERVICE_KEY: KEY,
    MERCURE_PUBLISHER_JWT_KEY: 'publisher-key',
    PORT: '0',
    TABLE_NAME: dynamo.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  });
  t.teardown(() => {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
  });
  const lines = () => p.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  let listening: Record<string, unknown> | undefined;
  while (!(listening = lines().find((l) => l.msg === 'listening'))) {
    await Promise.race([once(p.child.stdout, 'data'), p.exited.then(() => { throw new Error(`exited early: ${p.err()}`); })]);
  }
  t.match(listening.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const url = listening.url as string;
  const invite = lines().find((l) => l.msg === 'first admin invite');
  t.match(invite?.inviteCode, /^[A-Za-z0-9_-]{20,}$/, 'the invite is logged with its code');

  const health = await fetch(`${url}/healthz`);
  t.equal(health.status, 200);
  t.same(await health.json(), { status: 'ok' });
  const refused = await fetch(`${url}/v1/conversations`, { headers: { authorization: `Bearer ${KEY}x` } });
  t.equal(refused.status, 401);

  p.child.kill('SIGTERM');
  const [code] = await p.exited;
  t.equal(code, 0, 'a clean exit');
  t.notOk(p.out().includes(KEY), 'the service key never reaches the logs');
});
