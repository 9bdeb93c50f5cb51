import fp from 'fastify-plugin';
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';

declare module 'fastify' {
  interface FastifyInstance {
    bedrock: BedrockRuntimeClient;
  }
}

/**
 * The real Bedrock runtime client. Locally `AWS_ENDPOINT_URL_BEDROCK_RUNTIME`
 * points it at the emulator, which speaks the same wire protocol.
 */
export default fp(
  async (app) => {
    // Throttling is reported to the person at once; retrying it a few times
    // inside the SDK would only keep them waiting.
    const client = new BedrockRuntimeClient({ region: app.config.awsRegion, maxAttempts: 2 });
    app.decorate('bedrock', client);
    app.addHook('onClose', async () => {
      client.destroy();
    });
  },
  { name: 'bedrock-client', dependencies: ['config'] },
);
