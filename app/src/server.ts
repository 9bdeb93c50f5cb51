/**
 * The process: read the config (refusing a bad one with one line), build
 * Fastify with the app, listen, and close gracefully on SIGINT/SIGTERM.
 */
import Fastify from 'fastify';
import app, { serverOptions } from './app.js';
import { ConfigError, loadConfig, type AppConfig } from './config.js';

let config: AppConfig;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`homeagent app: invalid configuration: ${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const server = Fastify(serverOptions(config));
await server.register(app, { config });

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  server.log.info({ signal }, 'closing');
  try {
    await server.close();
    process.exit(0);
  } catch (error) {
    server.log.error({ err: error }, 'close failed');
    process.exit(1);
  }
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

try {
  const address = await server.listen({ host: config.host, port: config.port });
  server.log.info({ url: address }, 'listening');
} catch (error) {
  server.log.fatal({ err: error }, 'could not listen');
  process.exit(1);
}
