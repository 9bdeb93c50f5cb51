/**
 * Builds the agent for tests against the real stand-ins: dynalite, the
 * Bedrock emulator (real SDK, real wire protocol) and the real hub.
 */
import { Writable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { EventEmitter, once } from 'node:events';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { SignJWT } from 'jose';
import { startDynamo, type LocalDynamo } from '@homeagent/local/dynamodb';
import { startBedrockEmulator, type BedrockEmulator } from '@homeagent/local/bedrock-emulator';
import { startHub, type RunningHub } from '@homeagent/mercure/testing';
import { startS3, type LocalS3 } from '@homeagent/local/s3';
import agent, { appOptions } from '../src/app.js';
import { loggerOptions } from '../src/logger-options.js';
import { loadConfig } from '../src/config.js';
import { userTopicSelector, type User } from '@homeagent/contract';

export const SERVICE_KEY = 'test-service-key-0123456789-abcdefghijklmnop';
export const PUBLISHER_KEY = 'test-publisher-key-0123456789-abcdefghijklmnop';
export const SUBSCRIBER_KEY = 'test-subscriber-key-0123456789-abcdefghijklmnop';
export const PUBLIC_URL = 'https://chat.example.test';
export const PASSWORD = 'correct horse battery';
export const ATTACHMENTS_BUCKET = 'homeagent-attachments';

// The SDK's default chain needs some credentials; the stand-ins accept any.
process.env.AWS_ACCESS_KEY_ID = 'local';
process.env.AWS_SECRET_ACCESS_KEY = 'local';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;

interface Tap {
  teardown(fn: () => unknown): void;
}

export interface StandIns {
  dynamo: LocalDynamo;
  /** the S3 stand-in with the attachments bucket: every agent has one (account removal purges files) */
  s3: LocalS3;
  emulator?: BedrockEmulator;
  hub?: RunningHub;
}

/**
 * Starts the stand-ins for one test file and points the AWS SDK at them
 * (through the same variables local mode uses: the agent reads them via the SDK).
 */
export async function startStandIns(
  t: Tap,
  opts: { bedrock?: boolean; hub?: boolean; tokensPerSecond?: number; firstTokenDelayMs?: number } = {},
): Promise<StandIns> {
  const dynamo = await startDynamo();
  t.teardown(() => dynamo.close());
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.endpoint;
  const s3 = await startS3({ buckets: [ATTACHMENTS_BUCKET] });
  t.teardown(() => s3.close());
  process.env.AWS_ENDPOINT_URL_S3 = s3.url;
  const standIns: StandIns = { dynamo, s3 };
  if (opts.bedrock) {
    const emulator = await startBedrockEmulator({ tokensPerSecond: opts.tokensPerSecond ?? 200, firstTokenDelayMs: opts.firstTokenDelayMs ?? 20 });
    t.teardown(() => emulator.close());
    process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME = emulator.url;
    standIns.emulator = emulator;
  }
  if (opts.hub) {
    const hub = await startHub({ publisherJwtKey: PUBLISHER_KEY, subscriberJwtKey: SUBSCRIBER_KEY });
    t.teardown(() => hub.close());
    standIns.hub = hub;
  }
  return standIns;
}

/** Every log line the app wrote, parsed, with a way to wait for one. */
export class LogCapture extends Writable {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  private readonly emitter = new EventEmitter();

  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      this.raw.push(line);
      const parsed = JSON.parse(line) as Record<string, unknown>;
      this.lines.push(parsed);
      this.emitter.emit('line', parsed);
    }
    done();
  }

  async waitFor(predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const signal = AbortSignal.timeout(timeoutMs);
    let checked = 0;
    for (;;) {
      for (; checked < this.lines.length; checked++) if (predicate(this.lines[checked]!)) return this.lines[checked]!;
      await once(this.emitter, 'line', { signal });
    }
  }
}

export interface TestAgent {
  app: FastifyInstance;
  logs: LogCapture;
  /** inject with the service key (and `X-User-Id` when given) */
  call(method: InjectOptions['method'], url: string, opts?: { body?: unknown; userId?: string; headers?: Record<string, string> }): Promise<LightMyRequestResponse>;
}

export async function buildAgent(
  t: Tap,
  standIns: StandIns,
  env: Record<string, string> = {},
  opts: { firstAdminInvite?: boolean } = {},
): Promise<TestAgent> {
  const config = await loadConfig({
    PUBLIC_URL,
    AGENT_SERVICE_KEY: SERVICE_KEY,
    MERCURE_PUBLISHER_JWT_KEY: PUBLISHER_KEY,
    MERCURE_PUBLISH_URL: standIns.hub ? `${standIns.hub.url}/.well-known/mercure` : 'http://127.0.0.1:9/.well-known/mercure',
    TABLE_NAME: standIns.dynamo.tableName,
    STREAM_COALESCE_MS: '20',
    STREAM_CHECKPOINT_MS: '200',
    ATTACHMENTS_BUCKET,
    AWS_ENDPOINT_URL_S3: standIns.s3.url,
    // The stand-ins share this process's event loop: its lag is theirs too. The backpressure tests set their own.
    SEND_MAX_EVENT_LOOP_LAG_MS: '60000',
    ...env,
  });
  const logs = new LogCapture();
  const app = Fastify({ ...appOptions, logger: loggerOptions('info', logs) });
  await app.register(agent, { config, firstAdminInvite: opts.firstAdminInvite ?? false });
  await app.ready();
  t.teardown(() => app.close());
  const call: TestAgent['call'] = (method, url, o = {}) =>
    app.inject({
      method,
      url,
      headers: {
        authorization: `Bearer ${SERVICE_KEY}`,
        ...(o.userId ? { 'x-user-id': o.userId } : {}),
        ...(o.headers ?? {}),
      },
      ...(o.body !== undefined ? { payload: o.body as InjectOptions['payload'] } : {}),
    });
  return { app, logs, call };
}

let counter = 0;

/** Registers a person through the API with a fresh invite; returns the user. */
export async function registerUser(agentUnderTest: TestAgent, role: 'admin' | 'member' = 'member', username?: string): Promise<User> {
  const invite = await agentUnderTest.app.invites.create({ role });
  counter += 1;
  const response = await agentUnderTest.call('POST', '/v1/users', {
    body: { inviteCode: invite.code, username: username ?? `person${counter}-${Date.now().toString(36)}`, displayName: `Person ${counter}`, password: PASSWORD },
  });
  if (response.statusCode !== 201) throw new Error(`register answered ${response.statusCode}: ${response.body}`);
  return response.json<{ user: User }>().user;
}

/** The subscriber JWT the app puts in the `mercureAuthorization` cookie for this person. */
export function subscriberToken(userId: string): Promise<string> {
  return new SignJWT({ mercure: { subscribe: [userTopicSelector(PUBLIC_URL, userId)] } })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(SUBSCRIBER_KEY));
}

/** Waits for a condition on the stored state (checked every 50 ms), not for a guessed duration. */
export async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await delay(50);
  }
}
