/**
 * The app's configuration, read once from the environment at boot.
 * Everything else reads this typed object, never `process.env`.
 */

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

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new ConfigError(name, 'is required but not set');
  return value.trim();
}

function httpUrl(name: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  }
  return url;
}

function secret(env: NodeJS.ProcessEnv, name: string, minLength: number): string {
  const value = required(env, name);
  if (value.length < minLength) throw new ConfigError(name, `must be at least ${minLength} characters long`);
  return value;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const text = env[name]?.trim() || String(fallback);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${text}"`);
  }
  return value;
}

/** Reads and validates the environment; throws `ConfigError` naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const host = env.HOST?.trim() || '0.0.0.0';

  const portText = env.PORT?.trim() || '8080';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', `must be a port number between 0 and 65535, got "${portText}"`);
  }

  const publicUrl = httpUrl('PUBLIC_URL', required(env, 'PUBLIC_URL'));
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash) {
    throw new ConfigError('PUBLIC_URL', `must be an origin without a path, e.g. https://chat.example.com, got "${env.PUBLIC_URL}"`);
  }

  const agentUrl = httpUrl('AGENT_URL', env.AGENT_URL?.trim() || 'http://127.0.0.1:8000');

  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  return {
    host,
    port,
    publicUrl: publicUrl.origin,
    secureCookies: publicUrl.protocol === 'https:',
    agentUrl: agentUrl.href.replace(/\/+$/, ''),
    // The agent refuses keys shorter than 32 characters, so refuse them here too.
    agentServiceKey: secret(env, 'AGENT_SERVICE_KEY', 32),
    sessionSecret: secret(env, 'SESSION_SECRET', 32),
    mercureSubscriberJwtKey: secret(env, 'MERCURE_SUBSCRIBER_JWT_KEY', 32),
    logLevel,
    // One hop: the ALB (or the local edge) appends the client's address; anything
    // to its left was written by the client and proves nothing.
    trustProxyHops: wholeNumber(env, 'TRUST_PROXY_HOPS', 1, 0, 5),
    signInMaxFailures: wholeNumber(env, 'SIGN_IN_MAX_FAILURES', 10, 1, 1_000),
    signInLockMinutes: wholeNumber(env, 'SIGN_IN_LOCK_MINUTES', 15, 1, 24 * 60),
    authBurstPerMinute: wholeNumber(env, 'AUTH_BURST_PER_MINUTE', 60, 1, 10_000),
  };
}
