/** On start, finishes every account removal an earlier process began (account-removal.ts). */
import fp from 'fastify-plugin';
import { finishRemovals } from '../../account-removal.js';

export default fp(
  async (app) => {
    app.addHook('onReady', async () => {
      // A database that does not answer must not keep the agent from starting: the marked accounts stay
      // absent to every read, and the next start finishes them.
      await finishRemovals(app).catch((error: unknown) => {
        app.log.warn({ err: error }, 'unfinished account removals could not be looked up; the next start finishes them');
      });
    });
  },
  { name: 'unfinished-removals', dependencies: ['users-repository', 'stream-runner', 'reset-links-repository'] },
);
