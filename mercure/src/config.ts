import { createPublicKey, createSecretKey } from 'node:crypto';
import type { JwtAlgorithm, JwtKey } from './authorization.js';

/** Everything the hub reads from its environment, validated once at boot. */
export interface HubConfig {
  host: string;
  port: number;
  logLevel: string;
  publisherKey: JwtKey;
  subscriberKey: JwtKey;
  /** subscribers without a token may receive public updates */
  anonymous: boolean;
  /** 0 disables heartbeats */
  heartbeatMs: number;
  /** lifetime of a subscription before the hub ends it (jittered); 0 disables */
  writeTimeoutMs: number;
  historySize: number;
  corsOrigins: string[];
  publishOrigins: string[];
  subscriptions: boolean;
  cookieName: string;
}

export class ConfigError extends Error {
  readonly code = 'config_invalid';
  readonly variable: string;
  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(`${variable}: ${message}`, options);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

type Env = Record<string, string | undefined>;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** HS256 needs a key at least as long as the hash (RFC 7518 §3.2). */
export const MIN_HMAC_KEY_BYTES = 32;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** Go-style durations, as the official hub takes them: `40s`, `500ms`, `1m30s`, or `0`. */
export function parseDuration(name: string, value: string): number {
  if (value === '0') return 0;
  if (!/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)) {
    throw new ConfigError(name, `expected a duration such as 40s, 500ms or 0, got "${value}"`);
  }
  let ms = 0;
  for (const [, amount, unit] of value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) ms += Number(amount) * UNIT_MS[unit!]!;
  return Math.round(ms);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw new ConfigError(name, `expected 1 or 0, got "${value}"`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = read(env, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new ConfigError(name, `expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return Number(value);
}

function origins(env: Env, name: string): string[] {
  const value = read(env, name);
  if (value === undefined) return [];
  const list = value.split(/[\s,]+/).filter(Boolean);
  for (const origin of list) {
    if (origin === '*') continue;
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(name, `expected origins such as https://chat.example.com (scheme and host, no path), got "${origin}"`);
    }
  }
  return list;
}

function jwtKey(env: Env, keyName: string, algName: string): JwtKey {
  const algValue = read(env, algName) ?? 'HS256';
  if (algValue !== 'HS256' && algValue !== 'RS256') throw new ConfigError(algName, `expected HS256 or RS256, got "${algValue}"`);
  const alg: JwtAlgorithm = algValue;
  const raw = env[keyName];
  if (raw === undefined || raw === '') throw new ConfigError(keyName, 'is required');
  if (alg === 'HS256') {
    if (Buffer.byteLength(raw) < MIN_HMAC_KEY_BYTES) {
      throw new ConfigError(keyName, `an HS256 key must be at least ${MIN_HMAC_KEY_BYTES} bytes long`);
    }
    return { alg, key: createSecretKey(Buffer.from(raw, 'utf8')) };
  }
  // Env files often carry a PEM on one line with literal "\n".
  const pem = raw.includes('\\n') ? raw.replace(/\\n/g, '\n') : raw;
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'rsa') throw new Error(`a ${key.asymmetricKeyType} key`);
    return { alg, key };
  } catch (cause) {
    throw new ConfigError(keyName, 'with RS256 this must be an RSA public key in PEM format', { cause });
  }
}

export function loadConfig(env: Env = process.env): HubConfig {
  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const cookieName = read(env, 'MERCURE_COOKIE_NAME') ?? 'mercureAuthorization';
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(cookieName)) throw new ConfigError('MERCURE_COOKIE_NAME', `"${cookieName}" is not a valid cookie name`);
  return {
    host: read(env, 'HOST') ?? '0.0.0.0',
    port: integer(env, 'PORT', 3701, 0, 65535),
    logLevel,
    publisherKey: jwtKey(env, 'MERCURE_PUBLISHER_JWT_KEY', 'MERCURE_PUBLISHER_JWT_ALG'),
    subscriberKey: jwtKey(env, 'MERCURE_SUBSCRIBER_JWT_KEY', 'MERCURE_SUBSCRIBER_JWT_ALG'),
    anonymous: flag(env, 'MERCURE_ANONYMOUS', false),
    heartbeatMs: parseDuration('MERCURE_HEARTBEAT', read(env, 'MERCURE_HEARTBEAT') ?? '40s'),
    writeTimeoutMs: parseDuration('MERCURE_WRITE_TIMEOUT', read(env, 'MERCURE_WRITE_TIMEOUT') ?? '600s'),
    historySize: integer(env, 'MERCURE_HISTORY_SIZE', 10_000, 0, 1_000_000),
    corsOrigins: origins(env, 'MERCURE_CORS_ORIGINS'),
    publishOrigins: origins(env, 'MERCURE_PUBLISH_ORIGINS'),
    subscriptions: flag(env, 'MERCURE_SUBSCRIPTIONS', false),
    cookieName,
  };
}
