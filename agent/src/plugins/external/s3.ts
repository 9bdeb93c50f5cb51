import fp from 'fastify-plugin';
import { S3Client } from '@aws-sdk/client-s3';

declare module 'fastify' {
  interface FastifyInstance {
    s3: S3Client;
  }
}

/**
 * The real S3 client for attachment files. Locally `AWS_ENDPOINT_URL_S3`
 * points it at the stand-in (local/src/s3.ts), which takes path-style
 * addresses; in AWS the bucket's own virtual-hosted address is used.
 */
export default fp(
  async (app) => {
    // Timeouts, as on every AWS client (issue 14): an endpoint that does not answer fails the request
    // instead of holding it. 30 s until S3's answer leaves room to upload the largest attachment; a
    // download's body streams after that answer and is not cut (NodeHttpHandler clears the request
    // timer on the response head: @smithy/node-http-handler 4.14, read 2026-12-01).
    const client = new S3Client({
      region: app.config.awsRegion,
      forcePathStyle: app.config.s3PathStyle,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 30_000, throwOnRequestTimeout: true },
    });
    app.decorate('s3', client);
    app.addHook('onClose', async () => {
      client.destroy();
    });
  },
  { name: 's3', dependencies: ['config'] },
);
