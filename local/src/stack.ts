/**
 * The whole of HomeAgent on one machine, as `npm start` runs it: dynalite and
 * the Bedrock emulator in this process, the hub, agent and app as child
 * processes running their built `dist/server.js`, and the edge in front.
 * Tests start the same thing on free ports.
 */
import { access, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { pino, type Level, type Logger } from 'pino';
import { startBedrockEmulator, type BedrockEmulator } from './bedrock-emulator.js';
import { startDynamo, DEFAULT_TABLE_NAME, type LocalDynamo } from './dynamodb.js';
import { startEdge, type Edge } from './edge.js';
import { startS3, type LocalS3 } from './s3.js';
import { ensureSecrets, type LocalSecrets } from './local-secrets.js';
import { closeServer, listen } from './local-server.js';
import type { LogEntry } from './service-process.js';
import { ServiceSupervisor, type ServiceExit, type ServiceName, type StackEvents } from './service-supervisor.js';
import { StackError } from './stack-error.js';

export { StackError } from './stack-error.js';
export type { LogEntry } from './service-process.js';
export { RESTART_BACKOFF, type ServiceName, type StackEvents } from './service-supervisor.js';

/** The bucket the agent keeps attachment files in, locally (Terraform names the real one). */
export const ATTACHMENTS_BUCKET = 'homeagent-attachments';

/** The ports `npm start` uses (docs/runtime.md). */
export const DEFAULT_PORTS = { edge: 3000, app: 8080, agent: 8000, hub: 3701 } as const;

export interface StackPorts {
  edge: number;
  app: number;
  agent: number;
  hub: number;
}

export interface StackOptions {
  /** where secrets.json, the DynamoDB data and first-admin-invite.txt live */
  dataDir: string;
  /** each 0 (the default) picks a free port; `npm start` passes DEFAULT_PORTS */
  ports?: Partial<StackPorts>;
  /** the edge's bind address; default 127.0.0.1 (`npm start` passes 0.0.0.0, as docs/runtime.md says) */
  host?: string;
  /** the emulator's pace (default env EMULATOR_TOKENS_PER_SECOND, else 40) */
  tokensPerSecond?: number;
  /** the emulator's delay before the first token (default env EMULATOR_FIRST_TOKEN_MS, else 300) */
  firstTokenDelayMs?: number;
  /**
   * `emulator` (default) or `aws`: real Bedrock with the AWS credentials,
   * region and BEDROCK_MODEL_ID of this process's environment.
   */
  bedrock?: 'emulator' | 'aws';
  /** where JSON log lines of every part go (each with `service`); discarded when absent */
  logs?: Writable;
  /** lowest level written to `logs`; default info */
  logLevel?: Level;
  /** extra environment per service, e.g. `{ agent: { STREAM_COALESCE_MS: '10' } }` */
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** how long each service may take to come up; default 60 s */
  startTimeoutMs?: number;
  /** how long stop() waits after SIGTERM before SIGKILL; default 5 s */
  stopGraceMs?: number;
  /** the repository root holding mercure/, agent/, app/; default: found from this file */
  repoRoot?: string;
  /**
   * Restart a service that dies, with backoff, as ECS restarts a task (default true).
   * false: a death only resolves `unexpectedExit` (the launcher's old behaviour).
   */
  restart?: boolean;
}

export interface Stack {
  /** the one URL to open (the edge), e.g. http://localhost:3000 */
  url: string;
  /** the first admin invite, when this start created one (an empty installation) */
  adminInvite?: string;
  ports: StackPorts;
  /** where the in-process stand-ins listen, and the services' own URLs */
  endpoints: { dynamodb: string; s3: string; bedrock?: string; hub: string; agent: string; app: string };
  tableName: string;
  /** the children's process ids (current: a restarted service has a new one) */
  readonly pids: Record<ServiceName, number>;
  /**
   * Resolves if a service exits while the stack is running (not during stop()) and is not
   * brought back: with `restart` off at once, else after RESTART_BACKOFF.maxFailedStarts failed starts in a row.
   */
  unexpectedExit: Promise<ServiceExit>;
  /** resolves with the next event of that kind (a test waits on `restarted`) */
  next<K extends keyof StackEvents>(event: K): Promise<StackEvents[K]>;
  /**
   * Kills one service with `signal` (default SIGKILL, a crash) and starts it
   * again on the same port with the same settings; resolves once it answers
   * /healthz. For fault tests: this exit is not an `unexpectedExit`.
   */
  restart(service: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

const ENTRIES: Record<ServiceName, string> = {
  hub: 'mercure/dist/server.js',
  agent: 'agent/dist/server.js',
  app: 'app/dist/server.js',
};

/** Agent settings a person may set when running `npm start`; passed through when present. */
const AGENT_PASSTHROUGH = [
  'BEDROCK_MODEL_ID',
  'SYSTEM_PROMPT',
  'STREAM_COALESCE_MS',
  'STREAM_PIECES_PER_SECOND',
  'STREAM_CHECKPOINT_MS',
  'CONTEXT_MESSAGES',
  'MONTHLY_BUDGET_USD',
];
/** What real Bedrock needs from this process's environment (bedrock: 'aws'). */
const AWS_PASSTHROUGH = [
  'AWS_PROFILE',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_BEARER_TOKEN_BEDROCK',
];
/** The little of the launcher's environment a Node child needs; secrets stay out. */
const BASE_PASSTHROUGH = ['PATH', 'HOME', 'LANG', 'TZ', 'NODE_ENV', 'TMPDIR'];

const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function defaultRepoRoot(): string {
  // This file is local/src/stack.ts (tests) or local/dist/stack.js (npm start): two levels below the root.
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function pick(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Fails with a clear message when a fixed port is taken, before anything starts on it. */
async function assertPortFree(port: number, host: string, role: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await listen(probe, {
    port,
    host,
    exclusive: true,
    failure: (err) =>
      err.code === 'EADDRINUSE'
        ? new StackError('port_in_use', `port ${port} (${role}) is already in use`, { cause: err })
        : new StackError('port_unusable', `port ${port} (${role}) cannot be used: ${err.message}`, { cause: err }),
  });
  await closeServer(probe);
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

/** Starts everything; resolves once every part answers /healthz through the edge. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const repoRoot = opts.repoRoot ?? defaultRepoRoot();
  const dataDir = resolve(opts.dataDir);
  const startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  const stopGraceMs = opts.stopGraceMs ?? 5_000;
  const edgeHost = opts.host ?? '127.0.0.1';
  const wanted: StackPorts = { edge: 0, app: 0, agent: 0, hub: 0, ...opts.ports };
  const minLevel = LEVEL_VALUES[opts.logLevel ?? 'info'] ?? 30;
  // Children always log at info (or lower when asked), because the launcher
  // reads their `listening` and `first admin invite` lines; `logLevel` only filters what is shown.
  const childLogLevel = minLevel < 30 ? (opts.logLevel ?? 'info') : 'info';

  const sink = opts.logs;
  let adminInvite: string | undefined;
  const write = (entry: LogEntry) => {
    if (entry.service === 'agent' && entry.msg === 'first admin invite' && typeof entry.inviteCode === 'string') {
      adminInvite = entry.inviteCode;
    }
    if (sink && entry.level >= minLevel && !sink.destroyed) sink.write(`${JSON.stringify(entry)}\n`);
  };
  // No pid/hostname base: each part's `service` says where a line comes from.
  const root: Logger = sink ? pino({ level: opts.logLevel ?? 'info', base: undefined }, sink) : pino({ level: 'silent' });
  const log = root.child({ service: 'stack' });

  for (const [service, entry] of Object.entries(ENTRIES)) {
    try {
      await access(join(repoRoot, entry));
    } catch (cause) {
      throw new StackError('not_built', `${join(repoRoot, entry)} is missing (${service}); run \`npm run build\` first`, { cause });
    }
  }

  const supervisor = new ServiceSupervisor({
    repoRoot,
    entries: ENTRIES,
    baseEnv: { ...pick(BASE_PASSTHROUGH), LOG_LEVEL: childLogLevel },
    extraEnv: opts.env,
    onLog: write,
    log,
    startTimeoutMs,
    stopGraceMs,
    restart: opts.restart !== false,
  });
  const started: Array<() => Promise<void>> = [];
  const exitGuard = () => supervisor.killNow();
  process.on('exit', exitGuard);

  const stopAll = async () => {
    supervisor.shutdown();
    // The edge first (it was started first, to hold the public port), so no one reaches a
    // half-stopped system; then the rest in reverse order: the services before what they use.
    const [edgeStop, ...rest] = started;
    for (const stop of [...(edgeStop ? [edgeStop] : []), ...rest.reverse()]) {
      try {
        await stop();
      } catch (err) {
        log.warn({ err }, 'a part did not stop cleanly');
      }
    }
    started.length = 0;
    process.off('exit', exitGuard);
  };

  try {
    const { secrets, created } = await ensureSecrets(dataDir);
    log.info({ dataDir, created }, created ? 'created local secrets' : 'reusing local secrets');

    // The edge holds the public port from the start, so a taken port is found before anything else runs.
    const edge: Edge = await startEdge({ host: edgeHost, port: wanted.edge, logger: root.child({ service: 'edge' }) });
    started.push(() => edge.close());
    const publicUrl = `http://localhost:${edge.port}`;
    for (const role of ['hub', 'agent', 'app'] as const) await assertPortFree(wanted[role], '127.0.0.1', role);

    const dynamo: LocalDynamo = await startDynamo({ path: join(dataDir, 'dynamodb'), tableName: DEFAULT_TABLE_NAME });
    started.push(() => dynamo.close());
    log.info({ endpoint: dynamo.endpoint }, 'dynamodb ready');

    // Attachments: the real S3 client against the stand-in, kept under .data/ like the table.
    const s3: LocalS3 = await startS3({ dataDir: join(dataDir, 's3'), buckets: [ATTACHMENTS_BUCKET] });
    started.push(() => s3.close());
    log.info({ endpoint: s3.url }, 's3 ready');

    let emulator: BedrockEmulator | undefined;
    if ((opts.bedrock ?? 'emulator') === 'emulator') {
      emulator = await startBedrockEmulator({
        tokensPerSecond: opts.tokensPerSecond,
        firstTokenDelayMs: opts.firstTokenDelayMs,
        logger: root.child({ service: 'bedrock-emulator' }),
      });
      started.push(() => emulator!.close());
    }

    const launch = (name: ServiceName, env: Record<string, string>) => {
      // Registered before the start, so stop() also stops it once it is up.
      started.push(() => supervisor.stopService(name));
      return supervisor.launch(name, env);
    };

    const hub = await launch('hub', {
      HOST: '127.0.0.1',
      PORT: String(wanted.hub),
      MERCURE_PUBLISHER_JWT_KEY: secrets.mercurePublisherJwtKey,
      MERCURE_SUBSCRIBER_JWT_KEY: secrets.mercureSubscriberJwtKey,
      MERCURE_ANONYMOUS: '0',
    });

    const awsEnv: Record<string, string> = emulator
      ? {
          AWS_REGION: 'us-east-1',
          // dynalite and the emulator accept any credentials; these keep the SDK from looking for real ones.
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_BEDROCK_RUNTIME: emulator.url,
        }
      : { AWS_REGION: 'us-east-1', ...pick(AWS_PASSTHROUGH) };
    const agent = await launch('agent', {
      HOST: '127.0.0.1',
      PORT: String(wanted.agent),
      PUBLIC_URL: publicUrl,
      TABLE_NAME: dynamo.tableName,
      AGENT_SERVICE_KEY: secrets.serviceKey,
      MERCURE_PUBLISHER_JWT_KEY: secrets.mercurePublisherJwtKey,
      MERCURE_PUBLISH_URL: `${hub.url}/.well-known/mercure`,
      ...pick(AGENT_PASSTHROUGH),
      ...awsEnv,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_S3: s3.url,
      ATTACHMENTS_BUCKET,
    });
    // The agent logs the invite while getting ready, before it listens: by now it was seen or it never will be.
    if (adminInvite) {
      await writeFile(join(dataDir, 'first-admin-invite.txt'), `${adminInvite}\n`, { mode: 0o600 });
    }

    const app = await launch('app', {
      HOST: '127.0.0.1',
      PORT: String(wanted.app),
      PUBLIC_URL: publicUrl,
      AGENT_URL: agent.url,
      AGENT_SERVICE_KEY: secrets.serviceKey,
      SESSION_SECRET: secrets.sessionSecret,
      MERCURE_SUBSCRIBER_JWT_KEY: secrets.mercureSubscriberJwtKey,
    });

    edge.setUpstreams({ appUrl: app.url, hubUrl: hub.url });
    const throughEdge = await fetch(`http://127.0.0.1:${edge.port}/healthz`, { signal: AbortSignal.timeout(10_000) });
    await throughEdge.body?.cancel();
    if (throughEdge.status !== 200) {
      throw new StackError('start_failed', `the app did not answer /healthz through the edge (status ${throughEdge.status})`);
    }

    supervisor.superviseAll();

    log.info({ url: publicUrl }, 'HomeAgent is running');
    let stopped: Promise<void> | undefined;
    return {
      url: publicUrl,
      adminInvite,
      ports: { edge: edge.port, hub: portOf(hub.url), agent: portOf(agent.url), app: portOf(app.url) },
      endpoints: { dynamodb: dynamo.endpoint, s3: s3.url, bedrock: emulator?.url, hub: hub.url, agent: agent.url, app: app.url },
      tableName: dynamo.tableName,
      get pids() {
        return supervisor.pids;
      },
      unexpectedExit: supervisor.unexpectedExit,
      next: (event) => supervisor.next(event),
      restart: (name, signal) => supervisor.restart(name, signal),
      stop() {
        stopped ??= stopAll().then(() => log.info('HomeAgent stopped'));
        return stopped;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export type { LocalSecrets };
