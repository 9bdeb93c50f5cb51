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
    const client = new S3Client({ region: app.config.awsRegion, forcePathStyle: app.config.s3PathStyle });
    app.decorate('s3', client);
    app.addHook('onClose', async () => {
      client.destroy();
    });
  },
  { name: 's3', dependencies: ['config'] },
);
