import Fastify from 'fastify';
import app, { serverOptions } from './app.js';
import { ConfigError, loadConfig } from './config.js';

/** The process: configuration, listen, graceful close. Everything else is in app.ts. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`mercure: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const fastify = Fastify(serverOptions(config));
  await fastify.register(app, { config });

  let closing = false;
  const shutdown = (signal: string): void => {
    if (closing) return;
    closing = true;
    fastify.log.info({ signal }, 'closing');
    fastify.close().then(
      () => process.exit(0),
      (error: unknown) => {
        fastify.log.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));

  // Fastify logs one line per address it listens on; the first is the one
  // the runtime contract names: {"msg":"listening","url":…}.
  let first = true;
  const listenTextResolver = ((url: string) => {
    const entry = { msg: first ? 'listening' : 'also listening', url };
    first = false;
    return entry;
  }) as unknown as (address: string) => string;
  try {
    await fastify.listen({ host: config.host, port: config.port, listenTextResolver });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? `port ${config.port} on ${config.host} is already in use` : String(error);
    fastify.log.fatal({ err: error }, reason);
    process.stderr.write(`mercure: ${reason}\n`);
    process.exit(1);
  }
}

await main();
