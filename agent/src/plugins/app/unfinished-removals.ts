/** On start, finishes every account removal an earlier process began (account-removal.ts). */
import fp from 'fastify-plugin';
import { finishRemovals } from '../../account-removal.js';

export default fp(
  async (app) => {
    app.addHook('onReady', async () => {
      await finishRemovals(app);
    });
  },
  { name: 'unfinished-removals', dependencies: ['users-repository', 'stream-runner', 'reset-links-repository'] },
);
