import t from 'tap';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServiceProcess, type LogEntry } from '../src/service-process.js';

/** A tiny stand-in service script: the real ones are exercised by stack.test.ts. */
async function script(t: { testdir(): string }, body: string): Promise<string> {
  const file = join(t.testdir(), 'service.mjs');
  await writeFile(file, body);
  return file;
}

t.test('collects JSON lines with the service name and finds the listening line', async (t) => {
  const entry = await script(t, `
    console.log(JSON.stringify({ level: 30, msg: 'listening', url: 'http://127.0.0.1:1234' }));
    console.error('a plain warning');
    process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 30, msg: 'closing' })); process.exit(0); });
    setInterval(() => {}, 1000);
  `);
  const seen: LogEntry[] = [];
  const service = new ServiceProcess({ name: 'demo', entry, cwd: process.cwd(), env: { PATH: process.env.PATH ?? '' }, onLog: (e) => seen.push(e) });
  t.teardown(() => service.killNow());
  const listening = await service.waitForEntry((e) => e.msg === 'listening', 'that it listens', 60_000);
  t.equal(listening.url, 'http://127.0.0.1:1234');
  t.equal(listening.service, 'demo');
  await service.waitForEntry((e) => e.msg === 'a plain warning', 'its warning', 60_000);
  t.match(seen.find((e) => e.msg === 'a plain warning'), { level: 40, service: 'demo' }, 'stderr text becomes a warn entry');
  await service.stop(10_000);
  t.equal(service.running, false);
  t.ok(seen.some((e) => e.msg === 'closing'), 'SIGTERM let it close gracefully');
});

t.test('a process that exits early fails the wait with its last lines', async (t) => {
  const entry = await script(t, `
    console.error('demo: configuration error: FOO must be set');
    process.exit(1);
  `);
  const service = new ServiceProcess({ name: 'demo', entry, cwd: process.cwd(), env: {}, onLog: () => undefined });
  await t.rejects(service.waitForEntry((e) => e.msg === 'listening', 'that it listens', 60_000), {
    name: 'StackError',
    code: 'service_exited',
    message: /the demo exited with code 1 before that it listens; its last lines:\ndemo: configuration error: FOO must be set/,
  });
});

t.test('a process that ignores SIGTERM is killed after the grace period', async (t) => {
  const entry = await script(t, `
    process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 30, msg: 'ignoring SIGTERM' })); });
    console.log(JSON.stringify({ level: 30, msg: 'ready' }));
    setInterval(() => {}, 1000);
  `);
  const service = new ServiceProcess({ name: 'stubborn', entry, cwd: process.cwd(), env: {}, onLog: () => undefined });
  t.teardown(() => service.killNow());
  await service.waitForEntry((e) => e.msg === 'ready', 'ready', 60_000);
  await service.stop(500);
  const { signal } = await service.exited;
  t.equal(signal, 'SIGKILL');
});
