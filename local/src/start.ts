/**
 * `npm start`: runs the whole of HomeAgent on this machine with its data in
 * `.data/` at the repository root, prints the URL to open (and, on an empty
 * installation, the first admin invite), and stops everything on Ctrl-C.
 */
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import PinoPretty from 'pino-pretty';
import type { Level } from 'pino';
import { DEFAULT_PORTS, startStack, type Stack, type StackPorts } from './stack.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

class StartConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(message: string) {
    super(message);
    this.name = 'StartConfigError';
  }
}

interface StartConfig {
  dataDir: string;
  ports: StackPorts;
  host: string;
  logLevel: Level;
  bedrock: 'emulator' | 'aws';
}

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new StartConfigError(`${name} must be a port number from 0 to 65535 (0 = any free port), got "${raw}"`);
  return Number(raw);
}

function loadStartConfig(env: NodeJS.ProcessEnv): StartConfig {
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LEVELS.includes(logLevel)) throw new StartConfigError(`LOG_LEVEL must be one of ${LEVELS.join(', ')}, got "${logLevel}"`);
  const bedrock = env.HOMEAGENT_BEDROCK?.trim() || 'emulator';
  if (bedrock !== 'emulator' && bedrock !== 'aws') throw new StartConfigError(`HOMEAGENT_BEDROCK must be emulator or aws, got "${bedrock}"`);
  return {
    dataDir: env.HOMEAGENT_DATA_DIR?.trim() ? resolve(env.HOMEAGENT_DATA_DIR.trim()) : join(REPO_ROOT, '.data'),
    ports: {
      edge: port(env, 'EDGE_PORT', DEFAULT_PORTS.edge),
      app: port(env, 'APP_PORT', DEFAULT_PORTS.app),
      agent: port(env, 'AGENT_PORT', DEFAULT_PORTS.agent),
      hub: port(env, 'HUB_PORT', DEFAULT_PORTS.hub),
    },
    host: env.EDGE_HOST?.trim() || '127.0.0.1',
    logLevel: logLevel as Level,
    bedrock,
  };
}

function fail(message: string): never {
  process.stderr.write(`homeagent: ${message}\n`);
  process.exit(1);
}

async function main(): Promise<void> {
  let config: StartConfig;
  try {
    config = loadStartConfig(process.env);
  } catch (err) {
    if (err instanceof StartConfigError) fail(err.message);
    throw err;
  }

  // Pretty for a person at a terminal; JSON lines for anything else (CI, a log collector, tests).
  const logs: Writable = process.stdout.isTTY
    ? PinoPretty({ colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', messageFormat: '{service}: {msg}' })
    : process.stdout;

  // What the signal handler shares with the rest of main(): it may run while the stack is still starting.
  const run: { stack?: Stack; stopping: boolean } = { stopping: false };
  const stop = (signal: NodeJS.Signals) => {
    if (run.stopping) {
      // A second Ctrl-C: do not wait any longer (the exit handler kills what is left).
      process.exit(130);
    }
    run.stopping = true;
    if (!run.stack) {
      // Still starting: leaving now is enough, the children are killed on exit.
      process.exit(130);
    }
    process.stdout.write(`\nStopping HomeAgent (${signal})…\n`);
    run.stack.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  // Any failure here (a taken port, a service that would not start) ends in main()'s catch: one line, exit 1.
  const stack = await startStack({
    dataDir: config.dataDir,
    ports: config.ports,
    host: config.host,
    bedrock: config.bedrock,
    logs,
    logLevel: config.logLevel,
  });
  run.stack = stack;

  const fromHere = relative(process.cwd(), config.dataDir);
  const shownDataDir = fromHere === '' ? '.' : fromHere.startsWith('..') ? config.dataDir : fromHere;
  const lines = ['', `HomeAgent is running: ${stack.url}`];
  if (stack.adminInvite) {
    lines.push(
      `First admin invite: ${stack.adminInvite}`,
      `  (open ${stack.url}/register?invite=${encodeURIComponent(stack.adminInvite)} to use it; it is also in ${join(shownDataDir, 'first-admin-invite.txt')})`,
    );
  }
  lines.push(`Data: ${shownDataDir}   Stop: Ctrl-C`, '');
  process.stdout.write(`${lines.join('\n')}\n`);

  const exit = await stack.unexpectedExit;
  if (run.stopping) return;
  run.stopping = true;
  // A crashed service is restarted by the stack (and the log says so); this is the one it gave up on.
  process.stderr.write(`homeagent: the ${exit.service} stopped (${exit.signal ?? `code ${String(exit.code)}`}) and could not be started again; stopping everything\n`);
  await stack.stop();
  process.exit(1);
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
