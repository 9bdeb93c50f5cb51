/**
 * Builds the app for tests without listening (inject), and small readers
 * for what a browser would keep: cookies and the CSRF token of a page.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import app, { serverOptions, type AppOptions } from '../src/app.js';
import { loadConfig, type AppConfig } from '../src/config.js';

export const TEST_SECRETS = {
  AGENT_SERVICE_KEY: 'test-service-key-0123456789abcdef0123456789',
  SESSION_SECRET: 'test-session-secret-0123456789abcdef012345',
  MERCURE_SUBSCRIBER_JWT_KEY: 'test-mercure-subscriber-key-0123456789abcdef',
};

export function testConfig(overrides: Record<string, string> = {}): AppConfig {
  return loadConfig({
    PUBLIC_URL: 'http://chat.test',
    AGENT_URL: 'http://127.0.0.1:9',
    LOG_LEVEL: 'silent',
    ...TEST_SECRETS,
    ...overrides,
  });
}

export async function buildApp(config: AppConfig = testConfig(), options: Omit<AppOptions, 'config'> = {}): Promise<FastifyInstance> {
  const server = Fastify(serverOptions(config));
  await server.register(app, { config, ...options });
  await server.ready();
  return server;
}

/** `name=value` pairs from Set-Cookie headers, as a Cookie header would carry them. */
export function cookieJar(setCookie: string | string[] | undefined, jar: Record<string, string> = {}): Record<string, string> {
  const lines = setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie];
  for (const line of lines) {
    const [pair] = line.split(';');
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) delete jar[name];
    else jar[name] = value;
  }
  return jar;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

/** The `_csrf` value of the first form on a page. */
export function csrfTokenOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error('no CSRF token on the page');
  return match[1]!;
}

/** A urlencoded form body, as a browser sends it. */
export function formBody(fields: Record<string, string | string[]>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, v);
  }
  return params.toString();
}

export const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };
