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
    //
    // Timeouts: this SDK (client-bedrock-runtime 3.1163) talks HTTP/2 through NodeHttp2Handler,
    // whose `requestTimeout` is a stream *inactivity* timeout and which has no connection timeout
    // (@smithy/node-http-handler 4.14 node-http2-handler.d.ts, read 2026-12-01). A short one would
    // cut a ConverseStream that pauses (a long tool-free thought), so both are set just beyond the
    // reply's own idle timer (STREAM_IDLE_TIMEOUT_MS, which aborts the send, connection phase
    // included): that timer decides, these only bound a stream nobody is waiting for any more.
    const idleBound = app.config.streamIdleTimeoutMs + 5_000;
    const client = new BedrockRuntimeClient({
      region: app.config.awsRegion,
      maxAttempts: 2,
      requestHandler: { requestTimeout: idleBound, sessionTimeout: idleBound, disableConcurrentStreams: true },
    });
    app.decorate('bedrock', client);
    app.addHook('onClose', async () => {
      client.destroy();
    });
  },
  { name: 'bedrock-client', dependencies: ['config'] },
);
