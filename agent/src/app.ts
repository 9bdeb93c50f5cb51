/**
 * The agent as a Fastify plugin. `server.ts` registers it in the process;
 * tests register it in an app they build without listening.
 */
import fp from 'fastify-plugin';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import { wellFormed } from './well-formed-text.js';
import { installJsonBodyParser } from './json-body-parser.js';
import dynamodb from './plugins/external/dynamodb.js';
import errorHandler from './plugins/app/error-handler.js';
import metrics from './plugins/app/metrics.js';
import agentSecrets from './plugins/app/agent-secrets.js';
import serviceKeyAuth from './plugins/app/service-key-auth.js';
import usersRepository from './plugins/app/users-repository.js';
import invitesRepository from './plugins/app/invites-repository.js';
import sessionsRepository from './plugins/app/sessions-repository.js';
import resetLinksRepository from './plugins/app/reset-links-repository.js';
import passkeysRepository from './plugins/app/passkeys-repository.js';
import passkeyChallengesRepository from './plugins/app/passkey-challenges-repository.js';
import auditRepository from './plugins/app/audit-repository.js';
import tokenMigration from './plugins/app/token-migration.js';
import unfinishedRemovals from './plugins/app/unfinished-removals.js';
import conversationsRepository from './plugins/app/conversations-repository.js';
import messagesRepository from './plugins/app/messages-repository.js';
import searchIndex from './plugins/app/search-index.js';
import sharesRepository from './plugins/app/shares-repository.js';
import usageRepository from './plugins/app/usage-repository.js';
import settingsRepository from './plugins/app/settings-repository.js';
import safetyRepository from './plugins/app/safety-repository.js';
import attachmentsRepository from './plugins/app/attachments-repository.js';
import s3 from './plugins/external/s3.js';
import currentUser from './plugins/app/current-user.js';
import bedrockClient from './plugins/app/bedrock-client.js';
import hubPublisher from './plugins/app/hub-publisher.js';
import streamRunner from './plugins/app/stream-runner.js';
import sendAdmission from './plugins/app/send-admission.js';
import sendKeysRepository from './plugins/app/send-keys-repository.js';
import firstAdminInvite from './plugins/app/first-admin-invite.js';
import health from './routes/health.js';
import readiness from './routes/readyz.js';
import users from './routes/v1/users/index.js';
import sessions from './routes/v1/sessions/index.js';
import passkeySignIn from './routes/v1/sessions/passkey.js';
import passkeys from './routes/v1/passkeys/index.js';
import resetLinks from './routes/v1/reset-links/index.js';
import account from './routes/v1/account/index.js';
import audit from './routes/v1/audit/index.js';
import invites from './routes/v1/invites/index.js';
import conversations from './routes/v1/conversations/index.js';
import search from './routes/v1/search/index.js';
import dataExport from './routes/v1/export/index.js';
import shares from './routes/v1/shares/index.js';
import usage from './routes/v1/usage/index.js';
import settings from './routes/v1/settings/index.js';
import models from './routes/v1/models/index.js';
import safety from './routes/v1/safety/index.js';
import attachments from './routes/v1/attachments/index.js';

declare module 'fastify' {
  interface FastifyInstance {
    config: Config;
  }
}

/** Fastify options shared by the process and the tests. */
export const appOptions: FastifyServerOptions = {
  genReqId: () => randomUUID(),
  // A reply's text can be 16 000 characters of multi-byte text; nothing needs more.
  bodyLimit: 256 * 1024,
};

export interface AppOptions {
  config: Config;
  /** create and log the first admin invite on an empty installation (default true) */
  firstAdminInvite?: boolean;
}

async function agent(app: FastifyInstance, opts: AppOptions) {
  // TypeBox's compiler does not coerce types: a number where a string belongs is refused, not converted.
  app.setValidatorCompiler(TypeBoxValidatorCompiler);
  installJsonBodyParser(app);
  app.addHook('preValidation', async (request) => {
    // A file's bytes (an upload) are not text: only parsed JSON is cleaned.
    if (request.body !== undefined && request.body !== null && !Buffer.isBuffer(request.body)) request.body = wellFormed(request.body);
  });

  await app.register(
    fp(
      async (scope) => {
        scope.decorate('config', opts.config);
      },
      { name: 'config' },
    ),
  );
  await app.register(metrics);
  await app.register(errorHandler);
  await app.register(agentSecrets);
  await app.register(serviceKeyAuth);
  await app.register(dynamodb);
  await app.register(usersRepository);
  await app.register(invitesRepository);
  await app.register(sessionsRepository);
  await app.register(resetLinksRepository);
  await app.register(passkeysRepository);
  await app.register(passkeyChallengesRepository);
  await app.register(auditRepository);
  await app.register(tokenMigration);
  await app.register(conversationsRepository);
  await app.register(messagesRepository);
  await app.register(searchIndex);
  await app.register(sharesRepository);
  await app.register(usageRepository);
  await app.register(settingsRepository);
  await app.register(safetyRepository);
  await app.register(s3);
  await app.register(attachmentsRepository);
  await app.register(currentUser);
  await app.register(bedrockClient);
  await app.register(hubPublisher);
  await app.register(streamRunner);
  await app.register(sendAdmission);
  await app.register(sendKeysRepository);
  await app.register(unfinishedRemovals);
  if (opts.firstAdminInvite !== false) await app.register(firstAdminInvite);

  await app.register(health);
  await app.register(readiness);
  await app.register(users, { prefix: '/v1/users' });
  await app.register(sessions, { prefix: '/v1/sessions' });
  await app.register(passkeySignIn, { prefix: '/v1/sessions' });
  await app.register(passkeys, { prefix: '/v1/passkeys' });
  await app.register(resetLinks, { prefix: '/v1/reset-links' });
  await app.register(account, { prefix: '/v1/account' });
  await app.register(audit, { prefix: '/v1/audit' });
  await app.register(invites, { prefix: '/v1/invites' });
  await app.register(conversations, { prefix: '/v1/conversations' });
  await app.register(search, { prefix: '/v1/search' });
  await app.register(dataExport, { prefix: '/v1/export' });
  await app.register(shares, { prefix: '/v1' });
  await app.register(usage, { prefix: '/v1/usage' });
  await app.register(settings, { prefix: '/v1/settings' });
  await app.register(models, { prefix: '/v1/models' });
  await app.register(safety, { prefix: '/v1/safety' });
  await app.register(attachments, { prefix: '/v1/attachments' });
}

export default fp(agent, { name: 'agent' });
