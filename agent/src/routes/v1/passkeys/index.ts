/**
 * A person's own passkeys: add one (options, then the browser's answer),
 * list them, remove one. Each addition and removal is an audit entry.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AddPasskeyRequest, ApiError, PasskeyInfo, PasskeyListResponse, PasskeyOptionsResponse, PasskeyParams } from '@homeagent/contract';
import { conflict, notFound } from '../../../http-error.js';
import { actorOf } from '../../../plugins/app/current-user.js';
import { toPasskeyInfo } from '../../../plugins/app/passkeys-repository.js';
import { registrationOptions, verifyRegistration } from '../../../relying-party.js';

const routes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('preHandler', app.loadUser);

  app.post(
    '/registration-options',
    { schema: { response: { 200: PasskeyOptionsResponse, '4xx': ApiError } } },
    async (request) => ({ options: await registrationOptions(app, request.user) }),
  );

  app.post(
    '/',
    { schema: { body: AddPasskeyRequest, response: { 201: PasskeyInfo, '4xx': ApiError } } },
    async (request, reply) => {
      const user = request.user;
      const name = request.body.name.trim();
      const made = await verifyRegistration(app, request, user, request.body.credential);
      const record = await app.passkeys.add({ userId: user.id, name: name || 'Passkey', ...made });
      if (!record) throw conflict('passkey_exists', 'This passkey is already on your account.');
      await app.audit.record({ actor: actorOf(user), action: 'passkey.added', target: { kind: 'passkey', id: record.handle }, detail: { name: record.name }, request });
      return reply.code(201).send(toPasskeyInfo(record));
    },
  );

  app.get('/', { schema: { response: { 200: PasskeyListResponse, '4xx': ApiError } } }, async (request) => ({
    passkeys: (await app.passkeys.listOf(request.user.id)).map(toPasskeyInfo),
  }));

  app.delete(
    '/:passkeyId',
    { schema: { params: PasskeyParams, response: { 204: Type.Null(), '4xx': ApiError } } },
    async (request, reply) => {
      const user = request.user;
      const removed = await app.passkeys.remove(user.id, request.params.passkeyId);
      if (!removed) throw notFound('You have no passkey with that id (it may have been removed already).');
      await app.audit.record({ actor: actorOf(user), action: 'passkey.removed', target: { kind: 'passkey', id: removed.handle }, detail: { name: removed.name }, request });
      return reply.code(204).send(null);
    },
  );
};

export default routes;
