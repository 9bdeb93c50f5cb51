import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GetCommand } from '@aws-sdk/lib-dynamodb';

const Ready = Type.Object({ status: Type.Literal('ready'), database: Type.Literal('ok') });
const Unready = Type.Object({ status: Type.Literal('unready'), database: Type.Literal('unreachable'), message: Type.String() });

/**
 * Readiness, apart from liveness: `/healthz` stays a constant answer (the ALB
 * and the container health check call it often, and a slow database must not
 * get the task killed), while `/readyz` reads one item from the table and says
 * whether the database answers. Within DYNAMODB_REQUEST_TIMEOUT_MS × 2 either way.
 */
const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/readyz', { schema: { response: { 200: Ready, 503: Unready } } }, async (request, reply) => {
    try {
      // A key nothing writes: the read costs one GetItem and needs no more rights than the agent has.
      await app.dynamo.send(new GetCommand({ TableName: app.config.tableName, Key: { pk: 'READINESS', sk: 'READINESS' } }));
      return { status: 'ready' as const, database: 'ok' as const };
    } catch (error) {
      request.log.warn({ err: error }, 'readiness: the database is unreachable');
      return reply.code(503).send({
        status: 'unready' as const,
        database: 'unreachable' as const,
        message: 'The database (DynamoDB) is not answering.',
      });
    }
  });
};

export default routes;
