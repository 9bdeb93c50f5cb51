/**
 * The agent process: configuration, logger, listen, graceful close.
 * Binds 127.0.0.1 by default: only the app, in the same task, talks to it.
 */
import Fastify from 'fastify';
import agent, { appOptions } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { loggerOptions } from './logger-options.js';

async function main(): Promise<void> {
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`agent: configuration error: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }

  const app = Fastify({
    ...appOptions,
    logger: loggerOptions(config.logLevel),
  });
  await app.register(agent, { config });

  let closing = false;
  const close = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'closing');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'close failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => close('SIGINT'));
  process.once('SIGTERM', () => close('SIGTERM'));

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  app.log.info({ url: `http://${config.host}:${port}`, secrets: config.secretsSource }, 'listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`agent: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
