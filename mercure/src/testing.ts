import Fastify from 'fastify';
import app, { serverOptions } from './app.js';
import { loadConfig } from './config.js';

export interface StartHubOptions {
  /** HS256 key of publisher JWTs (at least 32 bytes) */
  publisherJwtKey: string;
  /** HS256 key of subscriber JWTs (at least 32 bytes) */
  subscriberJwtKey: string;
  anonymous?: boolean;
  heartbeatMs?: number;
  historySize?: number;
  /** bind address; default 127.0.0.1. The port is always a free one. */
  host?: string;
  /** pino level; default silent */
  logLevel?: string;
  writeTimeoutMs?: number;
  subscriptions?: boolean;
  corsOrigins?: string[];
  publishOrigins?: string[];
  cookieName?: string;
}

export interface RunningHub {
  /** e.g. http://127.0.0.1:41234 — the hub lives at `${url}/.well-known/mercure` */
  url: string;
  close(): Promise<void>;
}

/**
 * The hub as `node dist/server.js` runs it, on a free port, for other
 * workspaces' tests (`@homeagent/mercure/testing`). The options go through the
 * same validation as the environment does.
 */
export async function startHub(options: StartHubOptions): Promise<RunningHub> {
  const env: Record<string, string> = {
    MERCURE_PUBLISHER_JWT_KEY: options.publisherJwtKey,
    MERCURE_SUBSCRIBER_JWT_KEY: options.subscriberJwtKey,
    MERCURE_ANONYMOUS: options.anonymous ? '1' : '0',
    MERCURE_SUBSCRIPTIONS: options.subscriptions ? '1' : '0',
    LOG_LEVEL: options.logLevel ?? 'silent',
  };
  if (options.heartbeatMs !== undefined) env['MERCURE_HEARTBEAT'] = `${options.heartbeatMs}ms`;
  if (options.writeTimeoutMs !== undefined) env['MERCURE_WRITE_TIMEOUT'] = `${options.writeTimeoutMs}ms`;
  if (options.historySize !== undefined) env['MERCURE_HISTORY_SIZE'] = String(options.historySize);
  if (options.corsOrigins) env['MERCURE_CORS_ORIGINS'] = options.corsOrigins.join(' ');
  if (options.publishOrigins) env['MERCURE_PUBLISH_ORIGINS'] = options.publishOrigins.join(' ');
  if (options.cookieName) env['MERCURE_COOKIE_NAME'] = options.cookieName;
  const config = loadConfig(env);
  const fastify = Fastify(serverOptions(config));
  await fastify.register(app, { config });
  const host = options.host ?? '127.0.0.1';
  await fastify.listen({ host, port: 0 });
  const address = fastify.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the hub did not bind a TCP port');
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { url: `http://${shownHost}:${address.port}`, close: () => fastify.close() };
}
