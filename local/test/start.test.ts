/**
 * `node local/dist/start.js`, the process behind `npm start`, run as a person
 * runs it. Needs everything built (`npm run build`; `npm test` does that).
 */
import t from 'tap';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { access, readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

t.setTimeout(600_000);

const START = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'start.js');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs start.js with only the variables given (plus PATH/HOME), as a shell would. */
function runStart(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const child = spawn(process.execPath, [START], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', EDGE_PORT: '0', APP_PORT: '0', AGENT_PORT: '0', HUB_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const events = new EventEmitter();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    events.emit('output');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    events.emit('output');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit) => {
    child.once('exit', (code, signal) => {
      events.emit('output');
      resolveExit({ code, signal });
    });
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return {
    child,
    exited,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    /** Waits until stdout matches, or fails if the process exits first. */
    async until(pattern: RegExp): Promise<RegExpMatchArray> {
      for (;;) {
        const match = stdout.match(pattern);
        if (match) return match;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`start.js exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}; stderr:\n${stderr}`);
        }
        await once(events, 'output');
      }
    },
    /** The pids of the children, from the launcher's JSON log lines. */
    childPids(): number[] {
      return stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { service?: string; pid?: number; msg?: string })
        .filter((e) => e.service === 'stack' && typeof e.pid === 'number' && /ready$/.test(e.msg ?? ''))
        .map((e) => e.pid as number);
    },
  };
}

t.before(async () => {
  await access(START).catch(() => {
    throw new Error(`${START} is missing: run \`npm run build\` first`);
  });
});

t.test('a taken port: one line naming it, exit code 1', async (t) => {
  const holder = net.createServer();
  holder.listen(0, '0.0.0.0');
  await once(holder, 'listening');
  t.teardown(() => holder.close());
  const port = (holder.address() as net.AddressInfo).port;
  const run = runStart(t, { HOMEAGENT_DATA_DIR: join(t.testdir(), 'data'), EDGE_PORT: String(port) });
  const { code } = await run.exited;
  t.equal(code, 1);
  const ours = run.stderr.split('\n').filter((line) => line.startsWith('homeagent:'));
  t.same(ours, [`homeagent: port ${port} (edge) is already in use`]);
  t.notMatch(run.stdout, /HomeAgent is running/);
});

t.test('a bad variable: one line naming it, exit code 1', async (t) => {
  const run = runStart(t, { HOMEAGENT_DATA_DIR: join(t.testdir(), 'data'), APP_PORT: 'eighty' });
  const { code } = await run.exited;
  t.equal(code, 1);
  t.match(run.stderr, /^homeagent: APP_PORT must be a port number from 0 to 65535 \(0 = any free port\), got "eighty"\n$/);
});

t.test('start prints the URL and the first invite; Ctrl-C stops every child; a second start reuses the data', async (t) => {
  const dataDir = join(t.testdir(), 'data');

  const first = runStart(t, { HOMEAGENT_DATA_DIR: dataDir });
  const [, url] = await first.until(/HomeAgent is running: (http:\/\/localhost:\d+)\n/);
  const [, invite] = await first.until(/First admin invite: (\S+)\n/);
  t.equal((await readFile(join(dataDir, 'first-admin-invite.txt'), 'utf8')).trim(), invite);
  const port = new URL(url!).port;
  const health = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(health.status, 200);
  const [, link] = await first.until(/open (\S+) to use it/);
  t.equal(link, `${url}/register?invite=${encodeURIComponent(invite!)}`, 'a link that fills in the invite');
  const register = await fetch(link!.replace('localhost', '127.0.0.1'));
  t.equal(register.status, 200);
  t.match(await register.text(), new RegExp(`value="${invite}"`), 'the register page opens with the invite filled in');
  const pids = first.childPids();
  t.equal(pids.length, 3, 'hub, agent and app were started');
  t.ok(pids.every(alive));
  const secrets = await readFile(join(dataDir, 'secrets.json'), 'utf8');

  first.child.kill('SIGINT');
  const { code } = await first.exited;
  t.equal(code, 0, 'exits cleanly on SIGINT');
  t.same(pids.filter(alive), [], 'no child left running');

  const second = runStart(t, { HOMEAGENT_DATA_DIR: dataDir });
  await second.until(/HomeAgent is running: http:\/\/localhost:\d+\n/);
  await second.until(/Stop: Ctrl-C\n/);
  t.notMatch(second.stdout, /First admin invite/, 'no second invite');
  t.equal(await readFile(join(dataDir, 'secrets.json'), 'utf8'), secrets, 'same secrets');
  const secondPids = second.childPids();
  second.child.kill('SIGTERM');
  t.equal((await second.exited).code, 0, 'exits cleanly on SIGTERM');
  t.same(secondPids.filter(alive), []);
});

t.test('children stop by themselves when the launcher is killed outright', async (t) => {
  const run = runStart(t, { HOMEAGENT_DATA_DIR: join(t.testdir(), 'data') });
  await run.until(/Stop: Ctrl-C\n/);
  const pids = run.childPids();
  t.equal(pids.length, 3);
  run.child.kill('SIGKILL');
  await run.exited;
  // Condition wait: each orphan notices it was re-parented and shuts down.
  const deadline = Date.now() + 60_000;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  t.same(pids.filter(alive), [], 'no orphan left holding a port');
});
