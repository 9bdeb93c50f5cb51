/**
 * The app's configuration, read once from the environment at boot and
 * validated against one TypeBox schema, as the agent's is. Everything else
 * reads this typed object, never `process.env`.
 */
import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';

export interface AppConfig {
  host: string;
  port: number;
  /** the origin people use, without a trailing slash, e.g. `https://chat.example.com` */
  publicUrl: string;
  /** true when `publicUrl` is https: cookies then carry `Secure` */
  secureCookies: boolean;
  agentUrl: string;
  agentServiceKey: string;
  sessionSecret: string;
  mercureSubscriberJwtKey: string;
  logLevel: string;
  /** proxies in front of the app whose X-Forwarded-For entry is trusted (the ALB, or the local edge) */
  trustProxyHops: number;
  /** wrong passwords for one username from one address before sign-in is paused */
  signInMaxFailures: number;
  /** how long that pause (and the window the failures are counted in) lasts */
  signInLockMinutes: number;
  /** sign-in and register attempts per minute from one address, right or wrong */
  authBurstPerMinute: number;
  /** messages one person may send per minute (on top of one reply at a time) */
  sendRatePerMinute: number;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(
    readonly variable: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${variable}: ${message}`, options);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A whole number from the environment, within bounds. */
const whole = (minimum: number, maximum: number, fallback: number) => Type.Integer({ minimum, maximum, default: fallback });

/** Every variable the app reads (docs/runtime.md), with its rule and default. */
const EnvSchema = Type.Object({
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  PORT: whole(0, 65535, 8080),
  PUBLIC_URL: Type.String({ pattern: '^https?://' }),
  AGENT_URL: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:8000' }),
  AGENT_SERVICE_KEY: Type.String({ minLength: 32 }),
  SESSION_SECRET: Type.String({ minLength: 32 }),
  MERCURE_SUBSCRIBER_JWT_KEY: Type.String({ minLength: 32 }),
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' }),
  // One hop: the ALB (or the local edge) appends the client's address; anything
  // to its left was written by the client and proves nothing.
  TRUST_PROXY_HOPS: whole(0, 5, 1),
  SIGN_IN_MAX_FAILURES: whole(1, 1_000, 10),
  SIGN_IN_LOCK_MINUTES: whole(1, 24 * 60, 15),
  AUTH_BURST_PER_MINUTE: whole(1, 10_000, 60),
  SEND_RATE_PER_MINUTE: whole(1, 10_000, 20),
});
type Env = Static<typeof EnvSchema>;

/** Human wording for each rule, so the one-line refusal reads well. */
function expectation(name: string): string {
  const schema = (EnvSchema.properties as Record<string, { minimum?: number; maximum?: number; minLength?: number }>)[name];
  switch (name) {
    case 'PORT':
      return 'must be a port number between 0 and 65535';
    case 'PUBLIC_URL':
    case 'AGENT_URL':
      return 'must be an http(s) URL';
    case 'LOG_LEVEL':
      return `must be one of ${LOG_LEVELS.join(', ')}`;
    case 'HOST':
      return 'must not be empty';
    default:
      if (schema?.minLength !== undefined) return `must be at least ${schema.minLength} characters long`;
      return `must be a whole number from ${schema?.minimum} to ${schema?.maximum}`;
  }
}

function parseEnv(env: NodeJS.ProcessEnv): Env {
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(EnvSchema.properties)) {
    const value = env[key]?.trim();
    // An empty variable means "not set", as it does for most tools.
    if (value !== undefined && value !== '') raw[key] = value;
  }
  // Only plain digits count as whole numbers: Convert would also read "1e3" or " 7 ".
  for (const [key, schema] of Object.entries(EnvSchema.properties)) {
    if ((schema as { type?: string }).type === 'integer' && typeof raw[key] === 'string' && !/^\d+$/.test(raw[key])) {
      throw new ConfigError(key, `${expectation(key)}, got "${raw[key]}"`);
    }
  }
  const value = Value.Default(EnvSchema, Value.Convert(EnvSchema, raw)) as Record<string, unknown>;
  const errors = Value.Errors(EnvSchema, value);
  if (errors.length === 0) return value as Env;
  const first = errors[0]!;
  const params = first.params as { requiredProperties?: string[] };
  if (first.keyword === 'required' && params.requiredProperties?.length) {
    throw new ConfigError(params.requiredProperties[0]!, 'is required but not set');
  }
  const name = first.instancePath.replace(/^\//, '').split('/')[0] ?? '';
  throw new ConfigError(name, `${expectation(name)}, got "${String(raw[name])}"`);
}

function httpUrl(name: string, value: string): URL {
  try {
    return new URL(value);
  } catch (cause) {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`, { cause });
  }
}

/** Reads and validates the environment against one schema; throws `ConfigError` naming the first bad variable, in one line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const e = parseEnv(env);
  const publicUrl = httpUrl('PUBLIC_URL', e.PUBLIC_URL);
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash) {
    throw new ConfigError('PUBLIC_URL', `must be an origin without a path, e.g. https://chat.example.com, got "${e.PUBLIC_URL}"`);
  }
  const agentUrl = httpUrl('AGENT_URL', e.AGENT_URL);
  return {
    host: e.HOST,
    port: e.PORT,
    publicUrl: publicUrl.origin,
    secureCookies: publicUrl.protocol === 'https:',
    agentUrl: agentUrl.href.replace(/\/+$/, ''),
    // The agent refuses keys shorter than 32 characters, so the schema refuses them here too.
    agentServiceKey: e.AGENT_SERVICE_KEY,
    sessionSecret: e.SESSION_SECRET,
    mercureSubscriberJwtKey: e.MERCURE_SUBSCRIBER_JWT_KEY,
    logLevel: e.LOG_LEVEL,
    trustProxyHops: e.TRUST_PROXY_HOPS,
    signInMaxFailures: e.SIGN_IN_MAX_FAILURES,
    signInLockMinutes: e.SIGN_IN_LOCK_MINUTES,
    authBurstPerMinute: e.AUTH_BURST_PER_MINUTE,
    sendRatePerMinute: e.SEND_RATE_PER_MINUTE,
  };
}
